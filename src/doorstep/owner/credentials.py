"""Where the owner's client keeps its hub token, private key and password check (0600).

The directory is ``$DOORSTEP_CONFIG_DIR``, or ``~/.config/doorstep``. The private key
file is the only place the user's private key exists in clear; the hub has it only
inside the passphrase box. The password check (an Argon2id hash of the sign-in
password) lets ``keys generate`` refuse that password as a passphrase.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from doorstep.durable import write_atomically
from doorstep.errors import ConfigurationError
from doorstep.settings import read_secret_file


def config_dir() -> Path:
    configured = os.environ.get("DOORSTEP_CONFIG_DIR")
    return Path(configured) if configured else Path.home() / ".config" / "doorstep"


@dataclass(frozen=True)
class Credentials:
    hub: str
    token: str


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomically(path, data, mode=0o600)


def save_credentials(credentials: Credentials) -> Path:
    path = config_dir() / "credentials.json"
    record = {"hub": credentials.hub, "token": credentials.token}
    _write_private(path, json.dumps(record).encode())
    return path


def load_credentials(hub: str | None = None) -> Credentials:
    """The saved sign-in; ``DOORSTEP_TOKEN`` (with ``--hub``) overrides it."""
    token = os.environ.get("DOORSTEP_TOKEN")
    if token and hub:
        return Credentials(hub=hub, token=token)
    path = config_dir() / "credentials.json"
    if not path.exists():
        raise ConfigurationError("not signed in; run `doorstep login --hub URL --email EMAIL`")
    try:
        record = json.loads(read_secret_file(path))
        return Credentials(hub=hub or record["hub"], token=token or record["token"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(f"{path} is damaged; sign in again with `doorstep login`") from exc


def save_password_check(email: str, check: str) -> Path:
    path = config_dir() / "password-check.json"
    _write_private(path, json.dumps({"email": email.casefold(), "check": check}).encode())
    return path


def load_password_check(email: str) -> str | None:
    """The check kept when ``email`` last signed in here, or None (a token from elsewhere)."""
    path = config_dir() / "password-check.json"
    if not path.exists():
        return None
    try:
        record = json.loads(read_secret_file(path))
        return str(record["check"]) if record["email"] == email.casefold() else None
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(f"{path} is damaged; sign in again with `doorstep login`") from exc


def key_path() -> Path:
    return config_dir() / "user-key.pem"


def save_user_key(private: X25519PrivateKey) -> Path:
    path = key_path()
    _write_private(path, private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return path


def load_user_key() -> X25519PrivateKey:
    path = key_path()
    if not path.exists():
        raise ConfigurationError(
            f"no private key in {path}; run `doorstep keys generate` or `doorstep keys recover`"
        )
    key = load_pem_private_key(read_secret_file(path).encode(), password=None)
    if not isinstance(key, X25519PrivateKey):
        raise ConfigurationError(f"{path} holds a key that is not X25519")
    return key
