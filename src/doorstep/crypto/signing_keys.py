"""A resident's Ed25519 signing key, derived from their X25519 key (``docs/crypto-format.md``).

Deriving it means the passphrase box that holds the X25519 private key recovers both.
The binding signature, by the signing key over both public keys, shows that whoever
holds the X25519 key made that signing key.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from doorstep.crypto.keys import check_x25519_public, ed25519_public, private_raw, public_raw
from doorstep.errors import CryptoError

SIGNING_KEY_INFO = b"doorstep signing key v1"
BINDING_CONTEXT = b"doorstep user keys v1\0"
SIGNATURE_BYTES = 64


def signing_key_of(x25519_private: X25519PrivateKey) -> Ed25519PrivateKey:
    """HKDF-SHA256(X25519 private key, no salt, info "doorstep signing key v1") as a seed."""
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=SIGNING_KEY_INFO).derive(
        private_raw(x25519_private)
    )
    return Ed25519PrivateKey.from_private_bytes(seed)


def binding_message(x25519_public: bytes, signing_public: bytes) -> bytes:
    return BINDING_CONTEXT + x25519_public + signing_public


def binding_signature(x25519_private: X25519PrivateKey) -> bytes:
    """The signing key's signature over both public keys (64 bytes)."""
    signing = signing_key_of(x25519_private)
    message = binding_message(
        public_raw(x25519_private.public_key()), public_raw(signing.public_key())
    )
    return signing.sign(message)


def verify_binding(x25519_public: bytes, signing_public: bytes, signature: bytes) -> None:
    """CryptoError unless ``signature`` binds the two keys, by the signing key."""
    check_x25519_public(x25519_public)
    key = ed25519_public(signing_public)
    if len(signature) != SIGNATURE_BYTES:
        raise CryptoError(f"a binding signature is {SIGNATURE_BYTES} bytes, got {len(signature)}")
    try:
        key.verify(signature, binding_message(x25519_public, signing_public))
    except InvalidSignature as exc:
        raise CryptoError("the binding signature does not verify for these keys") from exc
