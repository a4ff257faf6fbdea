"""Headers and keys that Python and the browser once read differently: ``invalid_headers``.

Each case is a part or wrapped key that opens in full for a reader lax on one point:
the header is sealed and signed by the device like any other, and the wrapped key's
ephemeral key gives the right shared secret. Both readers must refuse it, with the
``message`` that doorstep.crypto (and doorstep-crypto.js, in the same words) gives.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from doorstep.crypto.envelope import ZERO_NONCE, key_encryption_key, wrap_info
from doorstep.crypto.format import (
    MAGIC,
    PREAMBLE,
    VERSION,
    b64decode,
    b64encode,
    parse_header,
    part_key,
)
from doorstep.crypto.keys import X25519_P, ed25519_private, key_id, x25519_private
from doorstep.crypto.stream import seal_under
from doorstep.crypto.unwrap import unwrap_key
from doorstep.errors import CryptoError

Edit = Callable[[bytes], bytes]


def _nested(levels: int) -> bytes:
    return b'{"nested":' + b"[" * levels + b"]" * levels + b","


# (name, what a lax reader took, edit of the valid header's JSON)
HEADER_EDITS: list[tuple[str, str, Edit]] = [
    (
        "clip id without hyphens",
        "Python's uuid.UUID() read a UUID in any of its spellings",
        lambda h: h.replace(
            b"6f1c2b0e-2d4a-4c57-9a55-0c8e2f3b7d10", b"6f1c2b0e2d4a4c579a550c8e2f3b7d10"
        ),
    ),
    (
        "camera id in braces",
        "Python's uuid.UUID() read a UUID in any of its spellings",
        lambda h: h.replace(
            b'"0b7e9d4c-1f2a-4e3b-8c6d-5a4b3c2d1e0f"', b'"{0b7e9d4c-1f2a-4e3b-8c6d-5a4b3c2d1e0f}"'
        ),
    ),
    (
        "time without a zone",
        "Python's datetime.fromisoformat() read a time without offset",
        lambda h: h.replace(b'"2026-11-24T09:30:00Z"', b'"2026-11-24T09:30:00"'),
    ),
    (
        "date without a time",
        "Python's datetime.fromisoformat() read a date alone",
        lambda h: h.replace(b'"2026-11-24T09:30:00Z"', b'"2026-11-24"'),
    ),
    (
        "fraction without digits",
        "Python's datetime.fromisoformat() read '.Z'",
        lambda h: h.replace(b'"2026-11-24T09:30:00Z"', b'"2026-11-24T09:30:00.Z"'),
    ),
    (
        "day out of range",
        "the browser's RFC 3339 pattern took February 30",
        lambda h: h.replace(b'"2026-11-24T09:30:00Z"', b'"2026-02-30T09:30:00Z"'),
    ),
    (
        "hour 24",
        "the browser's RFC 3339 pattern took hour 24",
        lambda h: h.replace(b'"2026-11-24T09:30:00Z"', b'"2026-11-24T24:00:00Z"'),
    ),
    (
        "leap second",
        "the browser's RFC 3339 pattern took second 60 (Python has none)",
        lambda h: h.replace(b'"2026-11-24T09:30:00Z"', b'"2026-11-24T09:30:60Z"'),
    ),
    (
        "offset minute 60",
        "Python's datetime.fromisoformat() read +00:60 as +01:00",
        lambda h: h.replace(b'"2026-11-24T09:30:00Z"', b'"2026-11-24T09:30:00+00:60"'),
    ),
    (
        "chunk size with a fraction",
        "the browser's JSON.parse read 1024.0 as the integer 1024",
        lambda h: h.replace(b'"chunk_size":1024', b'"chunk_size":1024.0'),
    ),
    (
        "chunk size with an exponent",
        "the browser's JSON.parse read 1.024e3 as the integer 1024",
        lambda h: h.replace(b'"chunk_size":1024', b'"chunk_size":1.024e3'),
    ),
    (
        "NaN in an unknown field",
        "Python's json read NaN, which is not JSON",
        lambda h: h.replace(b"{", b'{"note":NaN,', 1),
    ),
    (
        "Infinity in an unknown field",
        "Python's json read Infinity, which is not JSON",
        lambda h: h.replace(b"{", b'{"note":-Infinity,', 1),
    ),
    (
        "nested 17 deep",
        "both read any nesting in an unknown field; now 16 levels at most",
        lambda h: h.replace(b"{", _nested(16), 1),
    ),
    (
        "nested 1500 deep",
        "Python's json raised RecursionError (not a CryptoError); the browser read it",
        lambda h: h.replace(b"{", _nested(1500), 1),
    ),
]


def _python_refusal(run: Callable[[], object]) -> str:
    try:
        run()
    except CryptoError as exc:
        return str(exc)
    raise AssertionError("the Python reader accepts an invalid_headers case")


def _header_cases(valid: dict[str, Any]) -> list[dict[str, Any]]:
    sealed = b64decode(valid["sealed"], "sealed")
    parsed = parse_header(sealed)
    header = parsed.aad[PREAMBLE.size :]
    key = part_key(
        b64decode(valid["content_key"], "content_key"), parsed.header.clip_id, valid["part"]
    )
    cases = []
    for name, lax, edit in HEADER_EDITS:
        edited = edit(header)
        assert edited != header, name
        aad = PREAMBLE.pack(MAGIC, VERSION, 0, len(edited)) + edited
        part = seal_under(
            aad,
            b64decode(valid["plaintext"], "plaintext"),
            key=key,
            device_key=ed25519_private(b64decode(valid["device_private"], "device_private")),
            chunk_size=valid["chunk_size"],
            prefix=parsed.header.nonce_prefix,
        )
        cases.append(
            {
                "name": name,
                "kind": "sealed_part",
                "case": valid["name"],
                "lax": lax,
                "error": "CryptoError",
                "message": _python_refusal(partial(parse_header, part)),
                "sealed": b64encode(part),
            }
        )
    return cases


def _wrapped_cases(valid: dict[str, Any]) -> list[dict[str, Any]]:
    """Wrapped keys whose ephemeral key is 9 written another way, not reduced mod p."""
    recipient = x25519_private(b64decode(valid["recipient_private"], "recipient_private"))
    recipient_public = b64decode(valid["recipient_public"], "recipient_public")
    # X25519(recipient, 9) is the recipient's public key: what a lax reader computes
    # for either spelling of 9, since X25519 ignores the top bit and reduces u mod p.
    shared = recipient_public
    info = wrap_info(key_id(recipient_public), valid["subject"])
    secret = b64decode(valid["secret"], "secret")
    cases = []
    for name, u in (
        ("ephemeral key with the top bit set", 9 + (1 << 255)),
        ("ephemeral key not below p", 9 + X25519_P),
    ):
        ephemeral = u.to_bytes(32, "little")
        kek = key_encryption_key(
            shared, ephemeral_public=ephemeral, recipient_public=recipient_public, info=info
        )
        wrapped = b"\x01" + ephemeral + AESGCM(kek).encrypt(ZERO_NONCE, secret, info)
        cases.append(
            {
                "name": name,
                "kind": "wrapped_key",
                "lax": "X25519 reads any 32 bytes; the browser took non-canonical keys",
                "error": "CryptoError",
                "message": _python_refusal(
                    partial(unwrap_key, wrapped, recipient=recipient, subject=valid["subject"])
                ),
                "wrapped_key": b64encode(wrapped),
                "recipient_private": valid["recipient_private"],
                "subject": valid["subject"],
            }
        )
    return cases


def invalid_headers(short: dict[str, Any], wrapped: dict[str, Any]) -> list[dict[str, Any]]:
    """The cases, from the one-chunk ``short`` part and the first wrapped key."""
    return _header_cases(short) + _wrapped_cases(wrapped)
