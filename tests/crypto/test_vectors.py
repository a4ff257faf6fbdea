"""The Python implementation against ``docs/crypto-vectors.json``."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from typing import Any

import pytest

from doorstep.crypto.decrypt import open_part
from doorstep.crypto.format import BoxParameters, part_key
from doorstep.crypto.keys import ed25519_public, key_id, x25519_private
from doorstep.crypto.passphrase import open_private_key, seal_private_key
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


@pytest.mark.parametrize("case", VECTORS["invalid"], ids=lambda c: c["name"])
def test_invalid_vectors_are_refused(case: dict[str, Any]) -> None:
    with pytest.raises(CryptoError):
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
