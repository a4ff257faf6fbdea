"""Seal a private key under a passphrase (Argon2id), so a new client can recover it.

The hub stores the box; only someone who knows the passphrase opens it. Never
imported by the hub (it checks a box's layout with ``format.box_parameters``).
"""

from __future__ import annotations

import os
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from doorstep.crypto.format import BOX_LAYOUT, BOX_VERSION, BoxParameters, box_parameters
from doorstep.crypto.keys import key_id, private_raw, public_raw, x25519_private
from doorstep.errors import CryptoError

# RFC 9106's second recommended option: 64 MiB, three passes, four lanes.
DEFAULT_PARAMETERS = BoxParameters(memory_kib=65536, iterations=3, lanes=4)
BOX_INFO = b"doorstep private key v1\0"


def passphrase_key(passphrase: str, salt: bytes, parameters: BoxParameters) -> bytes:
    if not passphrase:
        raise CryptoError("the passphrase is empty")
    kdf = Argon2id(
        salt=salt,
        length=32,
        iterations=parameters.iterations,
        lanes=parameters.lanes,
        memory_cost=parameters.memory_kib,
    )
    # NFC, so the same passphrase typed on another system derives the same key.
    return kdf.derive(unicodedata.normalize("NFC", passphrase).encode("utf-8"))


def seal_private_key(
    private: X25519PrivateKey,
    passphrase: str,
    *,
    parameters: BoxParameters = DEFAULT_PARAMETERS,
    salt: bytes | None = None,
    box_nonce: bytes | None = None,
) -> bytes:
    salt = salt or os.urandom(16)
    box_nonce = box_nonce or os.urandom(12)
    key = passphrase_key(passphrase, salt, parameters)
    aad = BOX_INFO + key_id(public_raw(private.public_key())).encode()
    sealed = AESGCM(key).encrypt(box_nonce, private_raw(private), aad)
    head = BOX_LAYOUT.pack(
        BOX_VERSION,
        parameters.memory_kib,
        parameters.iterations,
        parameters.lanes,
        salt,
        box_nonce,
    )
    return head + sealed


def open_private_key(box: bytes, passphrase: str, *, expected_key_id: str) -> X25519PrivateKey:
    """The private key in ``box``; CryptoError for a wrong passphrase or another key's box."""
    parameters = box_parameters(box)
    _version, _memory, _iterations, _lanes, salt, box_nonce = BOX_LAYOUT.unpack_from(box)
    key = passphrase_key(passphrase, salt, parameters)
    aad = BOX_INFO + expected_key_id.encode()
    try:
        raw = AESGCM(key).decrypt(box_nonce, box[BOX_LAYOUT.size :], aad)
    except InvalidTag as exc:
        raise CryptoError(
            f"the passphrase does not open the private key of {expected_key_id}"
        ) from exc
    private = x25519_private(raw)
    if key_id(public_raw(private.public_key())) != expected_key_id:
        raise CryptoError(f"the box holds a key other than {expected_key_id}")
    return private
