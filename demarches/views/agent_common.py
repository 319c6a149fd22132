"""What the agents' pages of the démarches share: the decorator and finding a request of one's services."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from demarches import perms
from demarches.models import Request
from guichet.portal.decorators import agent_required


def demarches_agent_required(view):
    """Back-office pages of the démarches: a verified agent (2FA) of at least one service, else 403."""

    @agent_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not perms.is_any_service_agent(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def agent_request_or_404(http_request: HttpRequest, pk: int) -> Request:
    """A submitted request of one of the agent's services; anyone else's answers 404."""
    from demarches.selectors import instruction

    try:
        return instruction.request_for_agent(user=http_request.user, pk=pk)
    except Request.DoesNotExist:
        raise Http404 from None
