"""Behaviour of every blob store backend, then what is particular to each."""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from doorstep.errors import (
    BlobNotFound,
    BlobTooLarge,
    ConfigurationError,
    InvalidInput,
    StorageError,
)
from doorstep.hub.storage.base import MAX_KEY_LENGTH, BlobStore
from doorstep.hub.storage.fs import FilesystemBlobStore
from doorstep.hub.storage.s3 import MIN_PART_SIZE, S3BlobStore

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

    from tests.hub.storage.conftest import Backend

MIB = 1024 * 1024
LARGE = 12 * MIB  # three parts at the 5 MiB part size the S3 fixture uses


def pattern(size: int, seed: int = 0) -> bytes:
    """Bytes that differ from offset to offset, so a misplaced chunk shows."""
    block = hashlib.sha256(seed.to_bytes(4, "big")).digest() * 2048  # 64 KiB
    return (block * (size // len(block) + 1))[:size]


def chunked(data: bytes, size: int = MIB) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def failing_after(data: bytes) -> Iterator[bytes]:
    yield from chunked(data)
    raise ConnectionResetError("the camera went away")


@pytest.mark.parametrize("size", [0, 1, 1000, LARGE], ids=["empty", "one", "small", "multipart"])
def test_round_trip_reports_size_and_sha256(blob_store: BlobStore, size: int) -> None:
    data = pattern(size)

    stored = blob_store.put("clips/home/clip.bin", chunked(data), max_bytes=size)

    assert (stored.key, stored.size) == ("clips/home/clip.bin", size)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert b"".join(blob_store.get("clips/home/clip.bin")) == data


def test_streams_many_small_chunks_in_bounded_pieces(blob_store: BlobStore) -> None:
    data = pattern(3 * MIB + 17, seed=1)
    pieces = [data[start : start + 1001] for start in range(0, len(data), 1001)]

    stored = blob_store.put("many", iter(pieces), max_bytes=len(data))
    chunks = list(blob_store.get("many"))

    assert stored.size == len(data)
    assert len(chunks) > 1 and all(0 < len(chunk) <= 64 * 1024 for chunk in chunks)
    assert b"".join(chunks) == data


@pytest.mark.parametrize("size", [1000, LARGE], ids=["small", "multipart"])
def test_failed_put_writes_nothing(backend: Backend, size: int) -> None:
    with pytest.raises(BlobTooLarge, match=f"limit of {size - 1} bytes"):
        backend.store.put("big", chunked(pattern(size)), max_bytes=size - 1)
    with pytest.raises(ConnectionResetError):
        backend.store.put("big", failing_after(pattern(size)), max_bytes=size)

    assert backend.contents() == []
    assert not backend.store.exists("big")


@pytest.mark.parametrize("size", [1000, LARGE], ids=["small", "multipart"])
def test_failed_put_keeps_the_existing_object(backend: Backend, size: int) -> None:
    backend.store.put("clip", [b"the original"], max_bytes=100)

    with pytest.raises(BlobTooLarge):
        backend.store.put("clip", chunked(pattern(size)), max_bytes=size - 1)
    with pytest.raises(ConnectionResetError):
        backend.store.put("clip", failing_after(pattern(size)), max_bytes=size)

    assert b"".join(backend.store.get("clip")) == b"the original"
    assert backend.contents() == ["clip"]


def test_a_prefix_of_other_keys_is_not_a_blob(blob_store: BlobStore) -> None:
    blob_store.put("clips/home/clip.bin", [b"x"], max_bytes=1)

    assert not blob_store.exists("clips/home")
    with pytest.raises(BlobNotFound):
        blob_store.get("clips/home")


def test_exists_delete_and_missing_get(backend: Backend) -> None:
    store = backend.store
    assert not store.exists("a/b")
    store.put("a/b", [b"x"], max_bytes=1)
    assert store.exists("a/b")

    store.delete("a/b")
    store.delete("a/b")
    store.delete("never/written")

    assert not store.exists("a/b")
    with pytest.raises(BlobNotFound):  # at the call, before any iteration
        store.get("a/b")
    assert backend.contents() == []


def test_put_overwrites(blob_store: BlobStore) -> None:
    blob_store.put("clip", [b"first version"], max_bytes=100)
    stored = blob_store.put("clip", [b"second"], max_bytes=100)

    assert stored.size == 6
    assert b"".join(blob_store.get("clip")) == b"second"


def test_abandoned_read_releases_the_object(blob_store: BlobStore) -> None:
    blob_store.put("clip", chunked(pattern(MIB)), max_bytes=MIB)
    chunks = blob_store.get("clip")
    next(chunks)

    del chunks
    gc.collect()  # an unclosed file or socket would raise ResourceWarning, an error here

    assert b"".join(blob_store.get("clip")) == pattern(MIB)


BAD_KEYS = ["../x", "/abs", "a//b", "a/../b", "a/./b", "", "x" * (MAX_KEY_LENGTH + 1), "a\\b"]


@pytest.mark.parametrize("key", BAD_KEYS, ids=repr)
def test_invalid_keys_are_refused(backend: Backend, key: str) -> None:
    store = backend.store
    with pytest.raises(InvalidInput):
        store.put(key, [b"x"], max_bytes=1)
    for operation in (store.get, store.exists, store.delete):
        with pytest.raises(InvalidInput):
            operation(key)

    assert backend.contents() == []


def test_check_passes_on_a_working_store(blob_store: BlobStore) -> None:
    blob_store.check()


def test_filesystem_leaves_no_temporary_files(fs_store: FilesystemBlobStore) -> None:
    fs_store.put("a/one", chunked(pattern(2 * MIB)), max_bytes=2 * MIB)
    fs_store.put("a/one", [b"again"], max_bytes=5)
    with pytest.raises(BlobTooLarge):
        fs_store.put("a/two", [b"too long"], max_bytes=1)

    assert sorted(os.listdir(fs_store.root / "a")) == ["one"]


def test_filesystem_symlinks_cannot_lead_outside_root(
    fs_store: FilesystemBlobStore, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"secret")
    (fs_store.root / "escape").symlink_to(outside, target_is_directory=True)
    (fs_store.root / "link").symlink_to(outside / "secret")

    for key in ("escape/new", "escape/secret", "link"):
        with pytest.raises(InvalidInput, match="outside"):
            fs_store.put(key, [b"planted"], max_bytes=100)
        with pytest.raises(InvalidInput):
            fs_store.get(key)

    assert sorted(os.listdir(outside)) == ["secret"]
    assert (outside / "secret").read_bytes() == b"secret"


def test_filesystem_check_fails_without_its_directory(fs_store: FilesystemBlobStore) -> None:
    fs_store.root.rmdir()
    fs_store.root.write_bytes(b"not a directory")

    with pytest.raises(StorageError, match="does not exist"):
        fs_store.check()


def test_s3_large_object_goes_up_in_parts_and_keeps_its_hash(
    s3_store: S3BlobStore, s3_client: S3Client, bucket: str
) -> None:
    operations: list[str] = []

    def record(model: Any, **_: Any) -> None:
        operations.append(model.name)

    data = pattern(LARGE, seed=2)
    s3_client.meta.events.register("before-call.s3", record, unique_id="record-calls")
    try:
        stored = s3_store.put("big", chunked(data), max_bytes=LARGE)
    finally:
        s3_client.meta.events.unregister("before-call.s3", unique_id="record-calls")

    parts = ["CreateMultipartUpload", *["UploadPart"] * 3, "CompleteMultipartUpload"]
    assert operations[:5] == parts
    head = s3_client.head_object(Bucket=bucket, Key="blobs/big")
    assert head["ContentLength"] == LARGE
    assert head["Metadata"]["sha256"] == stored.sha256 == hashlib.sha256(data).hexdigest()


def test_s3_small_object_is_one_put_with_its_hash(
    s3_store: S3BlobStore, s3_client: S3Client, bucket: str
) -> None:
    stored = s3_store.put("small", [b"a", b"b"], max_bytes=MIN_PART_SIZE)

    head = s3_client.head_object(Bucket=bucket, Key="blobs/small")
    assert "-" not in head["ETag"]
    assert head["Metadata"]["sha256"] == stored.sha256


def test_s3_refuses_parts_below_the_s3_minimum(s3_client: S3Client) -> None:
    with pytest.raises(ConfigurationError, match=str(MIN_PART_SIZE)):
        S3BlobStore("bucket", client=s3_client, part_size=MIN_PART_SIZE - 1)


def test_s3_check_fails_for_a_missing_bucket(s3_client: S3Client) -> None:
    store = S3BlobStore("doorstep-no-such-bucket", client=s3_client)

    with pytest.raises(StorageError, match="doorstep-no-such-bucket"):
        store.check()


def test_s3_unreachable_endpoint_is_a_storage_error(unreachable_s3_client: S3Client) -> None:
    store = S3BlobStore("bucket", client=unreachable_s3_client)

    for attempt in (
        store.check,
        lambda: store.put("c", [b"x"], max_bytes=1),
        lambda: store.get("c"),
    ):
        with pytest.raises(StorageError):
            attempt()
