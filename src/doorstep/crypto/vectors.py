"""Test vectors for ``docs/crypto-format.md``: ``python -m doorstep.crypto.vectors > FILE``.

Every input is derived from a fixed label, so the output is the same on every run;
the test suite checks that ``docs/crypto-vectors.json`` regenerates byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from doorstep.crypto.attestation import (
    Attestation,
    PartAttestation,
    attestation_key,
    seal_attestation,
)
from doorstep.crypto.envelope import clip_subject, home_subject, wrap_key
from doorstep.crypto.format import (
    MIN_BOX_ITERATIONS,
    MIN_BOX_MEMORY_KIB,
    MIN_CHUNK_SIZE,
    BoxParameters,
    b64encode,
    part_key,
)
from doorstep.crypto.keys import (
    ed25519_private,
    key_id,
    private_raw,
    public_raw,
    x25519_private,
)
from doorstep.crypto.passphrase import seal_private_key
from doorstep.crypto.stream import PartContext, seal_part

CLIP_ID = uuid.UUID("6f1c2b0e-2d4a-4c57-9a55-0c8e2f3b7d10")
CAMERA_ID = uuid.UUID("0b7e9d4c-1f2a-4e3b-8c6d-5a4b3c2d1e0f")
STARTED_AT = datetime(2026, 11, 24, 9, 30, 0, tzinfo=UTC)
ENDED_AT = datetime(2026, 11, 24, 9, 30, 12, 500000, tzinfo=UTC)


def fixed(label: str, size: int = 32) -> bytes:
    """Deterministic bytes for a named input."""
    out = b""
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"doorstep vectors {label} {counter}".encode()).digest()
        counter += 1
    return out[:size]


def _part_keys() -> list[dict[str, Any]]:
    content_key = fixed("content key")
    return [
        {
            "content_key": b64encode(content_key),
            "clip_id": str(CLIP_ID),
            "part": part,
            "part_key": b64encode(part_key(content_key, CLIP_ID, part)),
        }
        for part in ("clip", "snapshot", "details")
    ]


def _wrapped_keys() -> list[dict[str, Any]]:
    cases = []
    for name, subject in (
        ("clip key", clip_subject(CLIP_ID)),
        ("home key", home_subject(key_id(fixed("home public id")))),
    ):
        recipient = x25519_private(fixed(f"{name} recipient"))
        ephemeral = x25519_private(fixed(f"{name} ephemeral"))
        secret = fixed(f"{name} secret")
        wrapped = wrap_key(
            secret, recipient=recipient.public_key(), subject=subject, ephemeral=ephemeral
        )
        cases.append(
            {
                "name": name,
                "secret": b64encode(secret),
                "recipient_private": b64encode(private_raw(recipient)),
                "recipient_public": b64encode(public_raw(recipient.public_key())),
                "recipient_key_id": key_id(recipient.public_key()),
                "ephemeral_private": b64encode(private_raw(ephemeral)),
                "subject": subject,
                "wrapped_key": b64encode(wrapped),
            }
        )
    return cases


def _plaintexts() -> list[tuple[str, bytes, int]]:
    chunk = MIN_CHUNK_SIZE
    return [
        ("empty", b"", chunk),
        ("short", b'{"label":"person","score":0.91}', chunk),
        ("exact chunks", fixed("exact", 3 * chunk), chunk),
        ("short last chunk", fixed("ragged", 2 * chunk + 100), chunk),
    ]


def sealed_cases() -> list[dict[str, Any]]:
    device = ed25519_private(fixed("device key"))
    content_key = fixed("content key")
    cases = []
    for index, (name, plaintext, chunk_size) in enumerate(_plaintexts()):
        part = ("details", "details", "clip", "snapshot")[index]
        context = PartContext(CLIP_ID, CAMERA_ID, part, STARTED_AT, ENDED_AT)
        prefix = fixed(f"{name} nonce prefix", 7)
        sealed = seal_part(
            plaintext,
            content_key=content_key,
            context=context,
            device_key=device,
            chunk_size=chunk_size,
            nonce_prefix=prefix,
        )
        cases.append(
            {
                "name": name,
                "content_key": b64encode(content_key),
                "device_private": b64encode(private_raw(device)),
                "device_public": b64encode(public_raw(device.public_key())),
                "clip_id": str(CLIP_ID),
                "camera_id": str(CAMERA_ID),
                "part": part,
                "started_at": "2026-11-24T09:30:00Z",
                "ended_at": "2026-11-24T09:30:12.500000Z",
                "chunk_size": chunk_size,
                "nonce_prefix": b64encode(prefix),
                "plaintext": b64encode(plaintext),
                "plaintext_sha256": hashlib.sha256(plaintext).hexdigest(),
                "sealed": b64encode(sealed),
            }
        )
    return cases


def _boxes() -> list[dict[str, Any]]:
    private = x25519_private(fixed("box private key"))
    parameters = BoxParameters(
        memory_kib=MIN_BOX_MEMORY_KIB, iterations=MIN_BOX_ITERATIONS, lanes=1
    )
    salt, box_nonce = fixed("box salt", 16), fixed("box nonce", 12)
    passphrase = "correct horse battery staple – ünïcode"
    box = seal_private_key(
        private, passphrase, parameters=parameters, salt=salt, box_nonce=box_nonce
    )
    return [
        {
            "passphrase": passphrase,
            "memory_kib": parameters.memory_kib,
            "iterations": parameters.iterations,
            "lanes": parameters.lanes,
            "salt": b64encode(salt),
            "nonce": b64encode(box_nonce),
            "private_key": b64encode(private_raw(private)),
            "key_id": key_id(private.public_key()),
            "box": b64encode(box),
        }
    ]


def _attestations() -> list[dict[str, Any]]:
    """A clip's attestation sealed under its content key (crypto/attestation.py)."""
    content_key = fixed("content key")
    attestation = Attestation(
        device_key_id=key_id(ed25519_private(fixed("device key")).public_key()),
        parts={
            part: PartAttestation(
                plaintext_sha256=fixed(f"attested {part} digest"),
                device_signature=fixed(f"attested {part} signature", 64),
            )
            for part in ("clip", "snapshot", "details")
        },
    )
    nonce = fixed("attestation nonce", 12)
    sealed = seal_attestation(attestation, content_key=content_key, clip_id=CLIP_ID, nonce=nonce)
    return [
        {
            "content_key": b64encode(content_key),
            "clip_id": str(CLIP_ID),
            "key": b64encode(attestation_key(content_key, CLIP_ID)),
            "nonce": b64encode(nonce),
            "attestation": attestation.body().decode("utf-8"),
            "sealed": b64encode(sealed),
        }
    ]


def vectors() -> dict[str, Any]:
    from doorstep.crypto.tampering import invalid_cases

    sealed = sealed_cases()
    return {
        "format": "doorstep clip encryption v1 (docs/crypto-format.md)",
        "part_keys": _part_keys(),
        "wrapped_keys": _wrapped_keys(),
        "sealed_parts": sealed,
        "passphrase_boxes": _boxes(),
        "attestations": _attestations(),
        "invalid": invalid_cases(sealed[3], _wrapped_keys()[0]),
    }


def main() -> None:
    sys.stdout.write(json.dumps(vectors(), indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
