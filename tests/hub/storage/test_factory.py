"""open_blob_store picks the backend that DOORSTEP_STORAGE_URL names."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from doorstep.errors import ConfigurationError
from doorstep.hub.storage.factory import open_blob_store
from doorstep.hub.storage.fs import FilesystemBlobStore
from doorstep.hub.storage.s3 import S3BlobStore
from doorstep.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client


def test_file_url_opens_a_directory(tmp_path: Path) -> None:
    root = tmp_path / "with space" / "blobs"

    store = open_blob_store(Settings(data_dir=tmp_path, storage_url=root.as_uri()))

    assert isinstance(store, FilesystemBlobStore)
    assert store.root == root.resolve()
    store.put("clip", [b"x"], max_bytes=1)
    assert (root / "clip").read_bytes() == b"x"


def test_default_is_the_blobs_directory_under_data_dir(tmp_path: Path) -> None:
    store = open_blob_store(Settings(data_dir=tmp_path))

    assert isinstance(store, FilesystemBlobStore)
    assert store.root == (tmp_path / "blobs").resolve()


def test_s3_url_opens_the_bucket_under_its_prefix(
    moto_endpoint: str, s3_client: S3Client, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings = Settings(storage_url=f"s3://{bucket}/hub/blobs/", s3_endpoint_url=moto_endpoint)

    store = open_blob_store(settings)

    assert isinstance(store, S3BlobStore)
    assert (store.bucket, store.prefix) == (bucket, "hub/blobs")
    store.check()
    store.put("clip", [b"x"], max_bytes=1)
    assert s3_client.get_object(Bucket=bucket, Key="hub/blobs/clip")["Body"].read() == b"x"


def test_s3_url_without_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")

    store = open_blob_store(Settings(storage_url="s3://clips", s3_region="eu-west-1"))

    assert isinstance(store, S3BlobStore)
    assert (store.bucket, store.prefix) == ("clips", "")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://host/blobs",
        "blobs",
        "file://relative/blobs",
        "s3:///prefix-without-bucket",
        "s3://bucket/../escape",
        "file:///srv/blobs?mode=fast",
    ],
)
def test_unusable_urls_are_configuration_errors(url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="DOORSTEP_STORAGE_URL|prefix"):
        open_blob_store(Settings(data_dir=tmp_path, storage_url=url))
