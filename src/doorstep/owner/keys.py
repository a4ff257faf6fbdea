"""Key operations on the owner's client: make, recover, wrap, rotate, open and share."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.crypto.decrypt import OpenedPart, open_part
from doorstep.crypto.envelope import clip_subject, home_subject, wrap_key
from doorstep.crypto.format import BoxParameters
from doorstep.crypto.keys import ed25519_public, key_id, private_raw, public_raw, x25519_private
from doorstep.crypto.keys import x25519_public as load_public
from doorstep.crypto.passphrase import DEFAULT_PARAMETERS, open_private_key, seal_private_key
from doorstep.crypto.unwrap import unwrap_key
from doorstep.errors import CryptoError, NotFound
from doorstep.owner.api import HubApi


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def publish_user_key(
    api: HubApi,
    passphrase: str,
    *,
    private: X25519PrivateKey | None = None,
    parameters: BoxParameters = DEFAULT_PARAMETERS,
) -> X25519PrivateKey:
    """Make a key pair here, seal the private key under ``passphrase`` and publish both."""
    private = private or X25519PrivateKey.generate()
    box = seal_private_key(private, passphrase, parameters=parameters)
    api.call(
        "PUT",
        "/v1/me/key",
        json={"public_key": b64(public_raw(private.public_key())), "private_key_box": b64(box)},
    )
    return private


def recover_user_key(api: HubApi, passphrase: str) -> X25519PrivateKey:
    """Fetch your passphrase box and open it here."""
    record = api.call("GET", "/v1/me/key")
    box = base64.b64decode(record["private_key_box"])
    return open_private_key(box, passphrase, expected_key_id=record["id"])


def rotate_home_key(api: HubApi, home_id: uuid.UUID) -> X25519PrivateKey:
    """A new home key, wrapped to every household member who has a key; returns it."""
    private = X25519PrivateKey.generate()
    subject = home_subject(key_id(private.public_key()))
    members = api.call("GET", f"/v1/homes/{home_id}/member-keys")["data"]
    grants = [
        {
            "user_key_id": member["key_id"],
            "wrapped_key": b64(
                wrap_key(
                    private_raw(private),
                    recipient=load_public(base64.b64decode(member["public_key"])),
                    subject=subject,
                )
            ),
        }
        for member in members
        if member["key_id"] is not None
    ]
    api.call(
        "POST",
        f"/v1/homes/{home_id}/keys",
        json={"public_key": b64(public_raw(private.public_key())), "grants": grants},
    )
    return private


def home_private_keys(
    api: HubApi, home_id: uuid.UUID, user_key: X25519PrivateKey
) -> dict[str, X25519PrivateKey]:
    """Every home key granted to you, opened with your user key, by home key id."""
    return _open_home_keys(api.call("GET", f"/v1/homes/{home_id}/keys")["keys"], user_key)


def _open_home_keys(
    listed: list[dict[str, Any]], user_key: X25519PrivateKey
) -> dict[str, X25519PrivateKey]:
    opened = {}
    for key in listed:
        if key["wrapped_for_me"] is None:
            continue
        wrapped = base64.b64decode(key["wrapped_for_me"])
        raw = unwrap_key(wrapped, recipient=user_key, subject=home_subject(key["id"]))
        opened[key["id"]] = x25519_private(raw)
    return opened


def grant_member(
    api: HubApi,
    home_id: uuid.UUID,
    user_key: X25519PrivateKey,
    member_id: uuid.UUID,
    *,
    history: bool = True,
) -> int:
    """Wrap the home's keys (all of them, or the current one) to a member; returns how many."""
    member = _member_key(api, home_id, member_id)
    listed = api.call("GET", f"/v1/homes/{home_id}/keys")["keys"]
    home_keys = _open_home_keys(listed, user_key)
    chosen = [k["id"] for k in listed if k["id"] in home_keys and (history or not k["retired_at"])]
    for home_key_id in chosen:
        wrapped = wrap_key(
            private_raw(home_keys[home_key_id]),
            recipient=load_public(base64.b64decode(member["public_key"])),
            subject=home_subject(home_key_id),
        )
        api.call(
            "PUT",
            f"/v1/homes/{home_id}/keys/{home_key_id}/grants/{member['key_id']}",
            json={"wrapped_key": b64(wrapped)},
        )
    return len(chosen)


def member_public_key(api: HubApi, home_id: uuid.UUID, member_id: uuid.UUID) -> bytes:
    return base64.b64decode(_member_key(api, home_id, member_id)["public_key"])


def _member_key(api: HubApi, home_id: uuid.UUID, member_id: uuid.UUID) -> dict[str, Any]:
    for member in api.call("GET", f"/v1/homes/{home_id}/member-keys")["data"]:
        if member["user_id"] == str(member_id):
            if member["key_id"] is None:
                raise NotFound(f"member {member_id} has no key yet; they must make one first")
            found: dict[str, Any] = member
            return found
    raise NotFound(f"user {member_id} is not a member of home {home_id}")


@dataclass(frozen=True)
class ClipAccess:
    content_key: bytes
    device_public: Ed25519PublicKey


def clip_access(api: HubApi, clip_id: uuid.UUID, user_key: X25519PrivateKey) -> ClipAccess:
    """The clip's content key, unwrapped here through a home key or a share to you."""
    record = api.call("GET", f"/v1/clips/{clip_id}/keys")
    if record["device_public_key"] is None:
        raise NotFound(f"clip {clip_id}'s device is gone; its signature can't be checked")
    mine = key_id(user_key.public_key())
    home_keys = home_private_keys(api, uuid.UUID(record["home_id"]), user_key)
    for key in record["keys"]:
        recipient = (
            user_key if key["recipient_key_id"] == mine else home_keys.get(key["recipient_key_id"])
        )
        if recipient is None:
            continue
        content_key = unwrap_key(
            base64.b64decode(key["wrapped_key"]), recipient=recipient, subject=clip_subject(clip_id)
        )
        return ClipAccess(
            content_key, ed25519_public(base64.b64decode(record["device_public_key"]))
        )
    raise CryptoError(f"none of clip {clip_id}'s keys is wrapped to a key you hold")


def open_clip_part(
    api: HubApi,
    clip_id: uuid.UUID,
    part: str,
    user_key: X25519PrivateKey,
    *,
    sealed: bytes | None = None,
) -> OpenedPart:
    """Open a part downloaded from the hub (or ``sealed``, a copy downloaded before)."""
    access = clip_access(api, clip_id, user_key)
    if sealed is None:
        sealed = api.download(f"/v1/clips/{clip_id}/parts/{part}")
    return open_part(
        sealed,
        content_key=access.content_key,
        clip_id=clip_id,
        part=part,
        device_public=access.device_public,
    )


def share_clip(
    api: HubApi, clip_id: uuid.UUID, user_key: X25519PrivateKey, recipient_public: bytes
) -> str:
    """Re-wrap the clip's key to another public key; the hub records it. Returns its key id."""
    access = clip_access(api, clip_id, user_key)
    wrapped = wrap_key(
        access.content_key, recipient=load_public(recipient_public), subject=clip_subject(clip_id)
    )
    recipient = key_id(recipient_public)
    api.call(
        "POST",
        f"/v1/clips/{clip_id}/keys",
        json={"recipient_key_id": recipient, "wrapped_key": b64(wrapped)},
    )
    return recipient
