"""The vault's tests on S3: a local moto server, and a bucket seen as a folder.

``GUICHET_TEST_STORAGE=s3`` points ``STORAGES["coffre"]`` of every vault test at
:class:`coffre.s3storage.VaultS3Storage` on a moto server (a subprocess, so that
the tests' memory measurements see only Guichet's process). Each test gets its
own prefix of its worker's bucket, and ``vault_dir`` becomes a
:class:`BucketPath`: the few ``pathlib`` operations the tests use, on that
prefix's objects, so the tests look at the bucket exactly as they look at the
folder.
"""

import os
import shutil
import socket
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path, PurePosixPath

import boto3
import pytest
from botocore.exceptions import ClientError

CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


def wanted() -> bool:
    return os.environ.get("GUICHET_TEST_STORAGE", "filesystem") == "s3"


def filesystem_only(reason: str):
    """For a test of what only a disk has (a file's mode): it runs in the filesystem run of the suite,
    and the S3 run leaves it out (deselected by tests/coffre/conftest.py, never skipped)."""
    return pytest.mark.filesystem_only(reason=reason)


class MotoServer:
    """``moto_server`` on a free local port, for the life of the test session."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self._process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.05)
        self.client = boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=CREDENTIALS["access_key"],
            aws_secret_access_key=CREDENTIALS["secret_key"],
            region_name=CREDENTIALS["region_name"],
        )

    def new_bucket(self) -> str:
        name = f"guichet-test-{uuid.uuid4().hex[:12]}"
        self.client.create_bucket(Bucket=name)
        return name

    def storage_settings(self, *, bucket: str, location: str) -> dict:
        return {
            "BACKEND": "coffre.s3storage.VaultS3Storage",
            "OPTIONS": {
                **CREDENTIALS,
                "endpoint_url": self.endpoint_url,
                "bucket_name": bucket,
                "location": location,
            },
        }

    def empty(self, bucket: str, prefix: str) -> None:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            keys = [{"Key": entry["Key"]} for entry in page.get("Contents", ())]
            if keys:
                self.client.delete_objects(Bucket=bucket, Delete={"Objects": keys})

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()


class BucketPath(PurePosixPath):
    """A path under a bucket's prefix, with what the vault tests do to files: read, write, list, delete.

    The root's parent is a real local folder (the test's tmp_path), for the tests that put a file
    of their own beside the vault.
    """

    def __init__(self, *segments, client=None, bucket: str = "", local_parent: Path | None = None):
        super().__init__(*segments)
        self._client = client
        self._bucket = bucket
        self._local_parent = local_parent

    def with_segments(self, *segments):
        return type(self)(
            *segments, client=self._client, bucket=self._bucket, local_parent=self._local_parent
        )

    @classmethod
    def at_prefix(cls, *, client, bucket: str, prefix: str, local_parent: Path) -> "BucketPath":
        return cls(f"/{prefix}", client=client, bucket=bucket, local_parent=local_parent)

    @property
    def parent(self):
        if self._local_parent is not None and len(self.parts) == 2:  # "/", prefix
            return self._local_parent
        return super().parent

    @property
    def _key(self) -> str:
        return self.as_posix().lstrip("/")

    def _list(self, *, delimiter: bool):
        prefix = self._key.rstrip("/") + "/"
        extra = {"Delimiter": "/"} if delimiter else {}
        for page in self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=prefix, **extra
        ):
            yield from (entry["Prefix"].rstrip("/") for entry in page.get("CommonPrefixes", ()))
            yield from (entry["Key"] for entry in page.get("Contents", ()))

    def _head(self) -> dict | None:
        try:
            return self._client.head_object(Bucket=self._bucket, Key=self._key)
        except ClientError as error:
            if error.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                return None
            raise

    def is_file(self) -> bool:
        return self._head() is not None

    def is_dir(self) -> bool:
        return len(self.parts) <= 2 or next(self._list(delimiter=False), None) is not None

    def exists(self) -> bool:
        return self.is_file() or self.is_dir()

    def iterdir(self):
        for key in self._list(delimiter=True):
            yield self.with_segments(f"/{key}")

    def rglob(self, pattern: str):
        if pattern != "*":
            raise NotImplementedError(pattern)
        for key in self._list(delimiter=False):
            yield self.with_segments(f"/{key}")

    def read_bytes(self) -> bytes:
        try:
            return self._client.get_object(Bucket=self._bucket, Key=self._key)["Body"].read()
        except ClientError as error:
            if error.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                raise FileNotFoundError(str(self)) from None
            raise

    def write_bytes(self, data: bytes) -> int:
        """Replaces the object, as a test tampering with a blob does (the vault itself never would)."""
        self._client.put_object(Bucket=self._bucket, Key=self._key, Body=bytes(data))
        return len(data)

    def unlink(self, missing_ok: bool = False) -> None:
        if not missing_ok and not self.is_file():
            raise FileNotFoundError(str(self))
        self._client.delete_object(Bucket=self._bucket, Key=self._key)

    def mkdir(self, mode=0o777, parents=False, exist_ok=False) -> None:
        """Folders are prefixes: nothing to make."""

    def chmod(self, mode) -> None:
        """Objects have no mode (the bucket is private): nothing to change."""

    def stat(self):
        head = self._head()
        if head is None:
            raise FileNotFoundError(str(self))
        # No permission bits: an object has none, so a test of the 0600 mode fails here, as it should.
        fields = [stat.S_IFREG, 0, 0, 1, 0, 0, head["ContentLength"]]
        mtime = head["LastModified"].timestamp()
        return os.stat_result((*fields, mtime, mtime, mtime))


_original_copytree = shutil.copytree


def copytree(src, dst, *args, dirs_exist_ok=False, **kwargs):
    """shutil.copytree, also from a bucket into a folder (a backup) and back (a restore)."""
    if isinstance(src, BucketPath):
        for path in src.rglob("*"):
            target = Path(dst) / path.relative_to(src).as_posix()
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
        Path(dst).mkdir(parents=True, exist_ok=True)
        return dst
    if isinstance(dst, BucketPath):
        for path in Path(src).rglob("*"):
            if path.is_file():
                (dst / path.relative_to(src).as_posix()).write_bytes(path.read_bytes())
        return dst
    return _original_copytree(src, dst, *args, dirs_exist_ok=dirs_exist_ok, **kwargs)
