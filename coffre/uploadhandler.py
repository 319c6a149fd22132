"""The upload handler that encrypts files as the request body arrives.

No plaintext temporary file, no whole file in memory: each 64 KiB piece that
Django's multipart parser hands over is sniffed (first KiB), counted against
the per-file limit, encrypted and written to a new blob of the vault storage.

How a view uses it (the handler must be installed before anything reads
``request.POST`` or ``request.FILES``, and the CSRF middleware reads POST, so
the view is exempted from the middleware and protected inside)::

    from django.views.decorators.csrf import csrf_exempt, csrf_protect

    from coffre import services, uploadhandler
    from coffre.exceptions import VaultError


    @csrf_exempt
    def document_upload(request, owner_pk):
        uploadhandler.install(request)
        return _document_upload(request, owner_pk)


    @csrf_protect
    def _document_upload(request, owner_pk):
        owner = get_object_or_404(selectors.owners_for_user(user=request.user), pk=owner_pk)
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST":
            try:
                upload = uploadhandler.uploaded_file(request, "file")  # raises a refusal
            except VaultError as error:
                form.add_error("file", error.message)
            if form.is_valid():
                try:
                    services.store_document(actor=request.user, owner=owner, uploaded=upload, ...)
                except VaultError as error:
                    form.add_error(None, error.message)
                else:
                    return redirect(...)
        return render(...)

``@uploadhandler.encrypting_uploads`` does the same two steps as a single
decorator (the vault's pages use it).

With COFFRE_CLAMD set, each file is also streamed to clamd as it is encrypted
(`coffre.antivirus`): an infected file, or clamd out of reach, is a refusal too.

A refused file (type, size, empty, antivirus) never reaches ``request.FILES``: its partial
blob is already deleted and `uploaded_file` raises the refusal with its French
message. An accepted file that the view does not store is deleted when Django
closes the request.
"""

from collections.abc import Callable
from functools import wraps

from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopFutureHandlers
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from coffre import antivirus
from coffre.exceptions import VaultError
from coffre.uploads import EncryptedUpload, UploadState

ERRORS_ATTRIBUTE = "coffre_upload_errors"


class EncryptingUploadHandler(FileUploadHandler):
    """Streams each uploaded file through `EncryptedUpload` into the vault storage."""

    def __init__(self, request: HttpRequest | None = None, *, max_bytes: int | None = None):
        super().__init__(request)
        self.max_bytes = max_bytes
        # Field name → the refusal of its file, for the view to show.
        self.errors: dict[str, VaultError] = {}
        # Django's parser closes `handler.file` when it skips or stops (its own convention).
        self.file: EncryptedUpload | None = None
        if request is not None:
            setattr(request, ERRORS_ATTRIBUTE, self.errors)

    def new_file(
        self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None
    ):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        self.file = EncryptedUpload(
            original_name=file_name, max_bytes=self.max_bytes, scanner=antivirus.scanner()
        )
        # No other handler may see these bytes (the memory and temporary-file handlers keep them in clear).
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        try:
            self.file.write(raw_data)
        except VaultError as error:
            self.errors[self.field_name] = error
            # The parser then drops the rest of this file and goes on with the other fields.
            raise SkipFile() from error
        return None

    def file_complete(self, file_size: int) -> EncryptedUpload | None:
        try:
            self.file.finish()
        except VaultError as error:
            self.errors[self.field_name] = error
            return None
        return self.file

    def upload_interrupted(self) -> None:
        if self.file is not None and self.file.state == UploadState.RECEIVING:
            self.file.discard()


def encrypting_uploads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a view that may receive a file: the handler first, then the CSRF check.

    The same as the example above, in one line. The vault's pages put it on every
    view that accepts POST, so that a file sent to any of them is never in clear
    on disk, even one the view does not expect.
    """
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        install(request)
        return protected(request, *args, **kwargs)

    return wrapper


def install(request: HttpRequest, *, max_bytes: int | None = None) -> EncryptingUploadHandler:
    """Make the vault's handler the only one for this request, before POST or FILES is read."""
    handler = EncryptingUploadHandler(request, max_bytes=max_bytes)
    request.upload_handlers = [handler]
    return handler


def uploaded_file(request: HttpRequest, field_name: str) -> EncryptedUpload | None:
    """The encrypted upload of a field, None if none was sent, or raise its refusal (a VaultError)."""
    files = request.FILES.getlist(field_name)  # parses the body if not done yet
    error = getattr(request, ERRORS_ATTRIBUTE, {}).get(field_name)
    if error is not None:
        raise error
    return files[0] if files else None
