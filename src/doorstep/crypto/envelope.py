"""Wrap a 32-byte secret to a recipient's X25519 public key (``docs/crypto-format.md``).

Only the public side lives here; opening a wrapped key is in ``unwrap``.
"""

from __future__ import annotations

import uuid

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from doorstep.crypto.format import TAG_BYTES, hkdf
from doorstep.crypto.keys import KEY_BYTES, key_id, public_raw
from doorstep.errors import CryptoError

WRAP_VERSION = 1
WRAPPED_KEY_BYTES = 1 + KEY_BYTES + KEY_BYTES + TAG_BYTES
ZERO_NONCE = bytes(12)
WRAP_INFO = b"doorstep key wrap v1\0"


def clip_subject(clip_id: uuid.UUID) -> str:
    """A clip's content key is wrapped for the clip id: it opens nothing else."""
    return str(clip_id)


def home_subject(home_key_id: str) -> str:
    """A home's private key is wrapped for the home key's id."""
    return f"home:{home_key_id}"


def wrap_info(recipient_key_id: str, subject: str) -> bytes:
    return WRAP_INFO + recipient_key_id.encode() + b"\0" + subject.encode()


def key_encryption_key(
    shared: bytes, *, ephemeral_public: bytes, recipient_public: bytes, info: bytes
) -> bytes:
    if shared == bytes(len(shared)):
        raise CryptoError("the X25519 exchange gave all zeros (a low-order public key)")
    return hkdf(shared, salt=ephemeral_public + recipient_public, info=info)


def wrap_key(
    secret: bytes,
    *,
    recipient: X25519PublicKey,
    subject: str,
    ephemeral: X25519PrivateKey | None = None,
) -> bytes:
    """Wrap ``secret`` so that only ``recipient``'s private key opens it, for ``subject``."""
    if len(secret) != KEY_BYTES:
        raise CryptoError(f"a wrapped secret must be {KEY_BYTES} bytes, got {len(secret)}")
    ephemeral = ephemeral or X25519PrivateKey.generate()
    ephemeral_public = public_raw(ephemeral.public_key())
    recipient_public = public_raw(recipient)
    try:
        shared = ephemeral.exchange(recipient)
    except ValueError as exc:
        raise CryptoError("the recipient's public key is not usable for X25519") from exc
    info = wrap_info(key_id(recipient_public), subject)
    kek = key_encryption_key(
        shared, ephemeral_public=ephemeral_public, recipient_public=recipient_public, info=info
    )
    sealed = AESGCM(kek).encrypt(ZERO_NONCE, secret, info)
    return bytes([WRAP_VERSION]) + ephemeral_public + sealed


def check_wrapped_key(wrapped: bytes) -> None:
    """Check the layout of a wrapped key (the hub stores only well-formed ones)."""
    if len(wrapped) != WRAPPED_KEY_BYTES:
        raise CryptoError(f"a wrapped key is {WRAPPED_KEY_BYTES} bytes, got {len(wrapped)}")
    if wrapped[0] != WRAP_VERSION:
        raise CryptoError(f"wrapped key version {wrapped[0]} is not supported")
