"""The edge device's identity: its Ed25519 key (it signs clips) and its hub token.

Both live in files only their owner can read (0600). The private key never leaves the
device; pairing sends the hub the public key only.
"""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from doorstep.durable import write_atomically
from doorstep.errors import ConfigurationError
from doorstep.settings import read_secret_file


def write_secret(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by its owner only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, data, mode=0o600)


def load_or_create_device_key(path: Path, *, new: bool = False) -> Ed25519PrivateKey:
    if path.exists() and not new:
        try:
            key = load_pem_private_key(read_secret_file(path).encode(), password=None)
        except ValueError as exc:
            raise ConfigurationError(f"{path} is not a PEM private key") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigurationError(f"{path} holds a key that is not Ed25519")
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    write_secret(path, pem)
    return key


def load_device_key(path: Path) -> Ed25519PrivateKey:
    """The key this device was paired with; refuses to invent one the hub doesn't know."""
    if not path.exists():
        raise ConfigurationError(
            f"{path} is missing; pair this device with `doorstep edge pair CODE --hub URL`"
        )
    return load_or_create_device_key(path)


def public_key_base64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def read_token(path: Path) -> str:
    """The device's bearer token, written by `doorstep edge pair`."""
    try:
        return read_secret_file(path)
    except ConfigurationError as exc:
        raise ConfigurationError(
            f"{exc.detail}; pair this device first with `doorstep edge pair CODE --hub URL`"
        ) from exc
