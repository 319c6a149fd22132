"""The back office's side of sharing (/agent/coffre/): what the owners shared with my services.

An agent reads a document only through an active grant to one of their
services (`selectors.shared_version_for_agent`); anything else is a 404. Each
read writes an audit event owned by the document's owner, who sees it on
their "who saw my data" page.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from coffre import selectors
from coffre.models import DocumentVersion
from coffre.views.files import plaintext_response
from guichet.portal.decorators import agent_required


def _shared_version(request: HttpRequest, pk: int) -> DocumentVersion:
    try:
        return selectors.shared_version_for_agent(user=request.user, pk=pk)
    except ObjectDoesNotExist:
        raise Http404 from None


@agent_required
@require_GET
def shared_documents(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "coffre/agent/documents.html",
        {
            "page_obj": selectors.shared_documents_page(user=request.user, page=request.GET.get("page")),
            "trail": [
                (_("Tableau de bord"), reverse("portal:agent_home")),
                (_("Documents partagés"), ""),
            ],
        },
    )


@agent_required
@require_GET
def shared_download(request: HttpRequest, pk: int) -> HttpResponse:
    return plaintext_response(request, version=_shared_version(request, pk), inline=False)


@agent_required
@require_GET
def shared_preview(request: HttpRequest, pk: int) -> HttpResponse:
    return plaintext_response(request, version=_shared_version(request, pk), inline=True)
