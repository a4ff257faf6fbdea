"""Password hashing (Argon2id) and keyed hashes of bearer tokens, session tokens and codes.

Tokens are random 256-bit values, so a keyed SHA-256 (HMAC with the hub's secret key)
is enough to store them: a stolen database alone can't be used to sign in.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TOKEN_PREFIX = "dst_"
_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified against when the account does not exist, so both paths take the same time:
    made by ``hasher`` (at its cost) on first need, not at import."""
    return hasher.hash(secrets.token_urlsafe(16))


def prepare_password_checks() -> None:
    """Make the dummy hash at the hub's start, so that the first sign-in for an unknown
    account costs no more than any later one."""
    _dummy_hash(_HASHER)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return (
            _HASHER.verify(password_hash or _dummy_hash(_HASHER), password)
            and password_hash is not None
        )
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def keyed_hash(secret_key: bytes, purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value``, bound to ``purpose`` so hashes can't be swapped between uses."""
    return hmac.new(secret_key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()


def same_secret(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())
