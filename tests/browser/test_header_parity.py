"""Python and the browser read headers with the same strictness.

``invalid_headers`` in ``docs/crypto-vectors.json`` holds, for each point on which one
reader was lax, a part or wrapped key that opens for a lax reader; both refuse it in the
same words. The edges just inside each rule open in both.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import Page

from doorstep.crypto.decrypt import open_part
from doorstep.crypto.format import PREAMBLE, b64encode, parse_header, part_key
from doorstep.crypto.keys import ed25519_private, ed25519_public
from doorstep.crypto.stream import seal_under
from tests.browser.pages import call
from tests.crypto.vectors import b64, load_vectors

VECTORS = load_vectors()
SEALED = {case["name"]: case for case in VECTORS["sealed_parts"]}
CASES = [pytest.param(case, id=case["name"]) for case in VECTORS["invalid_headers"]]


@pytest.mark.parametrize("case", CASES)
def test_invalid_headers_are_refused_in_python_words(
    shared_page: Page, case: dict[str, Any]
) -> None:
    assert case["error"] == "CryptoError"
    if case["kind"] == "wrapped_key":
        result = call(shared_page, "wrappedKey", case)
    else:
        result = call(shared_page, "sealedPart", {**SEALED[case["case"]], "sealed": case["sealed"]})
    assert result == {"refused": {"name": "DoorstepCryptoError", "message": case["message"]}}


def test_every_lax_point_has_a_case() -> None:
    names = {case["name"] for case in VECTORS["invalid_headers"]}
    assert {
        "clip id without hyphens",
        "time without a zone",
        "day out of range",
        "leap second",
        "chunk size with a fraction",
        "NaN in an unknown field",
        "nested 1500 deep",
        "ephemeral key with the top bit set",
        "ephemeral key not below p",
    } <= names


def _resealed(edit: tuple[bytes, bytes]) -> dict[str, Any]:
    """The ``short`` part sealed again with one edit of its header's JSON."""
    case = SEALED["short"]
    parsed = parse_header(b64(case["sealed"]))
    header = parsed.aad[PREAMBLE.size :]
    edited = header.replace(*edit, 1)
    assert edited != header
    sealed = seal_under(
        parsed.aad[:10] + len(edited).to_bytes(2, "big") + edited,
        b64(case["plaintext"]),
        key=part_key(b64(case["content_key"]), uuid.UUID(case["clip_id"]), case["part"]),
        device_key=ed25519_private(b64(case["device_private"])),
        chunk_size=case["chunk_size"],
        prefix=parsed.header.nonce_prefix,
    )
    return {**case, "sealed": b64encode(sealed)}


@pytest.mark.parametrize(
    "edit",
    [
        (b"{", b'{"nested":' + b"[" * 15 + b"]" * 15 + b","),
        (b'"2026-11-24T09:30:00Z"', b'"2024-02-29T09:30:00Z"'),
        (b'"2026-11-24T09:30:00Z"', b'"2026-11-24T09:30:00.123456789+23:59"'),
        (b"6f1c2b0e-2d4a-4c57-9a55-0c8e2f3b7d10", b"6F1C2B0E-2D4A-4C57-9A55-0C8E2F3B7D10"),
        (b"{", b'{"note":1.5e300,'),
    ],
    ids=["nested 16 deep", "leap day", "offset 23:59 and 9 digits", "upper case id", "a float"],
)
def test_the_edges_inside_each_rule_open_in_both(
    shared_page: Page, edit: tuple[bytes, bytes]
) -> None:
    case = _resealed(edit)
    opened = open_part(
        b64(case["sealed"]),
        content_key=b64(case["content_key"]),
        clip_id=uuid.UUID(case["clip_id"]),
        part=case["part"],
        device_public=ed25519_public(b64(case["device_public"])),
    )
    assert opened.plaintext == b64(case["plaintext"])
    result = call(shared_page, "sealedPart", case)
    assert result["ok"]["plaintext"] == b64(case["plaintext"]).hex()
