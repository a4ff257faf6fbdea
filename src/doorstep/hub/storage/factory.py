"""Choose the blob store named by ``DOORSTEP_STORAGE_URL``."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import boto3
from botocore.config import Config

from doorstep.errors import ConfigurationError
from doorstep.hub.storage.base import BlobStore
from doorstep.hub.storage.fs import FilesystemBlobStore
from doorstep.hub.storage.s3 import S3BlobStore
from doorstep.settings import Settings

_EXPECTED = "file:///absolute/path or s3://bucket[/prefix]"


def open_blob_store(settings: Settings) -> BlobStore:
    """The store for ``settings.resolved_storage_url()``: a directory or an S3 bucket.

    S3 credentials come from boto3's usual chain (environment, shared files, instance role).
    """
    url = urlsplit(settings.resolved_storage_url())
    if url.query or url.fragment:
        raise ConfigurationError(f"DOORSTEP_STORAGE_URL must be {_EXPECTED}, without '?' or '#'")
    if url.scheme == "file":
        if url.netloc not in {"", "localhost"} or not url.path.startswith("/"):
            raise ConfigurationError(
                "DOORSTEP_STORAGE_URL must name an absolute path after three slashes, "
                "as in file:///var/lib/doorstep"
            )
        return FilesystemBlobStore(Path(unquote(url.path)))
    if url.scheme == "s3":
        if not url.netloc:
            raise ConfigurationError("DOORSTEP_STORAGE_URL must name a bucket, as in s3://bucket")
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            config=Config(retries={"mode": "standard"}),
        )
        return S3BlobStore(url.netloc, unquote(url.path), client=client)
    # Only the scheme is echoed: a mistyped URL might carry credentials.
    raise ConfigurationError(
        f"DOORSTEP_STORAGE_URL must be {_EXPECTED}; the scheme {url.scheme!r} is not supported"
    )
