"""Test vectors for ``docs/crypto-format.md``: ``python -m doorstep.crypto.vectors > FILE``.

Every input is derived from a fixed label, so the output is the same on every run;
the test suite checks that ``docs/crypto-vectors.json`` regenerates byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import sys
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from doorstep.audit.entries import canonical_json, key_label
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
from doorstep.crypto.keylist import (
    SIGNATURE_CONTEXT,
    KeyList,
    ListedDevice,
    ListedHomeKey,
    Member,
    SignedKeyList,
    next_list,
    sign_list,
    verify_list,
    with_home_key,
    with_member,
)
from doorstep.crypto.keys import (
    X25519_LOW_ORDER,
    X25519_P,
    ed25519_private,
    key_id,
    private_raw,
    public_raw,
    x25519_private,
)
from doorstep.crypto.pairing import device_tag, format_code, owner_tag
from doorstep.crypto.passphrase import seal_private_key
from doorstep.crypto.safety import format_safety_number, party_code, safety_number
from doorstep.crypto.signing_keys import binding_signature, signing_key_of
from doorstep.crypto.stream import PartContext, seal_part
from doorstep.errors import CryptoError

CLIP_ID = uuid.UUID("6f1c2b0e-2d4a-4c57-9a55-0c8e2f3b7d10")
HOME_ID = uuid.UUID("3d9a7c61-5b2e-4f08-a1c4-7e6d5f4b3a29")
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


def _x25519_public(label: str) -> bytes:
    return public_raw(x25519_private(fixed(label)).public_key())


def _signing_keys() -> list[dict[str, Any]]:
    """Signing keys derived from X25519 keys, and their binding signatures."""
    cases = []
    for name in ("resident one", "resident two"):
        private = x25519_private(fixed(f"{name} x25519"))
        signing = signing_key_of(private)
        cases.append(
            {
                "name": name,
                "x25519_private": b64encode(private_raw(private)),
                "x25519_public": b64encode(public_raw(private.public_key())),
                "signing_private": b64encode(private_raw(signing)),
                "signing_public": b64encode(public_raw(signing.public_key())),
                "binding_signature": b64encode(binding_signature(private)),
            }
        )
    return cases


def _resident(name: str, number: int, *, owner: bool) -> tuple[Member, Ed25519PrivateKey]:
    private = x25519_private(fixed(f"{name} x25519"))
    signing = signing_key_of(private)
    public = public_raw(private.public_key())
    user_id = uuid.UUID(f"5a1e0000-0000-4000-8000-{number:012d}")
    return Member(user_id, owner, key_id(public), public, public_raw(signing.public_key())), signing


def _signed_body(body: bytes, signing: Ed25519PrivateKey, version: int) -> SignedKeyList:
    signature = signing.sign(SIGNATURE_CONTEXT + body)
    return SignedKeyList(version, body, public_raw(signing.public_key()), signature)


def _key_list_chain() -> tuple[list[KeyList], Ed25519PrivateKey, Ed25519PrivateKey]:
    """Version 1: one owner, a home key, a device; 2: a new home key; 3: a second owner."""
    alice, alice_signing = _resident("resident one", 1, owner=True)
    bob, bob_signing = _resident("resident two", 2, owner=True)
    home_keys = [
        public_raw(x25519_private(fixed(f"listed home key {n}")).public_key()) for n in (1, 2)
    ]
    device_key = public_raw(ed25519_private(fixed("device key")).public_key())
    first = next_list(
        None,
        home_id=HOME_ID,
        members=[alice],
        home_keys=[ListedHomeKey(key_id(home_keys[0]), home_keys[0], 1, retired=False)],
        devices=[ListedDevice(CAMERA_ID, key_id(device_key), device_key, revoked=False)],
    )
    second = with_home_key(first, home_keys[1])
    return [first, second, with_member(second, bob)], alice_signing, bob_signing


def _invalid_key_lists(
    chain: list[KeyList], alice: Ed25519PrivateKey, bob: Ed25519PrivateKey
) -> list[tuple[str, KeyList, SignedKeyList]]:
    """(name, the version it must follow, a list that breaks one rule)."""
    first, second, third = chain

    def edited(edit: Callable[[dict[str, Any]], object]) -> SignedKeyList:
        body = json.loads(third.body())
        edit(body)
        return _signed_body(canonical_json(body), alice, 3)

    good = sign_list(third, alice)
    low_order = bytes(32)
    spaced = json.dumps(json.loads(third.body()), sort_keys=True).encode()
    return [
        ("wrong signature", second, replace(good, signature=bytes(64))),
        ("signer not an owner in the previous version", second, sign_list(third, bob)),
        ("version replay", second, sign_list(second, alice)),
        ("version gap", first, good),
        ("wrong previous digest", second, edited(lambda b: b.update(previous=first.digest()))),
        ("home key dropped", second, edited(lambda b: b["home_keys"].pop(0))),
        ("device dropped", second, edited(lambda b: b["devices"].clear())),
        (
            "current key rolled back",
            second,
            edited(lambda b: [k.update(retired=k["version"] == 2) for k in b["home_keys"]]),
        ),
        ("two current keys", second, edited(lambda b: b["home_keys"][0].update(retired=False))),
        (
            "key id not matching its key",
            second,
            edited(lambda b: b["members"][0].update(key_id="0" * 32)),
        ),
        (
            "low-order member key",
            second,
            edited(
                lambda b: b["members"][0].update(
                    public_key=b64encode(low_order), key_id=key_id(low_order)
                )
            ),
        ),
        ("unknown field", second, edited(lambda b: b.update(comment="x"))),
        ("non-canonical body", second, _signed_body(spaced, alice, 3)),
        ("another home", second, edited(lambda b: b.update(home_id=str(CLIP_ID)))),
    ]


def _key_lists() -> dict[str, Any]:
    """A valid chain of three versions, and lists each refused with Python's error."""
    chain, alice, bob = _key_list_chain()
    invalid = []
    for name, previous, signed in _invalid_key_lists(chain, alice, bob):
        try:
            verify_list(signed, home_id=HOME_ID, previous=previous)
        except CryptoError as exc:
            invalid.append(
                {
                    "name": name,
                    "previous_version": previous.version,
                    "signed": signed.to_json(),
                    "error": exc.detail,
                }
            )
        else:
            raise AssertionError(f"the invalid key list {name!r} verifies")
    return {
        "home_id": str(HOME_ID),
        "trusted_owners": [b64encode(public_raw(alice.public_key()))],
        "valid": [
            {
                "signed": sign_list(key_list, alice).to_json(),
                "body": key_list.body().decode("utf-8"),
                "digest": key_list.digest(),
                "current_home_key_id": key_list.current_home_key().id,
                "owners": [b64encode(m.signing_key) for m in key_list.owners()],
            }
            for key_list in chain
        ],
        "invalid": invalid,
    }


def _invalid_x25519_publics() -> list[dict[str, Any]]:
    """Public keys every implementation refuses; hex of the 32 (or 31) bytes."""
    valid = _x25519_public("resident one x25519")
    low_order = sorted(X25519_LOW_ORDER)
    cases = [(f"low order u = {u}", u.to_bytes(32, "little"), "low order") for u in low_order]
    cases += [
        ("u = p", X25519_P.to_bytes(32, "little"), "not below"),
        ("u = p + 1", (X25519_P + 1).to_bytes(32, "little"), "not below"),
        ("top bit set", valid[:31] + bytes([valid[31] | 0x80]), "top bit"),
        ("31 bytes", valid[:31], "32 bytes"),
    ]
    return [
        {"name": name, "public_key": raw.hex(), "reason": reason} for name, raw, reason in cases
    ]


def _pairing_tags() -> list[dict[str, Any]]:
    secret = "7K3M9QW2XR5T"
    hub_part = "4DPY8ZC1VA"
    owner_key = public_raw(
        signing_key_of(x25519_private(fixed("resident one x25519"))).public_key()
    )
    device_key = public_raw(ed25519_private(fixed("device key")).public_key())
    return [
        {
            "code": format_code(hub_part + secret),
            "hub_part": hub_part,
            "secret": secret,
            "home_id": str(HOME_ID),
            "owner_signing_key": b64encode(owner_key),
            "owner_tag": b64encode(owner_tag(secret, HOME_ID, owner_key)),
            "device_public_key": b64encode(device_key),
            "device_tag": b64encode(device_tag(secret, HOME_ID, device_key)),
        }
    ]


def _safety_numbers() -> list[dict[str, Any]]:
    parties = []
    for name in ("resident one", "resident two"):
        private = x25519_private(fixed(f"{name} x25519"))
        parties.append(
            (public_raw(signing_key_of(private).public_key()), public_raw(private.public_key()))
        )
    (a_sign, a_x25519), (b_sign, b_x25519) = parties
    number = safety_number(a_sign, a_x25519, b_sign, b_x25519)
    return [
        {
            "a_signing_key": b64encode(a_sign),
            "a_x25519_key": b64encode(a_x25519),
            "b_signing_key": b64encode(b_sign),
            "b_x25519_key": b64encode(b_x25519),
            "a_code": party_code(a_sign, a_x25519),
            "b_code": party_code(b_sign, b_x25519),
            "safety_number": number,
            "formatted": format_safety_number(number),
        }
    ]


def _key_labels() -> list[dict[str, Any]]:
    values = [("user", "5a1e0000-0000-4000-8000-000000000001"), ("home", str(HOME_ID))]
    values.append(("device", str(CAMERA_ID)))
    return [
        {"kind": kind, "value": value, "label": key_label(kind, value)} for kind, value in values
    ]


def vectors() -> dict[str, Any]:
    from doorstep.crypto.header_cases import invalid_headers
    from doorstep.crypto.tampering import invalid_cases

    sealed = sealed_cases()
    return {
        "format": "doorstep clip encryption v1 (docs/crypto-format.md)",
        "part_keys": _part_keys(),
        "wrapped_keys": _wrapped_keys(),
        "sealed_parts": sealed,
        "passphrase_boxes": _boxes(),
        "attestations": _attestations(),
        "signing_keys": _signing_keys(),
        "key_lists": _key_lists(),
        "x25519_public_invalid": _invalid_x25519_publics(),
        "pairing_tags": _pairing_tags(),
        "safety_numbers": _safety_numbers(),
        "key_labels": _key_labels(),
        "invalid": invalid_cases(sealed[3], _wrapped_keys()[0]),
        "invalid_headers": invalid_headers(sealed[1], _wrapped_keys()[0]),
    }


def main() -> None:
    sys.stdout.write(json.dumps(vectors(), indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
