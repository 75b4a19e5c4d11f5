"""The district's media in an S3-compatible object store, through boto3."""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from supervision.district.config import ObjectStoreConfig

_CHUNK_BYTES = 1 << 20


class ObjectStoreError(Exception):
    """The store refused or could not be reached; the caller tries again later."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


class ObjectStore:
    """Puts and gets whole files by key in one bucket; every failure is an ObjectStoreError."""

    def __init__(self, config: ObjectStoreConfig) -> None:
        self.config = config
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=config.endpoint_url,
            aws_access_key_id=config.access_key,
            aws_secret_access_key=config.secret_key.get_secret_value(),
            region_name=config.region,
            config=Config(
                connect_timeout=config.timeout_s,
                read_timeout=config.timeout_s,
                retries={"max_attempts": 2},
                s3={"addressing_style": "path"},
            ),
        )

    def ensure_bucket(self) -> None:
        """Create the bucket unless it exists (the centre's key may; a site's need not)."""
        try:
            self._call("head_bucket", Bucket=self.config.bucket)
        except ObjectStoreError:
            self._call("create_bucket", Bucket=self.config.bucket)

    def put_file(self, key: str, path: Path) -> str:
        """Upload `path` as `key` (the same key again replaces it: uploads are idempotent);
        the store checks the SHA-256 it is sent. Returns the hex digest."""
        digest = sha256_of(path)
        checksum = base64.b64encode(bytes.fromhex(digest)).decode("ascii")
        with path.open("rb") as body:
            self._call(
                "put_object",
                Bucket=self.config.bucket,
                Key=key,
                Body=body,
                ChecksumSHA256=checksum,
            )
        return digest

    def fetch(self, key: str, target: Path, sha256: str | None) -> None:
        """Download `key` to `target` (atomically), checking it against `sha256` when given."""
        target.parent.mkdir(parents=True, exist_ok=True)
        answer = self._call("get_object", Bucket=self.config.bucket, Key=key)
        digest = hashlib.sha256()
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".fetch-")
        try:
            with os.fdopen(handle, "wb") as file:
                for chunk in answer["Body"].iter_chunks(_CHUNK_BYTES):
                    digest.update(chunk)
                    file.write(chunk)
            if sha256 is not None and digest.hexdigest() != sha256:
                raise ObjectStoreError(f"{key}: checksum differs from the one the site recorded")
            os.replace(temporary, target)
        finally:
            Path(temporary).unlink(missing_ok=True)

    def _call(self, operation: str, **arguments: Any) -> Any:
        try:
            return getattr(self._client, operation)(**arguments)
        except (BotoCoreError, ClientError) as error:
            raise ObjectStoreError(f"{operation} {arguments.get('Key', '')}: {error}") from error
