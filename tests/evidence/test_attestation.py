"""A clip's sealed attestation: the vector, read by hand from the spec, and every refusal."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from doorstep.crypto.attestation import (
    Attestation,
    PartAttestation,
    open_attestation,
    seal_attestation,
)
from doorstep.errors import CryptoError
from tests.crypto.vectors import b64, load_vectors

[VECTOR] = load_vectors()["attestations"]
CLIP_ID = uuid.UUID(VECTOR["clip_id"])
CONTENT_KEY = b64(VECTOR["content_key"])


def spec_key(content_key: bytes, clip_id: uuid.UUID) -> bytes:
    """The key as docs/crypto-format.md states it, computed without the code under test."""
    info = b"doorstep attestation v1\x00" + clip_id.bytes
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(content_key)


def seal_raw(body: bytes, *, clip_id: uuid.UUID = CLIP_ID) -> bytes:
    nonce = bytes(12)
    return nonce + AESGCM(spec_key(CONTENT_KEY, clip_id)).encrypt(nonce, body, None)


def test_the_vector_is_aes_gcm_under_the_spec_key_with_the_nonce_in_front() -> None:
    sealed = b64(VECTOR["sealed"])
    assert spec_key(CONTENT_KEY, CLIP_ID) == b64(VECTOR["key"])
    assert sealed[:12] == b64(VECTOR["nonce"])
    body = AESGCM(b64(VECTOR["key"])).decrypt(sealed[:12], sealed[12:], None)
    assert body == VECTOR["attestation"].encode()
    opened = open_attestation(sealed, content_key=CONTENT_KEY, clip_id=CLIP_ID)
    expected = json.loads(VECTOR["attestation"])
    assert opened.device_key_id == expected["device_key_id"]
    assert sorted(opened.parts) == ["clip", "details", "snapshot"]
    for name, seen in opened.parts.items():
        assert seen.plaintext_sha256.hex() == expected["parts"][name]["plaintext_sha256"]
        assert seen.device_signature == b64(expected["parts"][name]["device_signature"])


def test_sealing_is_fresh_each_time_and_opens_back() -> None:
    attestation = Attestation(
        device_key_id="ab" * 16,
        parts={"clip": PartAttestation(plaintext_sha256=b"\x01" * 32, device_signature=b"s" * 64)},
    )
    first = seal_attestation(attestation, content_key=CONTENT_KEY, clip_id=CLIP_ID)
    second = seal_attestation(attestation, content_key=CONTENT_KEY, clip_id=CLIP_ID)
    assert first[:12] != second[:12]
    assert open_attestation(first, content_key=CONTENT_KEY, clip_id=CLIP_ID) == attestation


GOOD: dict[str, Any] = json.loads(VECTOR["attestation"])
REFUSED_BODIES: dict[str, tuple[bytes, str]] = {
    "not JSON": (b"{", "not UTF-8 JSON"),
    "an extra field": (
        json.dumps({**GOOD, "note": "x"}, sort_keys=True, separators=(",", ":")).encode(),
        "exactly device_key_id and parts",
    ),
    "a short key id": (
        json.dumps({**GOOD, "device_key_id": "ab"}, sort_keys=True, separators=(",", ":")).encode(),
        "device_key_id is not a key id",
    ),
    "an unknown part": (
        json.dumps(
            {**GOOD, "parts": {"audio": GOOD["parts"]["clip"]}},
            sort_keys=True,
            separators=(",", ":"),
        ).encode(),
        "parts must be some of",
    ),
    "a short signature": (
        json.dumps(
            {
                **GOOD,
                "parts": {"clip": {**GOOD["parts"]["clip"], "device_signature": "AAAA"}},
            },
            sort_keys=True,
            separators=(",", ":"),
        ).encode(),
        "device_signature is not 64 bytes",
    ),
    "an upper-case digest": (
        VECTOR["attestation"]
        .replace(
            GOOD["parts"]["clip"]["plaintext_sha256"],
            GOOD["parts"]["clip"]["plaintext_sha256"].upper(),
        )
        .encode(),
        "plaintext_sha256 is not SHA-256 hex",
    ),
    "spaces (not canonical)": (json.dumps(GOOD, sort_keys=True).encode(), "not in canonical"),
}


@pytest.mark.parametrize("case", sorted(REFUSED_BODIES))
def test_a_malformed_attestation_is_refused_naming_what(case: str) -> None:
    body, words = REFUSED_BODIES[case]
    with pytest.raises(CryptoError, match=words):
        open_attestation(seal_raw(body), content_key=CONTENT_KEY, clip_id=CLIP_ID)


def test_an_altered_or_misdirected_attestation_does_not_open() -> None:
    sealed = b64(VECTOR["sealed"])
    flipped = sealed[:40] + bytes([sealed[40] ^ 1]) + sealed[41:]
    cases = {
        "a flipped byte": (flipped, CONTENT_KEY, CLIP_ID),
        "another clip": (sealed, CONTENT_KEY, uuid.uuid4()),
        "another content key": (sealed, bytes(32), CLIP_ID),
    }
    for data, content_key, clip_id in cases.values():
        with pytest.raises(CryptoError, match="does not open"):
            open_attestation(data, content_key=content_key, clip_id=clip_id)
    for size in (27, 4097):
        with pytest.raises(CryptoError, match=f"is {size} bytes, outside 28..4096"):
            open_attestation(bytes(size), content_key=CONTENT_KEY, clip_id=CLIP_ID)
