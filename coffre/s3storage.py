"""The vault's blobs on S3-compatible object storage (beyond one machine): ``VaultS3Storage``.

Settings turn it on when ``COFFRE_S3_BUCKET`` is set (guichet/settings.py,
docs/scaling.md). It keeps the promises of :class:`coffre.storage.VaultFileSystemStorage`
in S3's terms:

- **never overwrite**: ``open(name, "wb")`` refuses a name that exists
  (``FileExistsError``, like O_EXCL), and the write itself is conditional
  (``If-None-Match: *`` on PutObject / CompleteMultipartUpload), so a writer
  that raced another loses instead of replacing its blob;
- **streaming both ways**: a write is sent in parts of ``part_size`` bytes
  (multipart upload) as the ciphertext arrives, a small blob in one PutObject;
  a read streams the object's body. Nothing is held whole, nothing spills to a
  temporary file (django-storages' S3File buffers reads in memory);
- **durable when close() returns**: S3 answers a PUT or a completed upload
  only once the object is stored; a failed write, or one left by an exception
  in its ``with`` block, is aborted (``abort()``), so no blob is left behind.
  A process killed mid-upload leaves an incomplete upload, invisible and
  never listed: the bucket's lifecycle rule AbortIncompleteMultipartUpload
  frees it (docs/scaling.md);
- ``exists()`` is true for a folder too (a prefix holding objects), as on a
  disk: the orphan purge and the shredding markers look at ``blobs`` and
  ``shredding-log`` before listing them.

Only ciphertext is stored; objects are private (ACL ``private`` unless
``default_acl`` says otherwise) and never served by URL.
"""

import logging
import threading

from botocore.exceptions import ClientError
from django.core.files import File
from django.utils.deconstruct import deconstructible
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
# Connections (boto3 resources) of this process, one per thread and configuration: a new
# boto3 session costs ~0.25 s and ~13 MiB, and tests build a storage for each test.
_connections = threading.local()


def _error_code(error: ClientError) -> tuple[str, int]:
    response = error.response
    return response.get("Error", {}).get("Code", ""), response.get("ResponseMetadata", {}).get(
        "HTTPStatusCode", 0
    )


class _S3BlobWriter:
    """A blob written once: parts of `part_size` bytes uploaded as they fill, completed by close()."""

    def __init__(self, storage: "VaultS3Storage", key: str, name: str):
        self._storage = storage
        self._client = storage.connection.meta.client
        self._target = {"Bucket": storage.bucket_name, "Key": key}
        self._params = storage._get_write_parameters(key)
        self._conditional = {"IfNoneMatch": "*"} if storage.conditional_writes else {}
        self._part_size = storage.part_size
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict] = []
        self._closed = False
        self.name = name
        self.mode = "wb"

    @property
    def closed(self) -> bool:
        return self._closed

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def write(self, data) -> int:
        if self._closed:
            raise ValueError("write to a closed blob")
        size = len(data)
        if size:
            # One copy into the part being filled; the caller's pieces are free at once.
            self._buffer += data
            if len(self._buffer) >= self._part_size:
                try:
                    self._upload_part()
                except BaseException:
                    self.abort()
                    raise
        return size

    def flush(self) -> None:
        """Parts go when full (S3 refuses parts under 5 MiB but the last): nothing to do here."""

    def _upload_part(self) -> None:
        body, self._buffer = self._buffer, bytearray()
        if self._upload_id is None:
            self._upload_id = self._client.create_multipart_upload(**self._target, **self._params)["UploadId"]
        number = len(self._parts) + 1
        response = self._client.upload_part(
            **self._target, UploadId=self._upload_id, PartNumber=number, Body=body
        )
        self._parts.append({"ETag": response["ETag"], "PartNumber": number})

    def close(self) -> None:
        """Store the blob; FileExistsError if another writer stored this name first."""
        if self._closed:
            return
        try:
            if self._upload_id is None:
                body, self._buffer = self._buffer, bytearray()
                self._client.put_object(**self._target, Body=body, **self._params, **self._conditional)
            else:
                if self._buffer:
                    self._upload_part()
                self._client.complete_multipart_upload(
                    **self._target,
                    UploadId=self._upload_id,
                    MultipartUpload={"Parts": self._parts},
                    **self._conditional,
                )
                self._upload_id = None
        except ClientError as error:
            self.abort()
            code, status = _error_code(error)
            if code in ("PreconditionFailed", "ConditionalRequestConflict") or status in (409, 412):
                raise FileExistsError(f"The vault blob {self.name} exists already.") from None
            raise
        except BaseException:
            self.abort()
            raise
        self._closed = True

    def abort(self) -> None:
        """Give up: nothing is stored, the parts sent so far are dropped. Safe to call twice."""
        self._closed = True
        self._buffer = bytearray()
        upload_id, self._upload_id = self._upload_id, None
        if upload_id is not None:
            try:
                self._client.abort_multipart_upload(**self._target, UploadId=upload_id)
            except ClientError:
                # Invisible and never listed; the bucket's lifecycle rule frees its parts.
                logger.exception("Could not abort the upload of vault blob %s", self.name)

    def __enter__(self) -> "_S3BlobWriter":
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


@deconstructible(path="coffre.s3storage.VaultS3Storage")
class VaultS3Storage(S3Storage):
    """A private bucket (or a prefix of one, `location`) for ciphertext: never overwrites, streams."""

    def get_default_settings(self) -> dict:
        return {
            **super().get_default_settings(),
            "default_acl": "private",
            "file_overwrite": False,
            # Blobs are never served by URL; if url() is ever called, it is signed and expires.
            "querystring_auth": True,
            # 5 MiB is S3's least part size; 8 MiB keeps 10,000 parts above any vault limit.
            "part_size": 8 * MIB,
            # If-None-Match on writes: AWS S3, MinIO, and moto honour it; turn off for a provider that refuses it
            # (the name is still checked at open, and names are 128 random bits).
            "conditional_writes": True,
        }

    def __init__(self, **settings):
        super().__init__(**settings)
        if self.part_size < 5 * MIB:
            raise ValueError("S3 parts are 5 MiB at least.")
        self._connection_key = (
            self.access_key,
            self.secret_key,
            self.security_token,
            self.session_profile,
            self.region_name,
            self.endpoint_url,
            self.use_ssl,
            self.verify,
            self.signature_version,
            self.addressing_style,
            repr(self.proxies),
            # A Config given in the settings: shared only by storages built with that very object.
            id(settings["client_config"]) if settings.get("client_config") else None,
        )

    @property
    def connection(self):
        cache = getattr(_connections, "resources", None)
        if cache is None:
            cache = _connections.resources = {}
        resource = cache.get(self._connection_key)
        if resource is None:
            resource = cache[self._connection_key] = super().connection
        return resource

    def _open(self, name, mode="rb"):
        key = self._normalize_name(clean_name(name))
        if mode == "rb":
            try:
                response = self.connection.meta.client.get_object(Bucket=self.bucket_name, Key=key)
            except ClientError as error:
                code, status = _error_code(error)
                if code in ("NoSuchKey", "404") or status == 404:
                    raise FileNotFoundError(f"No vault blob {name}") from None
                raise
            blob = File(response["Body"], name)
            blob.size = response["ContentLength"]
            blob.mode = "rb"
            return blob
        if mode != "wb":
            raise ValueError("The vault storage opens blobs for reading or for writing, never both.")
        if super().exists(name):
            raise FileExistsError(f"The vault blob {name} exists already.")
        return _S3BlobWriter(self, key, name)

    def exists(self, name) -> bool:
        """An object, or a folder: a prefix under which some object lies."""
        if super().exists(name):
            return True
        prefix = self._normalize_name(clean_name(name)).rstrip("/") + "/"
        response = self.connection.meta.client.list_objects_v2(
            Bucket=self.bucket_name, Prefix=prefix, MaxKeys=1
        )
        return response.get("KeyCount", 0) > 0
