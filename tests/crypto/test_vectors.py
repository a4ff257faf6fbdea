"""The Python implementation against ``docs/crypto-vectors.json``."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from typing import Any

import pytest

from doorstep.audit.entries import key_label
from doorstep.crypto.decrypt import open_part
from doorstep.crypto.format import BoxParameters, part_key
from doorstep.crypto.keylist import SignedKeyList, parse_list, verify_list
from doorstep.crypto.keys import (
    check_x25519_public,
    ed25519_public,
    key_id,
    private_raw,
    public_raw,
    x25519_private,
)
from doorstep.crypto.pairing import device_tag, owner_tag, split_code
from doorstep.crypto.passphrase import open_private_key, seal_private_key
from doorstep.crypto.safety import format_safety_number, safety_number
from doorstep.crypto.signing_keys import signing_key_of, verify_binding
from doorstep.crypto.unwrap import unwrap_key
from doorstep.errors import CryptoError
from tests.crypto.vectors import VECTORS_PATH, b64, load_vectors

VECTORS = load_vectors()
BY_NAME = {case["name"]: case for case in VECTORS["sealed_parts"]}


def test_vectors_regenerate_byte_for_byte() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "doorstep.crypto.vectors"],
        capture_output=True,
        check=True,
        text=True,
    )
    assert json.loads(result.stdout) == json.loads(VECTORS_PATH.read_text())


@pytest.mark.parametrize("case", VECTORS["part_keys"], ids=lambda c: c["part"])
def test_part_keys(case: dict[str, Any]) -> None:
    derived = part_key(b64(case["content_key"]), uuid.UUID(case["clip_id"]), case["part"])
    assert derived == b64(case["part_key"])


@pytest.mark.parametrize("case", VECTORS["wrapped_keys"], ids=lambda c: c["name"])
def test_wrapped_keys_open(case: dict[str, Any]) -> None:
    recipient = x25519_private(b64(case["recipient_private"]))
    assert key_id(recipient.public_key()) == case["recipient_key_id"]
    secret = unwrap_key(b64(case["wrapped_key"]), recipient=recipient, subject=case["subject"])
    assert secret == b64(case["secret"])


@pytest.mark.parametrize("case", VECTORS["sealed_parts"], ids=lambda c: c["name"])
def test_sealed_parts_open(case: dict[str, Any]) -> None:
    opened = open_part(
        b64(case["sealed"]),
        content_key=b64(case["content_key"]),
        clip_id=uuid.UUID(case["clip_id"]),
        part=case["part"],
        device_public=ed25519_public(b64(case["device_public"])),
    )
    assert opened.plaintext == b64(case["plaintext"])
    assert opened.summary.plaintext_sha256.hex() == case["plaintext_sha256"]
    assert str(opened.summary.header.camera_id) == case["camera_id"]


@pytest.mark.parametrize("case", VECTORS["passphrase_boxes"], ids=lambda c: c["key_id"])
def test_passphrase_boxes(case: dict[str, Any]) -> None:
    private = open_private_key(b64(case["box"]), case["passphrase"], expected_key_id=case["key_id"])
    resealed = seal_private_key(
        private,
        case["passphrase"],
        parameters=BoxParameters(case["memory_kib"], case["iterations"], case["lanes"]),
        salt=b64(case["salt"]),
        box_nonce=b64(case["nonce"]),
    )
    assert resealed == b64(case["box"])
    with pytest.raises(CryptoError, match="passphrase does not open"):
        open_private_key(b64(case["box"]), case["passphrase"] + "x", expected_key_id=case["key_id"])


def _open_invalid(case: dict[str, Any]) -> None:
    """Open an invalid vector as a reader would: unwrap its key, or open its sealed part."""
    if case["kind"] == "wrapped_key":
        unwrap_key(
            b64(case["wrapped_key"]),
            recipient=x25519_private(b64(case["recipient_private"])),
            subject=case["subject"],
        )
    else:
        valid = BY_NAME[case["case"]]
        open_part(
            b64(case["sealed"]),
            content_key=b64(valid["content_key"]),
            clip_id=uuid.UUID(valid["clip_id"]),
            part=valid["part"],
            device_public=ed25519_public(b64(valid["device_public"])),
        )


@pytest.mark.parametrize("case", VECTORS["invalid"], ids=lambda c: c["name"])
def test_invalid_vectors_are_refused(case: dict[str, Any]) -> None:
    with pytest.raises(CryptoError):
        _open_invalid(case)


@pytest.mark.parametrize("case", VECTORS["signing_keys"], ids=lambda c: c["name"])
def test_signing_keys(case: dict[str, Any]) -> None:
    signing = signing_key_of(x25519_private(b64(case["x25519_private"])))
    assert public_raw(signing.public_key()) == b64(case["signing_public"])
    assert private_raw(signing) == b64(case["signing_private"])
    verify_binding(
        b64(case["x25519_public"]), b64(case["signing_public"]), b64(case["binding_signature"])
    )


KEY_LISTS = VECTORS["key_lists"]


def test_the_key_list_chain_verifies() -> None:
    home_id = uuid.UUID(KEY_LISTS["home_id"])
    trusted = [b64(owner) for owner in KEY_LISTS["trusted_owners"]]
    previous = None
    for case in KEY_LISTS["valid"]:
        signed = SignedKeyList.from_json(case["signed"])
        assert signed.body == case["body"].encode()
        previous = verify_list(signed, home_id=home_id, previous=previous, trusted_owners=trusted)
        assert previous.digest() == case["digest"]
        assert previous.current_home_key().id == case["current_home_key_id"]
        assert [m.signing_key for m in previous.owners()] == [b64(o) for o in case["owners"]]


@pytest.mark.parametrize("case", KEY_LISTS["invalid"], ids=lambda c: c["name"])
def test_invalid_key_lists_are_refused(case: dict[str, Any]) -> None:
    previous = KEY_LISTS["valid"][case["previous_version"] - 1]
    pinned = parse_list(SignedKeyList.from_json(previous["signed"]))
    with pytest.raises(CryptoError) as refused:
        verify_list(
            SignedKeyList.from_json(case["signed"]),
            home_id=uuid.UUID(KEY_LISTS["home_id"]),
            previous=pinned,
        )
    assert refused.value.detail == case["error"]


@pytest.mark.parametrize("case", VECTORS["x25519_public_invalid"], ids=lambda c: c["name"])
def test_invalid_x25519_publics_are_refused(case: dict[str, Any]) -> None:
    with pytest.raises(CryptoError, match=case["reason"]):
        check_x25519_public(bytes.fromhex(case["public_key"]))


@pytest.mark.parametrize("case", VECTORS["pairing_tags"], ids=lambda c: c["code"])
def test_pairing_tags(case: dict[str, Any]) -> None:
    assert split_code(case["code"]) == (case["hub_part"], case["secret"])
    home_id = uuid.UUID(case["home_id"])
    owner = owner_tag(case["secret"], home_id, b64(case["owner_signing_key"]))
    assert owner == b64(case["owner_tag"])
    device = device_tag(case["secret"], home_id, b64(case["device_public_key"]))
    assert device == b64(case["device_tag"])


@pytest.mark.parametrize("case", VECTORS["safety_numbers"], ids=lambda c: c["safety_number"])
def test_safety_numbers(case: dict[str, Any]) -> None:
    a = (b64(case["a_signing_key"]), b64(case["a_x25519_key"]))
    b = (b64(case["b_signing_key"]), b64(case["b_x25519_key"]))
    assert safety_number(*a, *b) == safety_number(*b, *a) == case["safety_number"]
    assert sorted([case["a_code"], case["b_code"]]) == [
        case["safety_number"][:30],
        case["safety_number"][30:],
    ]
    assert format_safety_number(case["safety_number"]) == case["formatted"]


@pytest.mark.parametrize("case", VECTORS["key_labels"], ids=lambda c: c["kind"])
def test_key_labels(case: dict[str, Any]) -> None:
    assert key_label(case["kind"], case["value"]) == case["label"]


@pytest.mark.parametrize("case", VECTORS["invalid_headers"], ids=lambda c: c["name"])
def test_invalid_headers_are_refused(case: dict[str, Any]) -> None:
    # Each one opens for a reader lax on one point; the browser refuses it in the same words.
    assert case["error"] == "CryptoError"
    with pytest.raises(CryptoError) as refused:
        _open_invalid(case)
    assert str(refused.value) == case["message"]
