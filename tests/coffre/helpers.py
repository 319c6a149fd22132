"""Looking into the vault's storage folder from a test."""

from pathlib import Path


def stored_files(folder: Path) -> list[Path]:
    """Every file under the storage folder (blobs and shredding markers)."""
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def blob_files(folder: Path) -> list[Path]:
    return [path for path in stored_files(folder) if path.relative_to(folder).parts[0] == "blobs"]


class GeneratedMultipartBody:
    """A multipart/form-data request body with one file, produced as it is read.

    The file is `head` followed by `block` repeated up to `size` bytes, so a
    100 MiB upload never exists whole in the test process either.
    """

    boundary = "----guichet-coffre-test-7c1f0b2e9a"

    def __init__(self, *, size: int, head: bytes, block: bytes, filename: str = "gros.pdf", fields=None):
        self.size = size
        self._head = head
        self._block = block
        prelude = b"".join(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in (fields or {}).items()
        )
        prelude += (
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self._prelude = prelude
        self._epilogue = f"\r\n--{self.boundary}--\r\n".encode()
        self.content_length = len(prelude) + size + len(self._epilogue)
        self._pieces = self._generate()
        self._pending = memoryview(b"")

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def _generate(self):
        yield self._prelude
        yield self._head[: self.size]
        left = self.size - min(len(self._head), self.size)
        while left > 0:
            piece = self._block[:left]
            left -= len(piece)
            yield piece
        yield self._epilogue

    def read(self, size: int = -1) -> bytes:
        out = []
        wanted = size if size >= 0 else float("inf")
        while wanted > 0:
            if not self._pending:
                self._pending = memoryview(next(self._pieces, b""))
                if not self._pending:
                    break
            piece = self._pending[: int(min(wanted, len(self._pending)))]
            self._pending = self._pending[len(piece) :]
            out.append(piece)
            wanted -= len(piece)
        return b"".join(out)

    def readline(self, size: int = -1) -> bytes:
        raise OSError("The multipart parser reads in chunks; nothing here reads lines.")

    def environ(self, *, path: str = "/depot/") -> dict:
        return {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "CONTENT_TYPE": self.content_type,
            "CONTENT_LENGTH": str(self.content_length),
            "wsgi.input": self,
        }
