"""The device signature over a part: provenance from the camera's edge device."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from doorstep.crypto.format import signature_message
from doorstep.crypto.keys import key_id
from doorstep.errors import CryptoError


def sign_part(device_key: Ed25519PrivateKey, *, aad: bytes, digest: bytes) -> bytes:
    return device_key.sign(signature_message(aad, digest))


def verify_part_signature(
    device_public: Ed25519PublicKey, *, aad: bytes, digest: bytes, signature: bytes
) -> None:
    try:
        device_public.verify(signature, signature_message(aad, digest))
    except InvalidSignature as exc:
        raise CryptoError(
            f"the device signature does not verify with device key {key_id(device_public)}"
        ) from exc
