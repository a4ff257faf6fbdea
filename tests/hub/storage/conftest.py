"""Blob store fixtures: a temporary directory, and a bucket on a moto S3 server.

``blob_store`` runs each behaviour test on both backends. ``backend`` pairs the store
with a way to list everything the backend holds, so tests can assert "nothing written".
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.config import Config

from doorstep.hub.storage.base import BlobStore
from doorstep.hub.storage.fs import FilesystemBlobStore
from doorstep.hub.storage.s3 import MIN_PART_SIZE, S3BlobStore

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

S3_PREFIX = "blobs"


@dataclass(frozen=True)
class Backend:
    name: str
    store: BlobStore
    contents: Callable[[], list[str]]
    """Every file, object and unfinished upload the backend holds, temporary ones included."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def make_s3_client(endpoint_url: str) -> S3Client:
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(
            connect_timeout=1, read_timeout=5, retries={"total_max_attempts": 1, "mode": "standard"}
        ),
    )


@pytest.fixture(scope="session")
def s3_client(moto_endpoint: str) -> S3Client:
    return make_s3_client(moto_endpoint)


@pytest.fixture
def unreachable_s3_client() -> S3Client:
    """A client for a loopback port where nothing listens."""
    return make_s3_client(f"http://127.0.0.1:{free_port()}")


@pytest.fixture
def bucket(s3_client: S3Client) -> str:
    name = f"doorstep-test-{uuid.uuid4().hex}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_store(s3_client: S3Client, bucket: str) -> S3BlobStore:
    return S3BlobStore(bucket, S3_PREFIX, client=s3_client, part_size=MIN_PART_SIZE)


@pytest.fixture
def fs_root(tmp_path: Path) -> Path:
    return tmp_path / "blobs"


@pytest.fixture
def fs_store(fs_root: Path) -> FilesystemBlobStore:
    return FilesystemBlobStore(fs_root)


@pytest.fixture(params=["filesystem", "s3"])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "filesystem":
        root: Path = request.getfixturevalue("fs_root")
        return Backend(
            name="filesystem",
            store=request.getfixturevalue("fs_store"),
            contents=lambda: sorted(
                path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()
            ),
        )
    client: S3Client = request.getfixturevalue("s3_client")
    bucket_name: str = request.getfixturevalue("bucket")

    def s3_contents() -> list[str]:
        objects = client.list_objects_v2(Bucket=bucket_name).get("Contents", [])
        uploads = client.list_multipart_uploads(Bucket=bucket_name).get("Uploads", [])
        return sorted(
            [item["Key"].removeprefix(f"{S3_PREFIX}/") for item in objects]
            + [f"unfinished upload of {item['Key']}" for item in uploads]
        )

    return Backend(name="s3", store=request.getfixturevalue("s3_store"), contents=s3_contents)


@pytest.fixture
def blob_store(backend: Backend) -> BlobStore:
    return backend.store
