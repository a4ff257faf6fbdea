"""SHA-256 beside the cipher: in order, on a worker thread for big parts, never lost."""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from random import Random

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from doorstep.crypto.decrypt import open_part
from doorstep.crypto.pipeline import hashing
from doorstep.crypto.stream import PartContext, seal_part

WORKER = "doorstep-sha256"
MB = 1_000_000
SHA256 = hashlib.sha256  # as it is before a test replaces it


class RecordingSha256:
    """SHA-256 that notes which thread hashed each buffer, and can fail on one of them."""

    def __init__(self, fail_at: int | None = None) -> None:
        self._sha256 = SHA256()
        self._fail_at = fail_at
        self.threads: list[str] = []

    def update(self, data: memoryview) -> None:
        if len(self.threads) == self._fail_at:
            raise RuntimeError("the hash broke")
        self.threads.append(threading.current_thread().name)
        self._sha256.update(data)

    def digest(self) -> bytes:
        return self._sha256.digest()


def pieces(total: int, size: int) -> list[bytes]:
    data = Random(total).randbytes(total)
    return [data[at : at + size] for at in range(0, total, size)]


def workers_alive() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == WORKER]


def test_a_big_input_is_hashed_in_order_on_a_worker_thread() -> None:
    given = pieces(3 * MB, 262_144)
    sha256 = RecordingSha256()

    with hashing(sha256, 3 * MB) as update:  # type: ignore[arg-type]
        for piece in given:
            update(memoryview(piece))

    assert sha256.digest() == hashlib.sha256(b"".join(given)).digest()
    assert sha256.threads == [WORKER] * len(given)
    assert not workers_alive()


def test_a_small_input_is_hashed_on_the_callers_thread() -> None:
    given = pieces(100_000, 4096)
    sha256 = RecordingSha256()

    with hashing(sha256, 100_000) as update:  # type: ignore[arg-type]
        for piece in given:
            update(memoryview(piece))

    assert sha256.digest() == hashlib.sha256(b"".join(given)).digest()
    assert set(sha256.threads) == {threading.current_thread().name}


def test_every_buffer_is_released_once_hashed() -> None:
    # A view left open would keep its buffer from being resized or handed over.
    scratch = memoryview(bytearray(2 * MB))
    views = [scratch[at : at + 262_144] for at in range(0, 2 * MB, 262_144)]
    with hashing(hashlib.sha256(), 2 * MB) as update:
        for view in views:
            update(view)

    for view in views:
        with pytest.raises(ValueError, match="released"):
            view.tobytes()


def test_a_failing_hash_is_raised_on_the_callers_thread_without_hanging() -> None:
    sha256 = RecordingSha256(fail_at=2)

    with pytest.raises(RuntimeError, match="the hash broke"):
        with hashing(sha256, 3 * MB) as update:  # type: ignore[arg-type]
            for piece in pieces(3 * MB, 262_144):
                update(memoryview(piece))

    assert not workers_alive()


def test_an_error_on_the_callers_thread_stops_the_worker() -> None:
    with pytest.raises(KeyError):
        with hashing(hashlib.sha256(), 3 * MB) as update:
            update(memoryview(bytes(MB)))
            raise KeyError("the cipher failed")

    assert not workers_alive()


@pytest.fixture
def recorded_hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[RecordingSha256]]:
    """Every SHA-256 begun empty (as a part's digest is) records its updates."""
    made: list[RecordingSha256] = []

    def sha256(data: bytes = b"") -> object:
        if data:
            return SHA256(data)  # a one-shot hash, such as a key id's
        made.append(RecordingSha256())
        return made[-1]

    monkeypatch.setattr(hashlib, "sha256", sha256)
    yield made


@pytest.mark.parametrize(("size", "beside"), [(3 * MB, True), (200_000, False)])
def test_sealing_and_opening_hash_beside_the_cipher_when_the_part_is_big(
    recorded_hashes: list[RecordingSha256], size: int, beside: bool
) -> None:
    device = Ed25519PrivateKey.generate()
    now = datetime.now(UTC)
    context = PartContext(
        clip_id=uuid.uuid4(), camera_id=uuid.uuid4(), part="clip", started_at=now, ended_at=now
    )
    plaintext = Random(size).randbytes(size)
    content_key = bytes(range(32))

    sealed = seal_part(plaintext, content_key=content_key, context=context, device_key=device)
    opened = open_part(
        sealed,
        content_key=content_key,
        clip_id=context.clip_id,
        part="clip",
        device_public=device.public_key(),
    )

    assert opened.plaintext == plaintext
    seal_hash, open_hash = recorded_hashes
    caller = threading.current_thread().name
    assert seal_hash.threads == ([WORKER] if beside else [caller])
    # Opening hashes the last chunk itself, once the rest is hashed.
    assert (WORKER in open_hash.threads) is beside
    assert open_hash.threads[-1] == caller
