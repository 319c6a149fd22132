"""What the démarches' pages share: finding the request, its breadcrumbs, where to resume, and
streaming a document of the service's space (to the applicant or to an agent)."""

import logging
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from coffre.exceptions import VaultAccessDenied, VaultIntegrityError, VaultKeyError
from coffre.models import DocumentVersion
from coffre.views.files import no_store
from demarches import engine, selectors
from demarches.models import Request

logger = logging.getLogger(__name__)


def request_or_404(http_request: HttpRequest, pk: int) -> Request:
    """A request of a party the user acts for; anyone else's answers 404 (ids leak nothing)."""
    try:
        return selectors.request_for_user(user=http_request.user, pk=pk)
    except Request.DoesNotExist:
        raise Http404 from None


def applicant_of(http_request: HttpRequest, obj: Request) -> engine.Applicant:
    return engine.Applicant(user=http_request.user, party=obj.applicant)


def page_url(obj: Request, number: int) -> str:
    return reverse("demarches:page", args=[obj.pk, number])


def resume_url(http_request: HttpRequest, obj: Request) -> str:
    """Where a draft picks up: the first page with a missing or wrong answer, else the check page."""
    errors = engine.validate_answers(obj.form, obj.answers, applicant=applicant_of(http_request, obj))
    if errors:
        return page_url(obj, errors[0].page)
    return reverse("demarches:review", args=[obj.pk])


def trail(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    """Mon espace › Mes demandes › …, the last one being the current page."""
    result = [
        (_("Mon espace"), reverse("portal:dashboard")),
        (_("Mes demandes"), reverse("demarches:requests")),
        *pages,
    ]
    result[-1] = (result[-1][0], "")
    return result


def stream_space_document(
    http_request: HttpRequest,
    version: DocumentVersion | None,
    open_stream: Callable[[DocumentVersion], object],
) -> HttpResponse:
    """A document of the service's space as a download: `open_stream(version)` checks who reads it and
    audits the reading; a refusal or no document is a 404, an unreadable one a page that says so."""
    if version is None:
        raise Http404
    try:
        stream = open_stream(version)
    except VaultAccessDenied:
        raise Http404 from None
    except VaultKeyError as error:
        return render(http_request, "coffre/unreadable.html", {"message": error.message}, status=410)
    except VaultIntegrityError as error:
        logger.error("Vault version %s failed its integrity check before streaming", version.pk)
        return render(http_request, "coffre/unreadable.html", {"message": error.message}, status=500)
    response = StreamingHttpResponse(stream, content_type=version.mime_type)
    response["Content-Length"] = str(version.size)
    response["Content-Disposition"] = content_disposition_header(True, version.filename)
    return no_store(response)
