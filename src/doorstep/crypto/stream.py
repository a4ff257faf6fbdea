"""Seal a part: chunked AES-256-GCM (STREAM) plus the device signature. Used by the edge."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from doorstep.crypto.format import (
    DEFAULT_CHUNK_SIZE,
    FLAG_CHUNK,
    FLAG_LAST,
    FLAG_SIGNATURE,
    NONCE_PREFIX_BYTES,
    SIGNATURE_BLOCK_BYTES,
    SIGNATURE_COUNTER,
    TAG_BYTES,
    PartHeader,
    nonce,
    part_key,
)
from doorstep.crypto.keys import key_id
from doorstep.crypto.pipeline import hashing
from doorstep.crypto.signing import sign_part


@dataclass(frozen=True)
class PartContext:
    """What a sealed part binds in its header: the clip, camera, part and capture times."""

    clip_id: uuid.UUID
    camera_id: uuid.UUID
    part: str
    started_at: datetime
    ended_at: datetime


def new_content_key() -> bytes:
    return os.urandom(32)


def seal_part(
    plaintext: bytes,
    *,
    content_key: bytes,
    context: PartContext,
    device_key: Ed25519PrivateKey,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    nonce_prefix: bytes | None = None,
) -> bytes:
    """Encrypt and sign one part; the result is what is stored and uploaded."""
    header = PartHeader(
        clip_id=context.clip_id,
        camera_id=context.camera_id,
        part=context.part,
        started_at=context.started_at,
        ended_at=context.ended_at,
        chunk_size=chunk_size,
        nonce_prefix=nonce_prefix or os.urandom(NONCE_PREFIX_BYTES),
        device_key_id=key_id(device_key.public_key()),
    )
    return seal_under(
        header.aad(),
        plaintext,
        key=part_key(content_key, context.clip_id, context.part),
        device_key=device_key,
        chunk_size=chunk_size,
        prefix=header.nonce_prefix,
    )


def seal_under(
    aad: bytes,
    plaintext: bytes,
    *,
    key: bytes,
    device_key: Ed25519PrivateKey,
    chunk_size: int,
    prefix: bytes,
) -> bytes:
    """Seal ``plaintext`` behind the preamble and header ``aad`` as written (no checks).

    :func:`seal_part` writes the header; test vectors give headers readers must refuse.
    """
    aead = AESGCM(key)
    count = max(1, -(-len(plaintext) // chunk_size))
    # Each chunk is encrypted into one small buffer and appended to ``out``, whose
    # getvalue() hands over its own bytes: one allocation of the part's size, where a
    # bytearray and bytes(out) took two (and fresh pages cost more than AES-GCM here).
    out = io.BytesIO()
    out.write(aad)
    out.write(bytes(SIGNATURE_BLOCK_BYTES))  # filled in once the digest is known
    view, scratch = memoryview(plaintext), memoryview(bytearray(chunk_size + TAG_BYTES))
    sha256 = hashlib.sha256()
    with hashing(sha256, len(plaintext)) as update:
        update(memoryview(plaintext))  # a view of its own: the worker releases it
        for index in range(count):
            flag = FLAG_LAST if index == count - 1 else FLAG_CHUNK
            chunk = view[index * chunk_size : (index + 1) * chunk_size]
            slot = scratch[: len(chunk) + TAG_BYTES]
            aead.encrypt_into(nonce(prefix, index, flag), chunk, aad, slot)
            out.write(slot)
    signed = sha256.digest()
    signature = sign_part(device_key, aad=aad, digest=signed)
    block = nonce(prefix, SIGNATURE_COUNTER, FLAG_SIGNATURE)
    out.seek(len(aad))
    out.write(aead.encrypt(block, signed + signature, aad))
    return out.getvalue()
