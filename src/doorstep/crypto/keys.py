"""Raw key encodings, key ids and fingerprints (``docs/crypto-format.md``, Keys)."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from doorstep.errors import CryptoError

KEY_BYTES = 32
X25519_P = 2**255 - 19
# The u-coordinates of the points of small order on Curve25519 and its twist (below p):
# a shared secret with one of them is all zeros or predictable, whatever the private key.
X25519_LOW_ORDER = frozenset(
    {
        0,
        1,
        325606250916557431795983626356110631294008115727848805560023387167927233504,
        39382357235489614581723060781553021112529911719440698176882885853963445705823,
        X25519_P - 1,
    }
)

PublicKey = X25519PublicKey | Ed25519PublicKey


def public_raw(key: PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def private_raw(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def key_id(public: bytes | PublicKey) -> str:
    """32 hex digits: the first 16 bytes of SHA-256 over the raw public key."""
    raw = public if isinstance(public, bytes) else public_raw(public)
    return hashlib.sha256(raw).hexdigest()[:32]


def fingerprint(key_id_hex: str) -> str:
    """The key id in groups of four, for people to read aloud and compare."""
    return " ".join(key_id_hex[i : i + 4] for i in range(0, len(key_id_hex), 4))


def _check_length(raw: bytes, what: str) -> None:
    if len(raw) != KEY_BYTES:
        raise CryptoError(f"{what} must be {KEY_BYTES} bytes, got {len(raw)}")


def check_x25519_public(raw: bytes, what: str = "an X25519 public key") -> bytes:
    """``raw`` if it is a canonical X25519 public key not of low order, else CryptoError.

    Canonical: 32 bytes, the top bit of the last byte clear and the little-endian u below
    p = 2^255 - 19, so each key has one encoding.
    """
    _check_length(raw, what)
    if raw[31] & 0x80:
        raise CryptoError(f"{what} has the top bit set: not a canonical encoding")
    u = int.from_bytes(raw, "little")
    if u >= X25519_P:
        raise CryptoError(f"{what} is not below 2^255 - 19: not a canonical encoding")
    if u in X25519_LOW_ORDER:
        raise CryptoError(f"{what} is a point of low order")
    return raw


def x25519_public(raw: bytes) -> X25519PublicKey:
    return X25519PublicKey.from_public_bytes(check_x25519_public(raw))


def x25519_private(raw: bytes) -> X25519PrivateKey:
    _check_length(raw, "an X25519 private key")
    return X25519PrivateKey.from_private_bytes(raw)


def ed25519_public(raw: bytes) -> Ed25519PublicKey:
    _check_length(raw, "an Ed25519 public key")
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise CryptoError("not a valid Ed25519 public key") from exc


def ed25519_private(raw: bytes) -> Ed25519PrivateKey:
    _check_length(raw, "an Ed25519 private key")
    return Ed25519PrivateKey.from_private_bytes(raw)
