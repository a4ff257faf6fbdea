"""Open a wrapped key with the recipient's private key. Never imported by the hub."""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from doorstep.crypto.envelope import (
    ZERO_NONCE,
    check_wrapped_key,
    key_encryption_key,
    wrap_info,
)
from doorstep.crypto.keys import KEY_BYTES, key_id, public_raw, x25519_public
from doorstep.errors import CryptoError


def unwrap_key(wrapped: bytes, *, recipient: X25519PrivateKey, subject: str) -> bytes:
    """The 32-byte secret inside ``wrapped``; CryptoError if it isn't for this key and subject."""
    check_wrapped_key(wrapped)
    ephemeral_public = wrapped[1 : 1 + KEY_BYTES]
    recipient_public = public_raw(recipient.public_key())
    try:
        shared = recipient.exchange(x25519_public(ephemeral_public))
    except ValueError as exc:
        raise CryptoError("the wrapped key's ephemeral public key is not usable") from exc
    info = wrap_info(key_id(recipient_public), subject)
    kek = key_encryption_key(
        shared, ephemeral_public=ephemeral_public, recipient_public=recipient_public, info=info
    )
    try:
        return AESGCM(kek).decrypt(ZERO_NONCE, wrapped[1 + KEY_BYTES :], info)
    except InvalidTag as exc:
        raise CryptoError(
            f"the wrapped key does not open with key {key_id(recipient_public)} for {subject}: "
            "it was wrapped for another recipient or subject, or altered"
        ) from exc
