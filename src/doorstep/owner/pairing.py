"""Pairing an edge device from the owner's client: a code with a secret, then a signed list.

The client makes the code's secret part and gives the hub only a tag of the owner's
signing key made with it. The device typed the whole code, so its pairing tag proves it
saw the secret: only then does the owner sign the next key list with the device in it
(``docs/crypto-format.md``, Pairing code).
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.audit.keyproof import KeyAlarm
from doorstep.crypto.keylist import ListedDevice, sign_list, with_device
from doorstep.crypto.keys import ed25519_public, fingerprint, key_id, public_raw
from doorstep.crypto.pairing import (
    check_tag,
    device_tag,
    format_code,
    new_secret,
    normalize_code,
    owner_tag,
)
from doorstep.crypto.signing_keys import signing_key_of
from doorstep.errors import CryptoError
from doorstep.owner.api import HubApi
from doorstep.owner.keys import b64, expect_pinned, signed_list
from doorstep.owner.trust import KeyChecker


@dataclass(frozen=True)
class PairingCode:
    """A code the owner shows: the hub's part and the secret only this client knows."""

    id: uuid.UUID
    home_id: uuid.UUID
    code: str
    secret: str
    expires_at: datetime


def issue_pairing_code(api: HubApi, home_id: uuid.UUID, user_key: X25519PrivateKey) -> PairingCode:
    """A new pairing code for ``home_id``; the hub stores only the owner tag."""
    secret = new_secret()
    signing = public_raw(signing_key_of(user_key).public_key())
    record = api.call(
        "POST",
        f"/v1/homes/{home_id}/pairing-codes",
        json={"owner_tag": b64(owner_tag(secret, home_id, signing))},
    )
    return PairingCode(
        id=uuid.UUID(record["id"]),
        home_id=home_id,
        code=format_code(normalize_code(record["code"]) + secret),
        secret=secret,
        expires_at=datetime.fromisoformat(record["expires_at"]),
    )


def paired_device(api: HubApi, code: PairingCode) -> dict[str, Any] | None:
    """The device the hub says paired with ``code``, or None yet."""
    devices = api.call("GET", f"/v1/homes/{code.home_id}/devices")["data"]
    found: dict[str, Any] | None = next(
        (d for d in devices if d.get("pairing_code_id") == str(code.id)), None
    )
    return found


def accept_device(
    api: HubApi, user_key: X25519PrivateKey, code: PairingCode, device: dict[str, Any]
) -> ListedDevice:
    """Sign the next key list with ``device`` in it, once its pairing tag checks.

    KeyAlarm, and nothing signed, when the tag does not match: the key the hub shows
    is not the key of the device the code was typed on.
    """
    public = base64.b64decode(device["public_key"])
    ed25519_public(public)
    shown = fingerprint(key_id(public))
    given = base64.b64decode(device["pairing_tag"]) if device.get("pairing_tag") else b""
    try:
        check_tag(device_tag(code.secret, code.home_id, public), given)
    except CryptoError as exc:
        raise KeyAlarm(
            f"device {device['id']} with key {shown} paired with this code, but its pairing "
            "tag does not match the code: it is not the device the code was typed on; "
            "nothing was signed"
        ) from exc
    checker = KeyChecker(api)
    me = checker.me(user_key)
    listed = ListedDevice(uuid.UUID(device["id"]), key_id(public), public, revoked=False)
    added = with_device(signed_list(checker, code.home_id, me), listed)
    signed = sign_list(added, signing_key_of(user_key))
    api.call("PUT", f"/v1/homes/{code.home_id}/key-list", json=signed.to_json())
    expect_pinned(checker, code.home_id, me, signed.version)
    return listed
