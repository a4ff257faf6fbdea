"""Signing keys derived from the X25519 key, and the binding signature over both."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.crypto.keys import public_raw
from doorstep.crypto.signing_keys import binding_signature, signing_key_of, verify_binding
from doorstep.errors import CryptoError

# X25519 private key bytes 0..31; the signing key's seed worked out by hand with HMAC
# (HKDF-SHA256, no salt, info "doorstep signing key v1") and its Ed25519 public key.
PRIVATE = X25519PrivateKey.from_private_bytes(bytes(range(32)))
X25519_PUBLIC = bytes.fromhex("8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f")
SIGNING_SEED = bytes.fromhex("63f0cd698dfbb349fe6685dc4561b1889315a02d44680e12221b8579b319c31c")
SIGNING_PUBLIC = bytes.fromhex("83c0d883f5ddf0e42188fc89a1fe850a70aa209a5d9a81562d5170277d9800d7")


def test_the_signing_key_is_derived_as_documented() -> None:
    signing = signing_key_of(PRIVATE)
    assert signing.private_bytes_raw() == SIGNING_SEED
    assert public_raw(signing.public_key()) == SIGNING_PUBLIC


def test_another_x25519_key_gives_another_signing_key() -> None:
    other = X25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    assert public_raw(signing_key_of(other).public_key()) != SIGNING_PUBLIC


def test_the_binding_signature_verifies() -> None:
    signature = binding_signature(PRIVATE)
    assert len(signature) == 64
    verify_binding(X25519_PUBLIC, SIGNING_PUBLIC, signature)


def _other_public() -> bytes:
    return public_raw(X25519PrivateKey.from_private_bytes(bytes(range(1, 33))).public_key())


def _other_signing() -> bytes:
    other = X25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    return public_raw(signing_key_of(other).public_key())


@pytest.mark.parametrize(
    ("x25519", "signing", "signature", "reason"),
    [
        ("other x25519", "mine", "mine", "does not verify"),
        ("mine", "other signing", "mine", "does not verify"),
        ("mine", "mine", "flipped", "does not verify"),
        ("mine", "mine", "short", "64 bytes, got 63"),
        ("low order", "mine", "mine", "low order"),
        ("mine", "short", "mine", "32 bytes, got 31"),
    ],
)
def test_a_wrong_binding_is_refused(x25519: str, signing: str, signature: str, reason: str) -> None:
    good = binding_signature(PRIVATE)
    keys = {
        "mine": X25519_PUBLIC,
        "other x25519": _other_public(),
        "low order": bytes(32),
    }
    signers = {"mine": SIGNING_PUBLIC, "other signing": _other_signing(), "short": bytes(31)}
    signatures = {
        "mine": good,
        "flipped": bytes([good[0] ^ 1]) + good[1:],
        "short": good[:63],
    }
    with pytest.raises(CryptoError, match=reason):
        verify_binding(keys[x25519], signers[signing], signatures[signature])
