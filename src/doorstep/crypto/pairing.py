"""Pairing codes: a part the hub checks and a secret part only the owner's client knows.

The owner's client makes the secret (12 Crockford base32 characters, 60 bits) and tags
its own signing key with it; the hub stores the tag without the secret. The edge, given
the whole code, checks the tag of the owner key the hub serves, and tags its own device
key for the owner to check (``docs/crypto-format.md``, Pairing code).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from doorstep.errors import CryptoError

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
SECRET_LENGTH = 12
OWNER_CONTEXT = b"doorstep pairing owner v1\0"
DEVICE_CONTEXT = b"doorstep pairing device v1\0"
TAG_BYTES = 32


def normalize_code(code: str) -> str:
    """Accept the code as people type it: any case, with dashes or spaces, O for 0, I/L for 1."""
    cleaned = code.upper().replace("-", "").replace(" ", "")
    return cleaned.translate(str.maketrans("OIL", "011"))


def format_code(code: str) -> str:
    """``XXXXX-XXXXX`` for the hub part; the whole code gets ``-SSSS-SSSS-SSSS`` after it."""
    groups = [code[:5], code[5:10]] + [code[i : i + 4] for i in range(10, len(code), 4)]
    return "-".join(group for group in groups if group)


def new_secret() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(SECRET_LENGTH))


def split_code(code: str) -> tuple[str, str]:
    """The hub part and the secret part of a whole pairing code, normalized."""
    normalized = normalize_code(code)
    if len(normalized) == CODE_LENGTH and all(c in CODE_ALPHABET for c in normalized):
        raise CryptoError("this code has no owner part; make a new one with `doorstep keys pair`")
    whole = CODE_LENGTH + SECRET_LENGTH
    if len(normalized) != whole or any(c not in CODE_ALPHABET for c in normalized):
        raise CryptoError(
            f"the pairing code has {whole} characters: XXXXX-XXXXX-SSSS-SSSS-SSSS "
            "(digits and letters but I, L, O, U)"
        )
    return normalized[:CODE_LENGTH], normalized[CODE_LENGTH:]


def _tag(secret: str, context: bytes, home_id: uuid.UUID, public_key: bytes) -> bytes:
    return hmac.new(secret.encode(), context + home_id.bytes + public_key, hashlib.sha256).digest()


def owner_tag(secret: str, home_id: uuid.UUID, owner_signing_key: bytes) -> bytes:
    """HMAC-SHA256(secret, "doorstep pairing owner v1\\0" ‖ home id ‖ owner signing key)."""
    return _tag(secret, OWNER_CONTEXT, home_id, owner_signing_key)


def device_tag(secret: str, home_id: uuid.UUID, device_public_key: bytes) -> bytes:
    """HMAC-SHA256(secret, "doorstep pairing device v1\\0" ‖ home id ‖ device key)."""
    return _tag(secret, DEVICE_CONTEXT, home_id, device_public_key)


def check_tag(expected: bytes, given: bytes) -> None:
    """CryptoError unless the tags are equal (compared in constant time)."""
    if not hmac.compare_digest(expected, given):
        raise CryptoError("the pairing tag does not match this pairing code")
