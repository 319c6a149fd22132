"""Responses that carry a document's plaintext: streamed, never cached, never sniffed."""

import logging

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from coffre import services
from coffre.exceptions import VaultAccessDenied, VaultIntegrityError, VaultKeyError
from coffre.models import DocumentVersion

logger = logging.getLogger(__name__)

# A preview is shown by the browser itself (its PDF or image viewer), in a sandbox: no script,
# no form, no plugin of the page may run, no request leaves it, whatever the file holds.
PREVIEW_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def no_store(response: HttpResponse) -> HttpResponse:
    """Personal papers stay out of every cache (browser, proxy), and their type is never guessed."""
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def plaintext_response(request: HttpRequest, *, version: DocumentVersion, inline: bool) -> HttpResponse:
    """Stream a version to the browser, as a download or (inline) for its preview.

    `services.open_plaintext` checks the actor may read it and writes the audit
    event; a refusal is a 404, like any object the user may not reach.
    """
    try:
        stream = services.open_plaintext(actor=request.user, version=version)
    except VaultAccessDenied:
        raise Http404 from None
    except VaultKeyError as error:
        return render(request, "coffre/unreadable.html", {"message": error.message}, status=410)
    except VaultIntegrityError as error:
        logger.error("Vault version %s failed its integrity check before streaming", version.pk)
        return render(request, "coffre/unreadable.html", {"message": error.message}, status=500)
    response = StreamingHttpResponse(stream, content_type=version.mime_type)
    response["Content-Length"] = str(version.size)
    response["Content-Disposition"] = content_disposition_header(not inline, version.filename)
    if inline:
        response["Content-Security-Policy"] = PREVIEW_CSP
    return no_store(response)
