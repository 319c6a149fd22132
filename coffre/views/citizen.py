"""Mon espace › Mon coffre-fort: the pages of the vaults a user may open.

Every object comes through a selector scoped to the user: someone else's
space, document, version or grant is not found, and answers 404.

Every view that accepts POST installs the encrypting upload handler before
anything reads the request's body (`uploadhandler.encrypting_uploads`): the
CSRF middleware would read it first, so those views are exempted from it and
protected inside, once the handler is in place. A file sent to any of them,
expected or not, is never in clear on disk.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coffre import exports, forms, selectors, services, uploadhandler
from coffre.exceptions import VaultAccessDenied, VaultError, VaultIntegrityError, VaultKeyError
from coffre.models import Document
from coffre.views.files import no_store, plaintext_response
from guichet.accounts.enums import PartyKind
from guichet.accounts.models import Party


def _or_404(selector: Callable[..., Any], **kwargs) -> Any:
    try:
        return selector(**kwargs)
    except ObjectDoesNotExist:
        raise Http404 from None


def space_label(space: Party) -> str:
    if space.kind == PartyKind.PERSON:
        return _("Mes documents personnels")
    if space.kind == PartyKind.HOUSEHOLD:
        return _("Foyer : %(name)s") % {"name": space.name}
    return _("Association : %(name)s") % {"name": space.name}


def _space(request: HttpRequest, owner_pk: int) -> tuple[Party, list[Party]]:
    """The space a page is about, and all the user's spaces (for the switcher): one query."""
    spaces = selectors.spaces_for_user(user=request.user)
    owner = next((space for space in spaces if space.pk == owner_pk), None)
    if owner is None:
        raise Http404
    return owner, spaces


def _trail(owner: Party | None = None, *pages: tuple[str, str]) -> list[tuple[str, str]]:
    trail = [(_("Mon espace"), reverse("portal:dashboard")), (_("Mon coffre-fort"), reverse("coffre:home"))]
    if owner is not None:
        trail.append((space_label(owner), reverse("coffre:vault", args=[owner.pk])))
    trail.extend(pages)
    if len(trail) > 1:
        trail[-1] = (trail[-1][0], "")
    return trail


def _document(request: HttpRequest, pk: int) -> Document:
    return _or_404(selectors.document_for_user, user=request.user, pk=pk)


def _document_trail(document: Document, page: str = "") -> list[tuple[str, str]]:
    pages = [(document.title, reverse("coffre:document", args=[document.pk]))]
    if page:
        pages.append((page, ""))
    return _trail(document.owner, *pages)


# Spaces and lists ----------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The user's vaults: straight to the only one, else a choice."""
    spaces = selectors.spaces_for_user(user=request.user)
    if len(spaces) == 1:
        return redirect("coffre:vault", spaces[0].pk)
    return render(
        request,
        "coffre/home.html",
        {"spaces": [(space, space_label(space)) for space in spaces], "trail": _trail()},
    )


@require_GET
def vault(request: HttpRequest, owner_pk: int) -> HttpResponse:
    """One vault's documents by type, with their expiry badges, and the space used."""
    owner, spaces = _space(request, owner_pk)
    documents = list(selectors.vault_documents(user=request.user, owner=owner))
    return render(
        request,
        "coffre/vault.html",
        {
            "owner": owner,
            "owner_label": space_label(owner),
            "spaces": [(space, space_label(space)) for space in spaces],
            "documents": documents,
            "quota": selectors.quota_for_owner(owner=owner),
            "trail": _trail(owner),
        },
    )


# Upload --------------------------------------------------------------------------------------


def _received_file(request: HttpRequest) -> str | None:
    """The upload handler's refusal of the file, if it refused it."""
    try:
        uploadhandler.uploaded_file(request, "file")
    except VaultError as error:
        return error.message
    return None


@require_http_methods(["GET", "POST"])
@uploadhandler.encrypting_uploads
def document_upload(request: HttpRequest, owner_pk: int) -> HttpResponse:
    owner, _spaces = _space(request, owner_pk)
    document_types = list(selectors.document_types_for(owner=owner))
    # A link from a page that asks for one paper ("?type=statuts-association") picks its type first.
    wanted = next((t.pk for t in document_types if t.code == request.GET.get("type")), None)
    form = forms.UploadForm(
        request.POST or None,
        request.FILES or None,
        document_types=document_types,
        initial={"document_type": wanted} if wanted else None,
    )
    if request.method == "POST":
        if file_error := _received_file(request):
            forms.set_file_error(form, file_error)
        elif form.is_valid():
            data = form.cleaned_data
            try:
                version = services.store_document(
                    actor=request.user,
                    owner=owner,
                    uploaded=data["file"],
                    document_type=data["document_type"],
                    title=data["title"],
                    issue_date=data["issue_date"],
                    expiry_date=data["expiry_date"],
                )
            except VaultError as error:
                form.add_error(forms.error_field(error), error.message)
            else:
                messages.success(request, _("Le document a été déposé dans votre coffre-fort."))
                return redirect("coffre:document", version.document_id)
    return render(
        request,
        "coffre/upload.html",
        {
            "form": form,
            "owner": owner,
            "quota": selectors.quota_for_owner(owner=owner),
            "trail": _trail(owner, (_("Déposer un document"), "")),
        },
    )


@require_http_methods(["GET", "POST"])
@uploadhandler.encrypting_uploads
def version_upload(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    form = forms.NewVersionForm(request.POST or None, request.FILES or None, document=document)
    if request.method == "POST":
        if file_error := _received_file(request):
            forms.set_file_error(form, file_error)
        elif form.is_valid():
            data = form.cleaned_data
            try:
                services.store_document(
                    actor=request.user,
                    owner=document.owner,
                    uploaded=data["file"],
                    document_type=document.document_type,
                    title=data["title"],
                    issue_date=data["issue_date"],
                    expiry_date=data["expiry_date"],
                    replaces=document,
                )
            except VaultError as error:
                form.add_error(forms.error_field(error), error.message)
            else:
                messages.success(
                    request, _("La nouvelle version est enregistrée ; l'ancienne reste consultable.")
                )
                return redirect("coffre:document", document.pk)
    return render(
        request,
        "coffre/version_upload.html",
        {
            "form": form,
            "document": document,
            "quota": selectors.quota_for_owner(owner=document.owner),
            "trail": _document_trail(document, _("Nouvelle version")),
        },
    )


# One document --------------------------------------------------------------------------------


@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    return render(
        request,
        "coffre/document.html",
        {
            "document": document,
            "versions": list(document.versions.all()),
            "grants": list(selectors.active_grants_for_document(user=request.user, document=document)),
            "trail": _document_trail(document),
        },
    )


@require_http_methods(["GET", "POST"])
@uploadhandler.encrypting_uploads
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    form = forms.DocumentEditForm(request.POST or None, document=document)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_document(
                actor=request.user,
                document=document,
                title=data["title"],
                issue_date=data["issue_date"],
                expiry_date=data["expiry_date"],
            )
        except VaultError as error:
            form.add_error(forms.error_field(error), error.message)
        else:
            messages.success(request, _("Le document a été modifié."))
            return redirect("coffre:document", document.pk)
    return render(
        request,
        "coffre/document_edit.html",
        {"form": form, "document": document, "trail": _document_trail(document, _("Modifier"))},
    )


@require_http_methods(["GET", "POST"])
@uploadhandler.encrypting_uploads
def document_delete(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    if request.method == "POST":
        services.delete_document(actor=request.user, document=document)
        messages.success(request, _("Le document et toutes ses versions ont été supprimés."))
        return redirect("coffre:vault", document.owner_id)
    return render(
        request,
        "coffre/document_delete.html",
        {
            "document": document,
            "versions": list(document.versions.all()),
            "trail": _document_trail(document, _("Supprimer")),
        },
    )


# Versions: download, preview, delete ---------------------------------------------------------


@require_GET
def version_download(request: HttpRequest, pk: int) -> HttpResponse:
    version = _or_404(selectors.version_for_user, user=request.user, pk=pk)
    return plaintext_response(request, version=version, inline=False)


@require_GET
def version_preview(request: HttpRequest, pk: int) -> HttpResponse:
    version = _or_404(selectors.version_for_user, user=request.user, pk=pk)
    return plaintext_response(request, version=version, inline=True)


@require_http_methods(["GET", "POST"])
@uploadhandler.encrypting_uploads
def version_delete(request: HttpRequest, pk: int) -> HttpResponse:
    version = _or_404(selectors.version_for_user, user=request.user, pk=pk)
    document = version.document
    if request.method == "POST":
        remaining = services.delete_version(actor=request.user, version=version)
        if remaining is None:
            messages.success(request, _("C'était la seule version : le document a été supprimé."))
            return redirect("coffre:vault", document.owner_id)
        messages.success(request, _("La version a été supprimée."))
        return redirect("coffre:document", document.pk)
    return render(
        request,
        "coffre/version_delete.html",
        {
            "version": version,
            "document": document,
            "is_only_version": not document.versions.exclude(pk=version.pk).exists(),
            "trail": _document_trail(document, _("Supprimer une version")),
        },
    )


# Sharing -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@uploadhandler.encrypting_uploads
def grant_create(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    form = forms.ShareForm(request.POST or None, services=selectors.services_to_share_with())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.share_document(
                actor=request.user,
                document=document,
                service=data["service"],
                note=data["note"],
                until=data["until"],
            )
        except VaultError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Le document est partagé avec le service « %(service)s ».")
                % {"service": data["service"].name},
            )
            return redirect("coffre:document", document.pk)
    return render(
        request,
        "coffre/grant_create.html",
        {"form": form, "document": document, "trail": _document_trail(document, _("Partager"))},
    )


@require_http_methods(["GET", "POST"])
@uploadhandler.encrypting_uploads
def grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _or_404(selectors.active_grant_for_user, user=request.user, pk=pk)
    document = grant.document
    if request.method == "POST":
        services.revoke_grant(actor=request.user, grant=grant)
        messages.success(
            request,
            _("Le service « %(service)s » ne peut plus lire ce document.") % {"service": grant.service.name},
        )
        return redirect("coffre:document", document.pk)
    return render(
        request,
        "coffre/grant_revoke.html",
        {"grant": grant, "document": document, "trail": _document_trail(document, _("Retirer un partage"))},
    )


# Export --------------------------------------------------------------------------------------


@require_GET
def export(request: HttpRequest, owner_pk: int) -> HttpResponse:
    """Every document of the vault, its manifest and its trace, as a ZIP streamed to the browser."""
    owner, _spaces = _space(request, owner_pk)
    try:
        archive = exports.export_vault(actor=request.user, owner=owner)
    except VaultAccessDenied:
        raise Http404 from None
    except (VaultKeyError, VaultIntegrityError) as error:
        return render(request, "coffre/unreadable.html", {"message": error.message}, status=500)
    response = StreamingHttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, archive.filename)
    return no_store(response)
