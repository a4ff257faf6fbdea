"""Altered parts and keys that every reader must refuse: the ``invalid`` test vectors."""

from __future__ import annotations

import uuid
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from doorstep.crypto.format import (
    FLAG_SIGNATURE,
    SIGNATURE_COUNTER,
    TAG_BYTES,
    b64decode,
    b64encode,
    nonce,
    parse_header,
    part_key,
)
from doorstep.crypto.keys import private_raw, x25519_private

# SHA-256 digest bytes inside the signature block, then the 64-byte signature.
_DIGEST = 32


def split(sealed: bytes) -> tuple[bytes, bytes, list[bytes]]:
    """(preamble and header, signature block, chunks) of a well-formed sealed part."""
    parsed = parse_header(sealed)
    step = parsed.header.chunk_size + TAG_BYTES
    body = sealed[parsed.body_offset :]
    chunks = [body[i : i + step] for i in range(0, len(body), step)]
    return parsed.aad, sealed[len(parsed.aad) : parsed.body_offset], chunks


def flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def forge_signature(sealed: bytes, content_key: bytes) -> bytes:
    """The same part with its (encrypted) device signature altered by one bit."""
    aad, block, chunks = split(sealed)
    header = parse_header(sealed).header
    aead = AESGCM(part_key(content_key, header.clip_id, header.part))
    block_nonce = nonce(header.nonce_prefix, SIGNATURE_COUNTER, FLAG_SIGNATURE)
    opened = aead.decrypt(block_nonce, block, aad)
    forged = aead.encrypt(block_nonce, flip(opened, _DIGEST + 5), aad)
    return aad + forged + b"".join(chunks)


def invalid_cases(ragged: dict[str, Any], wrapped: dict[str, Any]) -> list[dict[str, Any]]:
    """Refusals built from the 3-chunk ``short last chunk`` part and the first wrapped key."""
    sealed = b64decode(ragged["sealed"], "sealed")
    aad, block, chunks = split(sealed)
    content_key = b64decode(ragged["content_key"], "content_key")
    edited_header = aad.replace(b"09:30:00Z", b"09:31:00Z", 1)

    def part(name: str, reason: str, data: bytes) -> dict[str, Any]:
        return {
            "name": name,
            "kind": "sealed_part",
            "case": ragged["name"],
            "reason": reason,
            "sealed": b64encode(data),
        }

    other = x25519_private(bytes(range(32)))
    return [
        part(
            "flipped byte",
            "chunk 1 does not authenticate",
            aad + block + chunks[0] + flip(chunks[1], 100) + chunks[2],
        ),
        part("truncated", "the last chunk is missing", aad + block + chunks[0] + chunks[1]),
        part("cut inside a chunk", "the last chunk is cut short", sealed[:-7]),
        part(
            "chunks swapped",
            "chunk 0 does not authenticate",
            aad + block + chunks[1] + chunks[0] + chunks[2],
        ),
        part("chunk dropped", "chunk 1 does not authenticate", aad + block + chunks[0] + chunks[2]),
        part(
            "header edited",
            "the signature block does not authenticate",
            edited_header + block + b"".join(chunks),
        ),
        part(
            "bad device signature",
            "the device signature does not verify",
            forge_signature(sealed, content_key),
        ),
        part("trailing data", "bytes follow the last chunk", sealed + chunks[2][:20] * 60),
        part("not sealed", "wrong magic", b"\x00\x00\x00\x18ftypmp42" + bytes(200)),
        {
            "name": "wrong recipient",
            "kind": "wrapped_key",
            "reason": "the wrapped key is for another recipient",
            "wrapped_key": wrapped["wrapped_key"],
            "recipient_private": b64encode(private_raw(other)),
            "subject": wrapped["subject"],
        },
        {
            "name": "other subject",
            "kind": "wrapped_key",
            "reason": "the wrapped key is for another clip",
            "wrapped_key": wrapped["wrapped_key"],
            "recipient_private": wrapped["recipient_private"],
            "subject": str(uuid.UUID(int=1)),
        },
    ]
