"""Blobs as objects in an S3 (or S3-compatible, e.g. MinIO) bucket.

A put buffers up to one part: an object that fits in one part goes up with a single
``PutObject``; a larger one goes up as a multipart upload, aborted on any failure so
that nothing is written. botocore errors stop here and leave as ``StorageError``.
Incomplete multipart uploads that an abort could not remove cost storage until a
bucket lifecycle rule (``AbortIncompleteMultipartUpload``) clears them.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from doorstep.errors import (
    BlobNotFound,
    BlobTooLarge,
    ConfigurationError,
    InvalidInput,
    StorageError,
)
from doorstep.hub.storage.base import StoredBlob, validate_key

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

MIB = 1024 * 1024
MIN_PART_SIZE = 5 * MIB  # S3 refuses smaller parts, except the last
MAX_PART_SIZE = 5 * 1024 * MIB
MAX_PARTS = 10_000
MAX_COPY_SIZE = 5 * 1024 * MIB  # the largest object CopyObject accepts
DEFAULT_PART_SIZE = 8 * MIB
CHUNK_SIZE = 64 * 1024
SHA256_METADATA = "sha256"
# EndpointConnectionError and the other transport failures are BotoCoreErrors.
_BOTO_ERRORS = (ClientError, BotoCoreError)
_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})

logger = logging.getLogger(__name__)


class S3BlobStore:
    """A :class:`~doorstep.hub.storage.base.BlobStore` keeping key ``k`` at ``<prefix>/k``."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        client: S3Client,
        part_size: int = DEFAULT_PART_SIZE,
    ) -> None:
        if not bucket:
            raise ConfigurationError("the S3 bucket name must not be empty")
        if not MIN_PART_SIZE <= part_size <= MAX_PART_SIZE:
            raise ConfigurationError(
                f"the S3 part size must be between {MIN_PART_SIZE} and {MAX_PART_SIZE} bytes "
                f"(it is {part_size})"
            )
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        if self.prefix:
            try:
                validate_key(self.prefix)
            except InvalidInput as exc:
                raise ConfigurationError(f"the S3 prefix {prefix!r} is not usable: {exc}") from exc
        self.part_size = part_size
        self._client = client

    def put(self, key: str, chunks: Iterable[bytes], *, max_bytes: int) -> StoredBlob:
        name = self._object_name(key)
        digest = hashlib.sha256()
        size = 0
        buffer = bytearray()
        upload: _MultipartUpload | None = None
        try:
            for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise BlobTooLarge(
                        f"blob {key!r} is larger than the limit of {max_bytes} bytes",
                        field="size",
                    )
                digest.update(chunk)
                buffer += chunk
                # Strictly greater: the last part is never empty, and an object of exactly
                # one part goes up with a single PutObject.
                while len(buffer) > self.part_size:
                    if upload is None:
                        upload = _MultipartUpload(self._client, self.bucket, name)
                    upload.send(bytes(buffer[: self.part_size]))
                    del buffer[: self.part_size]
            sha256 = digest.hexdigest()
            if upload is None:
                self._client.put_object(
                    Bucket=self.bucket,
                    Key=name,
                    Body=bytes(buffer),
                    Metadata={SHA256_METADATA: sha256},
                )
            else:
                upload.send(bytes(buffer))
                upload.complete()
                upload = None
                self._describe(name, size=size, sha256=sha256)
        except _BOTO_ERRORS as exc:
            if upload is not None:
                upload.abort()
            raise StorageError(f"can't write blob {key!r} to S3: {exc}") from exc
        except BaseException:
            if upload is not None:
                upload.abort()
            raise
        return StoredBlob(key=key, size=size, sha256=sha256)

    def get(self, key: str) -> Iterator[bytes]:
        chunks = self._read(key)
        # Run up to the first yield so a missing key fails here, before a response starts;
        # closing the generator (or dropping it) closes the HTTP body.
        next(chunks)
        return chunks

    def delete(self, key: str) -> None:
        name = self._object_name(key)
        try:
            self._client.delete_object(Bucket=self.bucket, Key=name)  # a missing key is a 204
        except _BOTO_ERRORS as exc:
            raise StorageError(f"can't delete blob {key!r} from S3: {exc}") from exc

    def exists(self, key: str) -> bool:
        name = self._object_name(key)
        try:
            self._client.head_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _is_missing(exc):
                return False
            raise StorageError(f"can't look up blob {key!r} in S3: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"can't look up blob {key!r} in S3: {exc}") from exc
        return True

    def check(self) -> None:
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except _BOTO_ERRORS as exc:
            raise StorageError(f"the S3 bucket {self.bucket!r} can't be reached: {exc}") from exc

    def _object_name(self, key: str) -> str:
        validate_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _read(self, key: str) -> Iterator[bytes]:
        name = self._object_name(key)
        try:
            body = self._client.get_object(Bucket=self.bucket, Key=name)["Body"]
        except ClientError as exc:
            if _is_missing(exc):
                raise BlobNotFound(f"no blob with key {key!r}") from exc
            raise StorageError(f"can't read blob {key!r} from S3: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"can't read blob {key!r} from S3: {exc}") from exc
        with body:
            yield b""
            try:
                yield from body.iter_chunks(CHUNK_SIZE)
            except _BOTO_ERRORS as exc:
                raise StorageError(f"can't read blob {key!r} from S3: {exc}") from exc

    def _describe(self, name: str, *, size: int, sha256: str) -> None:
        """Attach the SHA-256 to a multipart object, whose hash was unknown when it began.

        A copy onto itself replaces the metadata on the server, without moving the bytes
        through here; CopyObject stops at 5 GiB, so larger objects go without.
        """
        if size > MAX_COPY_SIZE:
            return
        self._client.copy_object(
            Bucket=self.bucket,
            Key=name,
            CopySource={"Bucket": self.bucket, "Key": name},
            MetadataDirective="REPLACE",
            Metadata={SHA256_METADATA: sha256},
        )


class _MultipartUpload:
    """One multipart upload in progress; started on construction."""

    def __init__(self, client: S3Client, bucket: str, name: str) -> None:
        self._client = client
        self._bucket = bucket
        self._name = name
        self._parts: list[CompletedPartTypeDef] = []
        response = client.create_multipart_upload(Bucket=bucket, Key=name)
        self._upload_id = response["UploadId"]

    def send(self, data: bytes) -> None:
        number = len(self._parts) + 1
        if number > MAX_PARTS:
            raise StorageError(
                f"S3 takes at most {MAX_PARTS} parts per object; raise the part size"
            )
        response = self._client.upload_part(
            Bucket=self._bucket,
            Key=self._name,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=data,
        )
        self._parts.append({"PartNumber": number, "ETag": response["ETag"]})

    def complete(self) -> None:
        self._client.complete_multipart_upload(
            Bucket=self._bucket,
            Key=self._name,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )

    def abort(self) -> None:
        """Discard the parts sent so far; a failure here must not hide the error that led here."""
        try:
            self._client.abort_multipart_upload(
                Bucket=self._bucket, Key=self._name, UploadId=self._upload_id
            )
        except _BOTO_ERRORS as exc:
            logger.warning("can't abort the S3 upload of %s (%s); its parts stay", self._name, exc)


def _is_missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in _MISSING_CODES
