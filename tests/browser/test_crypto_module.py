"""doorstep-crypto.js in Chromium against ``docs/crypto-vectors.json``.

Every vector runs in the browser. ``passphrase_boxes`` need Argon2id, which WebCrypto does
not offer: doorstep-keys.js opens them with the vendored hash-wasm, on a page whose CSP
allows WebAssembly (test_passphrase_box.py has the rest of their tests).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page

from doorstep.crypto.decrypt import open_part
from doorstep.crypto.format import b64encode
from doorstep.crypto.keys import (
    ed25519_private,
    ed25519_public,
    fingerprint,
    public_raw,
    x25519_private,
)
from doorstep.crypto.stream import PartContext, seal_part
from doorstep.crypto.tampering import split
from doorstep.crypto.unwrap import unwrap_key
from doorstep.crypto.vectors import CAMERA_ID, CLIP_ID, ENDED_AT, STARTED_AT
from doorstep.errors import CryptoError
from tests.browser.pages import call
from tests.crypto.vectors import b64, load_vectors

VECTORS = load_vectors()
SEALED = {case["name"]: case for case in VECTORS["sealed_parts"]}
OTHER_DEVICE = b64encode(public_raw(ed25519_private(bytes(32)).public_key()))


def cases(kind: str, id_field: str) -> list[Any]:
    return [pytest.param(case, id=f"{kind}-{case[id_field]}") for case in VECTORS[kind]]


def python_refusal(case: dict[str, Any]) -> str:
    """The message the Python reader refuses ``case`` with."""
    try:
        if case["kind"] == "wrapped_key":
            recipient = x25519_private(b64(case["recipient_private"]))
            unwrap_key(b64(case["wrapped_key"]), recipient=recipient, subject=case["subject"])
        else:
            valid = SEALED[case["case"]]
            open_part(
                b64(case["sealed"]),
                content_key=b64(valid["content_key"]),
                clip_id=uuid.UUID(valid["clip_id"]),
                part=valid["part"],
                device_public=ed25519_public(b64(valid["device_public"])),
            )
    except CryptoError as exc:
        return str(exc)
    raise AssertionError(f"the Python reader accepts {case['name']!r}")


def test_every_vector_kind_is_covered() -> None:
    # A new kind of vector must get a browser test (or a reason it can't have one).
    assert set(VECTORS) == {
        "format",
        "part_keys",
        "wrapped_keys",
        "sealed_parts",
        "passphrase_boxes",
        "invalid",
        # test_header_parity.py
        "invalid_headers",
        # test_key_checks.py
        "attestations",
        "signing_keys",
        "key_lists",
        "x25519_public_invalid",
        "safety_numbers",
        "key_labels",
        # None: the owner's CLI and the edge pair devices; browsers don't.
        "pairing_tags",
    }


@pytest.mark.parametrize("case", cases("part_keys", "part"))
def test_part_keys(shared_page: Page, case: dict[str, Any]) -> None:
    assert call(shared_page, "partKey", case) == {"ok": b64(case["part_key"]).hex()}


@pytest.mark.parametrize("case", cases("wrapped_keys", "name"))
def test_wrapped_keys_open(shared_page: Page, case: dict[str, Any]) -> None:
    opened = call(shared_page, "wrappedKey", case)["ok"]
    assert opened["secret"] == b64(case["secret"]).hex()
    assert opened["publicKey"] == b64(case["recipient_public"]).hex()
    assert opened["keyId"] == case["recipient_key_id"]
    assert opened["fingerprint"] == fingerprint(case["recipient_key_id"])


@pytest.mark.parametrize("case", cases("sealed_parts", "name"))
def test_sealed_parts_open(shared_page: Page, case: dict[str, Any]) -> None:
    opened = call(shared_page, "sealedPart", case)["ok"]
    plaintext = b64(case["plaintext"])
    assert opened["plaintext"] == plaintext.hex()
    assert opened["sha256"] == case["plaintext_sha256"] == hashlib.sha256(plaintext).hexdigest()
    assert opened["cameraId"] == case["camera_id"]
    # Handed out chunk by chunk: every chunk but the last is full.
    size = case["chunk_size"]
    expected = [size] * (len(plaintext) // size)
    if len(plaintext) % size or not plaintext:
        expected.append(len(plaintext) % size)
    assert opened["chunks"] == expected


@pytest.mark.parametrize("case", cases("passphrase_boxes", "key_id"))
def test_passphrase_boxes(keys_page: Page, case: dict[str, Any]) -> None:
    opened = call(keys_page, "openBox", case)["ok"]
    public = public_raw(x25519_private(b64(case["private_key"])).public_key())
    assert opened == {
        "publicKey": public.hex(),
        "keyId": case["key_id"],
        "extractable": False,
        "usages": ["deriveBits"],
    }
    # With the vector's salt and nonce, the browser seals the same bytes.
    assert call(keys_page, "sealBox", case) == {"ok": b64(case["box"]).hex()}


@pytest.mark.parametrize("case", cases("invalid", "name"))
def test_invalid_vectors_are_refused(shared_page: Page, case: dict[str, Any]) -> None:
    if case["kind"] == "wrapped_key":
        result = call(shared_page, "wrappedKey", case)
    else:
        assert case["kind"] == "sealed_part"
        result = call(shared_page, "sealedPart", {**SEALED[case["case"]], "sealed": case["sealed"]})
    # Refused, naming what failed in the same words as the Python reader.
    assert result == {"refused": {"name": "DoorstepCryptoError", "message": python_refusal(case)}}


def test_whole_bytes_and_single_byte_pieces_give_the_same_result(shared_page: Page) -> None:
    case = SEALED["short last chunk"]
    whole = call(shared_page, "sealedPart", case, 1 << 20)
    assert whole == call(shared_page, "sealedPart", case, 1)
    assert whole["ok"]["plaintext"] == b64(case["plaintext"]).hex()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"clip_id": str(uuid.UUID(int=7))}, "the part belongs to clip 6f1c2b0e-"),
        ({"part": "clip"}, "the part is a snapshot, not a clip"),
        ({"device_public": OTHER_DEVICE}, "signed by device key"),
        ({"content_key": VECTORS["wrapped_keys"][0]["secret"]}, "signature block does not"),
    ],
    ids=["other clip", "other part", "other device", "other content key"],
)
def test_a_part_opens_only_for_what_the_reader_asked(
    shared_page: Page, change: dict[str, str], message: str
) -> None:
    result = call(shared_page, "sealedPart", {**SEALED["short last chunk"], **change})
    assert result["refused"]["name"] == "DoorstepCryptoError"
    assert message in result["refused"]["message"]


def test_a_body_re_encrypted_under_the_content_key_fails_the_signed_digest(
    shared_page: Page,
) -> None:
    # Whoever holds the content key can encrypt other chunks that authenticate; only the
    # digest the device signed, checked at the end, tells them apart.
    case = SEALED["short last chunk"]
    other = seal_part(
        bytes(len(b64(case["plaintext"]))),
        content_key=b64(case["content_key"]),
        context=PartContext(CLIP_ID, CAMERA_ID, case["part"], STARTED_AT, ENDED_AT),
        device_key=ed25519_private(b64(case["device_private"])),
        chunk_size=case["chunk_size"],
        nonce_prefix=b64(case["nonce_prefix"]),
    )
    aad, block, _ = split(b64(case["sealed"]))
    other_aad, _, chunks = split(other)
    assert other_aad == aad
    forged = {**case, "sealed": b64encode(aad + block + b"".join(chunks))}
    message = "the decrypted part differs from the digest the device signed"
    assert python_refusal({**forged, "kind": "sealed_part", "case": case["name"]}) == message
    result = call(shared_page, "sealedPart", forged)
    assert result == {"refused": {"name": "DoorstepCryptoError", "message": message}}


SHORT_CHUNK = 31 + 16  # the "short" part's only chunk: 31 bytes of plaintext and the tag


def altered(name: str, change: Any) -> dict[str, Any]:
    case = SEALED[name]
    return {**case, "sealed": b64encode(change(b64(case["sealed"])))}


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (altered("exact chunks", lambda b: b + bytes(20)), "trailing data: bytes follow the last"),
        (altered("short", lambda b: b[:8] + b"\x02" + b[9:]), "sealed part version 2 is not"),
        (altered("short", lambda b: b[:40]), "truncated: the file ends within the header"),
        (altered("short", lambda b: b[:11]), "truncated: the file ends within the header"),
        (altered("short", lambda b: b[:-SHORT_CHUNK]), "truncated: the file ends before the"),
        (altered("short", lambda b: b[:-40]), "truncated: chunk 0 is shorter than its tag"),
    ],
    ids=[
        "trailing after a full chunk",
        "version 2",
        "cut in header",
        "cut in preamble",
        "cut after signature block",
        "cut in tag",
    ],
)
def test_more_refusals(shared_page: Page, case: dict[str, Any], message: str) -> None:
    python_refusal({**case, "kind": "sealed_part", "case": case["name"]})  # refused there too
    result = call(shared_page, "sealedPart", case)
    assert result["refused"]["name"] == "DoorstepCryptoError"
    assert result["refused"]["message"].startswith(message)


def test_a_low_order_ephemeral_key_is_refused(shared_page: Page) -> None:
    result = call(shared_page, "lowOrderWrappedKey", VECTORS["wrapped_keys"][0])
    assert result["refused"]["name"] == "DoorstepCryptoError"
    assert result["refused"]["message"] == "an X25519 public key is a point of low order"
