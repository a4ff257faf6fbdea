"""Sealing and opening parts of many sizes, whole and fed in pieces, and every alteration
of a part of many chunks refused with its reason, whichever way it is opened."""

from __future__ import annotations

import hashlib
import struct
import uuid
from datetime import UTC, datetime
from random import Random

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from doorstep.crypto.decrypt import OpenedPart, PartOpener, open_part
from doorstep.crypto.format import part_key
from doorstep.crypto.stream import PartContext, seal_part
from doorstep.crypto.tampering import flip, split
from doorstep.errors import CryptoError

CONTENT_KEY = bytes(range(32))
DEVICE = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
PREFIX = b"\x01\x02\x03\x04\x05\x06\x07"
WHEN = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
CONTEXT = PartContext(
    clip_id=uuid.UUID(int=7),
    camera_id=uuid.UUID(int=8),
    part="clip",
    started_at=WHEN,
    ended_at=WHEN,
)
CHUNK = 65_536
# Empty, one byte, one chunk exactly, short parts, parts around a megabyte, a part of
# 46 chunks that ends in a short one, and one of 48 full chunks.
SIZES = [0, 1, 65_536, 200_000, 1_048_576, 1_048_577, 3_000_000, 3_145_728]
# Pieces the bytes arrive in: odd sizes, one sealed chunk (65,536 + 16), a megabyte.
PIECES = [4_099, 65_552, 1_000_000]


def plaintext_of(size: int) -> bytes:
    return Random(size).randbytes(size)


def seal(plaintext: bytes, chunk_size: int = CHUNK) -> bytes:
    return seal_part(
        plaintext,
        content_key=CONTENT_KEY,
        context=CONTEXT,
        device_key=DEVICE,
        chunk_size=chunk_size,
        nonce_prefix=PREFIX,
    )


def open_whole(sealed: bytes) -> OpenedPart:
    return open_part(
        sealed,
        content_key=CONTENT_KEY,
        clip_id=CONTEXT.clip_id,
        part="clip",
        device_public=DEVICE.public_key(),
    )


def open_fed(sealed: bytes, piece: int) -> OpenedPart:
    opener = PartOpener(
        content_key=CONTENT_KEY,
        clip_id=CONTEXT.clip_id,
        part="clip",
        device_public=DEVICE.public_key(),
    )
    plain = [opener.feed(sealed[at : at + piece]) for at in range(0, len(sealed), piece)]
    tail, summary = opener.finish()
    return OpenedPart(summary=summary, plaintext=b"".join([*plain, tail]))


def by_the_format(plaintext: bytes, aad: bytes) -> bytes:
    """The sealed part as docs/crypto-format.md builds it, one primitive at a time."""
    aead = AESGCM(part_key(CONTENT_KEY, CONTEXT.clip_id, "clip"))
    digest = hashlib.sha256(plaintext).digest()
    signature = DEVICE.sign(b"doorstep part signature v1\0" + aad + digest)
    block = aead.encrypt(PREFIX + struct.pack(">IB", 0xFFFFFFFF, 2), digest + signature, aad)
    count = max(1, -(-len(plaintext) // CHUNK))
    chunks = [
        aead.encrypt(
            PREFIX + struct.pack(">IB", index, int(index == count - 1)),
            plaintext[index * CHUNK : (index + 1) * CHUNK],
            aad,
        )
        for index in range(count)
    ]
    return aad + block + b"".join(chunks)


@pytest.mark.parametrize("size", SIZES)
def test_a_part_is_sealed_as_the_format_says_and_opens_whole_and_in_pieces(size: int) -> None:
    plaintext = plaintext_of(size)
    sealed = seal(plaintext)
    aad, _block, _chunks = split(sealed)

    assert sealed == by_the_format(plaintext, aad)
    whole = open_whole(sealed)
    assert whole.plaintext == plaintext
    assert whole.summary.plaintext_sha256 == hashlib.sha256(plaintext).digest()
    for piece in PIECES:
        assert open_fed(sealed, piece) == whole, piece


def test_small_chunks_open_fed_a_byte_at_a_time() -> None:
    plaintext = plaintext_of(10_000)
    sealed = seal(plaintext, chunk_size=1024)

    assert open_fed(sealed, 1).plaintext == plaintext
    assert open_whole(sealed).plaintext == plaintext


def resign(sealed: bytes, digest: bytes) -> bytes:
    """The part with its signature block over ``digest``, signed by the right device."""
    aad, _block, chunks = split(sealed)
    aead = AESGCM(part_key(CONTENT_KEY, CONTEXT.clip_id, "clip"))
    signature = DEVICE.sign(b"doorstep part signature v1\0" + aad + digest)
    nonce = PREFIX + struct.pack(">IB", 0xFFFFFFFF, 2)
    return aad + aead.encrypt(nonce, digest + signature, aad) + b"".join(chunks)


BIG = plaintext_of(3_000_000)  # 45 full chunks and a short one: chunks 0..45
BIG_SEALED = seal(BIG)
FULL_SEALED = seal(plaintext_of(3_145_728))  # 48 full chunks: 0..47


def altered(name: str) -> bytes:
    aad, block, chunks = split(BIG_SEALED)
    start = aad + block
    if name == "flipped byte in chunk 40":
        return start + b"".join(chunks[:40]) + flip(chunks[40], 99) + b"".join(chunks[41:])
    if name == "chunks 30 and 31 swapped":
        return start + b"".join([*chunks[:30], chunks[31], chunks[30], *chunks[32:]])
    if name == "chunk 20 dropped":
        return start + b"".join(chunks[:20] + chunks[21:])
    if name == "last chunk dropped":
        return start + b"".join(chunks[:45])
    if name == "cut after chunk 10":
        return start + b"".join(chunks[:11])
    if name == "cut inside the last chunk":
        return BIG_SEALED[:-7]
    if name == "a chunk after the short last one":
        return BIG_SEALED + chunks[3]
    if name == "a chunk after the full last one":
        return FULL_SEALED + chunks[3]
    if name == "signed digest of other plaintext":
        return resign(BIG_SEALED, hashlib.sha256(BIG[:-1]).digest())
    raise AssertionError(name)


# Each alteration and the reason the reader must give, as the format describes it.
ALTERATIONS = [
    ("flipped byte in chunk 40", "chunk 40 does not authenticate"),
    ("chunks 30 and 31 swapped", "chunk 30 does not authenticate"),
    ("chunk 20 dropped", "chunk 20 does not authenticate"),
    ("last chunk dropped", "truncated: the file ends after chunk 44, which is not the last"),
    ("cut after chunk 10", "truncated: the file ends after chunk 10, which is not the last"),
    ("cut inside the last chunk", "chunk 45 does not authenticate"),
    # The short last chunk and the next bytes read as one chunk, which fails its tag.
    ("a chunk after the short last one", "chunk 45 does not authenticate"),
    ("a chunk after the full last one", r"trailing data: bytes follow the last chunk \(47\)"),
    ("signed digest of other plaintext", "differs from the digest the device signed"),
]


@pytest.mark.parametrize(("name", "reason"), ALTERATIONS, ids=[name for name, _ in ALTERATIONS])
def test_an_altered_part_of_many_chunks_is_refused_with_its_reason(name: str, reason: str) -> None:
    sealed = altered(name)

    with pytest.raises(CryptoError, match=reason):
        open_whole(sealed)
    for piece in PIECES:
        with pytest.raises(CryptoError, match=reason):
            open_fed(sealed, piece)


def test_a_part_resigned_over_its_own_digest_still_opens() -> None:
    # The control for the case above: resigning alone changes nothing.
    assert open_whole(resign(BIG_SEALED, hashlib.sha256(BIG).digest())).plaintext == BIG


def test_an_opener_refuses_bytes_after_it_finished() -> None:
    opener = PartOpener(
        content_key=CONTENT_KEY,
        clip_id=CONTEXT.clip_id,
        part="clip",
        device_public=DEVICE.public_key(),
    )
    opener.feed(BIG_SEALED)
    opener.finish()

    with pytest.raises(CryptoError, match="already finished"):
        opener.feed(b"more")
    with pytest.raises(CryptoError, match="already finished"):
        opener.finish()
