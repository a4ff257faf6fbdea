"""An agency's X25519 key pair, made on its own machine; the hub gets the public key only.

The private key is kept as base64 of its 32 raw bytes on one line, in a file only its
owner may read (0600): the form ``doorstep evidence verify --key`` reads. Clips shared
under a key stay wrapped to it, so an agency that publishes a new key keeps the old
file until the shares made under it have ended.

Once published, the agency's client checks that the hub logged the key as this
agency's (its ``agency.key_published`` entry, proven in the log) so the residents who
check that proof before wrapping a clip key to it will find it; the checkpoint seen
is kept beside the key file (``<key file>.trust.json``).
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.audit.keyproof import KeyRefused
from doorstep.crypto.keys import KEY_BYTES, key_id, private_raw, public_raw, x25519_private
from doorstep.durable import write_atomically
from doorstep.errors import ConfigurationError, Conflict
from doorstep.owner.api import HubApi
from doorstep.owner.trust import KeyChecker, TrustStore


def save_agency_key(path: Path, private: X25519PrivateKey, *, replace: bool = False) -> None:
    """Write the key file, 0600 from its creation; an existing file is kept unless
    ``replace`` (the demo, which makes its agency afresh with its database)."""
    line = base64.b64encode(private_raw(private)) + b"\n"
    if replace:
        write_atomically(path, line, mode=0o600)
        return
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Conflict(
            f"{path} exists already; keep it while shares made under it last, and give "
            "the new key another file"
        ) from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def load_agency_key(path: Path) -> X25519PrivateKey:
    """The private key in ``path``, refused if others may read the file."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"can't read the agency key {path}: {exc.strerror}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            f"{path} holds a private key but has mode {mode & 0o777:o}: "
            f"make it 0600 (chmod 600 {path}) and try again"
        )
    try:
        raw = base64.b64decode(data.strip(), validate=True)
    except binascii.Error:
        raise ConfigurationError(f"{path} does not hold a base64 key") from None
    if len(raw) != KEY_BYTES:
        raise ConfigurationError(
            f"{path} holds {len(raw)} bytes, not a {KEY_BYTES}-byte X25519 private key"
        )
    return x25519_private(raw)


def publish_agency_key(api: HubApi, path: Path) -> str:
    """Make a key pair, keep the private key in ``path`` and publish the public key.

    Returns the key id. If the hub refuses the key, the new file is removed again: a
    key the hub never had can't have been shared to. If the hub stored it but doesn't
    prove it logged it as this agency's, KeyRefused (the file is kept: the hub has it).
    """
    private = X25519PrivateKey.generate()
    save_agency_key(path, private)
    public = public_raw(private.public_key())
    encoded = base64.b64encode(public).decode()
    try:
        published = api.call("PUT", "/v1/agency/key", json={"public_key": encoded})
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if published.get("public_key") != encoded or published.get("key_id") != key_id(public):
        raise KeyRefused(
            f"the hub answered with key {published.get('key_id')}, not the one sent "
            f"({key_id(public)}): check the agency's key with the hub's operator"
        )
    checker = KeyChecker(api, TrustStore(path.with_name(f"{path.name}.trust.json")))
    checker.check(
        published,
        action="agency.key_published",
        objects={"agency_id": str(published["id"]), "key_id": key_id(public)},
    )
    return key_id(public)
