"""What the régie's citizen and agent pages share."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse

from guichet.portal.decorators import agent_required
from regie import perms


def pdf_response(pdf: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A receipt names the payer: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response


def regie_agent_required(view):
    """Back-office pages of the régie: a verified agent (2FA) of the régie service, else 403."""

    @agent_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not perms.is_regie_agent(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
