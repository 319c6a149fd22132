"""An upload handler for tests: Django's temporary-file handler, made to keep its files.

Put first in FILE_UPLOAD_HANDLERS, it writes every file that reaches Django's
default handlers into a temporary file that outlives the request, then hands
the bytes on to the next handler. A view that installs the vault's encrypting
handler replaces the whole chain, so this one never sees its files: finding an
uploaded file's bytes in the temporary folder afterwards means that a view let
plaintext reach the disk.
"""

import tempfile

from django.core.files.uploadhandler import FileUploadHandler

PREFIX = "guichet-tripwire-"


class KeepingTemporaryFileUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self._copy = tempfile.NamedTemporaryFile(prefix=PREFIX, delete=False)  # noqa: SIM115 (kept on purpose)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self._copy.write(raw_data)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        self._copy.close()
        return None  # the next handler makes the uploaded file, as usual
