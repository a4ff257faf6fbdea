"""A clip's attestation, sealed for whoever holds its content key (``docs/crypto-format.md``).

When a resident shares a clip, their client opens every part and records what it saw:
each part's plaintext SHA-256 and device signature, and the id of the device key that
signed. That record travels to the agency sealed with AES-256-GCM under a key derived
from the clip's content key, so the hub, which never holds the content key, stores it
without learning anything about the plaintext:

    key    = HKDF-SHA256(content_key, salt="", info="doorstep attestation v1\\0" + clip_id bytes)
    sealed = nonce (12 random bytes) || AES-256-GCM(key, nonce, canonical JSON, no AAD)
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from doorstep.audit.entries import canonical_json
from doorstep.crypto.format import (
    ATTESTATION_NONCE_BYTES,
    DIGEST_BYTES,
    MAX_SEALED_ATTESTATION_BYTES,
    PART_SETS,
    SIGNATURE_BYTES,
    TAG_BYTES,
    b64decode,
    b64encode,
    hkdf,
    one_key_parts,
)
from doorstep.errors import CryptoError

ATTESTATION_INFO = b"doorstep attestation v1\0"
_HEX = re.compile(r"[0-9a-f]+")


@dataclass(frozen=True)
class PartAttestation:
    plaintext_sha256: bytes
    device_signature: bytes


@dataclass(frozen=True)
class Attestation:
    """What the sharing resident's client saw opening each part of one clip."""

    device_key_id: str
    parts: Mapping[str, PartAttestation]

    def body(self) -> bytes:
        return canonical_json(
            {
                "device_key_id": self.device_key_id,
                "parts": {
                    name: {
                        "device_signature": b64encode(seen.device_signature),
                        "plaintext_sha256": seen.plaintext_sha256.hex(),
                    }
                    for name, seen in self.parts.items()
                },
            }
        )


def attestation_key(content_key: bytes, clip_id: uuid.UUID) -> bytes:
    if len(content_key) != 32:
        raise CryptoError(f"a content key must be 32 bytes, got {len(content_key)}")
    return hkdf(content_key, salt=b"", info=ATTESTATION_INFO + clip_id.bytes)


def seal_attestation(
    attestation: Attestation,
    *,
    content_key: bytes,
    clip_id: uuid.UUID,
    nonce: bytes | None = None,
) -> bytes:
    """The sealed attestation; ``nonce`` is random unless given (test vectors only)."""
    body = attestation.body()
    _parse(body)  # never seal what the other side would refuse
    nonce = nonce if nonce is not None else os.urandom(ATTESTATION_NONCE_BYTES)
    if len(nonce) != ATTESTATION_NONCE_BYTES:
        raise CryptoError(f"an attestation nonce is {ATTESTATION_NONCE_BYTES} bytes")
    key = attestation_key(content_key, clip_id)
    return nonce + AESGCM(key).encrypt(nonce, body, None)


def open_attestation(sealed: bytes, *, content_key: bytes, clip_id: uuid.UUID) -> Attestation:
    """Decrypt and strictly parse a sealed attestation; CryptoError says what is wrong."""
    if not ATTESTATION_NONCE_BYTES + TAG_BYTES <= len(sealed) <= MAX_SEALED_ATTESTATION_BYTES:
        raise CryptoError(
            f"the sealed attestation is {len(sealed)} bytes, outside "
            f"{ATTESTATION_NONCE_BYTES + TAG_BYTES}..{MAX_SEALED_ATTESTATION_BYTES}"
        )
    nonce, ciphertext = sealed[:ATTESTATION_NONCE_BYTES], sealed[ATTESTATION_NONCE_BYTES:]
    try:
        body = AESGCM(attestation_key(content_key, clip_id)).decrypt(nonce, ciphertext, None)
    except InvalidTag as exc:
        raise CryptoError(
            f"the sealed attestation does not open with clip {clip_id}'s content key: "
            "altered, or sealed for another clip"
        ) from exc
    return _parse(body)


def _parse(body: bytes) -> Attestation:
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CryptoError("the attestation is not UTF-8 JSON") from exc
    if not isinstance(value, dict) or set(value) != {"device_key_id", "parts"}:
        raise CryptoError("the attestation must hold exactly device_key_id and parts")
    device_key_id = value["device_key_id"]
    if not _is_hex(device_key_id, 32):
        raise CryptoError("the attestation's device_key_id is not a key id (32 hex digits)")
    raw_parts = value["parts"]
    if not isinstance(raw_parts, dict) or not one_key_parts(raw_parts):
        raise CryptoError(f"the attestation's parts must be {PART_SETS}")
    parts = {name: _part(name, seen) for name, seen in raw_parts.items()}
    attestation = Attestation(device_key_id=device_key_id, parts=parts)
    if attestation.body() != body:
        raise CryptoError("the attestation is not in canonical JSON")
    return attestation


def _part(name: str, seen: Any) -> PartAttestation:
    if not isinstance(seen, dict) or set(seen) != {"plaintext_sha256", "device_signature"}:
        raise CryptoError(
            f"the attestation of part {name} must hold exactly plaintext_sha256 and "
            "device_signature"
        )
    digest, signature = seen["plaintext_sha256"], seen["device_signature"]
    if not _is_hex(digest, 2 * DIGEST_BYTES):
        raise CryptoError(f"the attestation of part {name}: plaintext_sha256 is not SHA-256 hex")
    what = f"the attestation of part {name}: device_signature"
    raw = b64decode(signature, what) if isinstance(signature, str) else b""
    if len(raw) != SIGNATURE_BYTES:
        raise CryptoError(
            f"the attestation of part {name}: device_signature is not {SIGNATURE_BYTES} bytes"
        )
    return PartAttestation(plaintext_sha256=bytes.fromhex(digest), device_signature=raw)


def _is_hex(value: Any, length: int) -> bool:
    return isinstance(value, str) and len(value) == length and bool(_HEX.fullmatch(value))
