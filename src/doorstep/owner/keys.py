"""Key operations on the owner's client: make, recover, wrap, rotate, open and share.

Nothing the hub serves is encrypted to or trusted before it checks here
(``owner/trust.py``): member keys by their ids, binding signatures and log proofs, and
home keys and device keys by the home key list an owner signed.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.audit.keyproof import KeyRefused
from doorstep.crypto.decrypt import OpenedPart, open_part
from doorstep.crypto.envelope import clip_subject, home_subject, wrap_key
from doorstep.crypto.format import TWIN_PARTS, BoxParameters
from doorstep.crypto.keylist import (
    KeyList,
    ListedHomeKey,
    Member,
    next_list,
    sign_list,
    with_home_key,
    with_member,
)
from doorstep.crypto.keys import (
    ed25519_public,
    fingerprint,
    key_id,
    private_raw,
    public_raw,
    x25519_private,
)
from doorstep.crypto.keys import x25519_public as load_public
from doorstep.crypto.passphrase import DEFAULT_PARAMETERS, open_private_key, seal_private_key
from doorstep.crypto.signing_keys import binding_signature, signing_key_of
from doorstep.crypto.unwrap import unwrap_key
from doorstep.errors import CryptoError, NotFound
from doorstep.owner.api import HubApi
from doorstep.owner.trust import KeyChecker, UserKey


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def publish_user_key(
    api: HubApi,
    passphrase: str,
    *,
    private: X25519PrivateKey | None = None,
    parameters: BoxParameters = DEFAULT_PARAMETERS,
    checker: KeyChecker | None = None,
) -> X25519PrivateKey:
    """Make a key pair here, seal the private key under ``passphrase`` and publish both.

    The signing key derived from it and their binding signature go with it; the hub's
    answer must prove the log holds exactly these keys. Both key ids are remembered as
    this client's own (``keys monitor``).
    """
    private = private or X25519PrivateKey.generate()
    box = seal_private_key(private, passphrase, parameters=parameters)
    checker = checker or KeyChecker(api)
    me = checker.me(private)
    checker.store.add_known_keys(me.key_id, me.signing_key_id)
    record = api.call(
        "PUT",
        "/v1/me/key",
        json={
            "public_key": b64(me.public_key),
            "private_key_box": b64(box),
            "signing_key": b64(me.signing_key),
            "binding_signature": b64(binding_signature(private)),
        },
    )
    checker.own_key(me, record)
    return private


def recover_user_key(api: HubApi, passphrase: str) -> X25519PrivateKey:
    """Fetch your passphrase box and open it here; the hub must serve your keys and proof."""
    record = api.call("GET", "/v1/me/key")
    box = base64.b64decode(record["private_key_box"])
    private = open_private_key(box, passphrase, expected_key_id=record["id"])
    checker = KeyChecker(api)
    me = checker.me(private)
    checker.own_key(me, record)
    checker.store.add_known_keys(me.key_id, me.signing_key_id)
    return private


def change_passphrase(
    api: HubApi, old: str, new: str, *, parameters: BoxParameters = DEFAULT_PARAMETERS
) -> X25519PrivateKey:
    """Seal your private key under ``new`` in place of ``old``: the same keys, a new box.

    The box the hub keeps is opened here with ``old`` (which proves it), sealed again
    under ``new`` and published; the hub's answer must still prove the log holds exactly
    your keys. Clips, grants and key lists are untouched: no key changed.
    """
    private = recover_user_key(api, old)
    return publish_user_key(api, new, private=private, parameters=parameters)


def _current_members(checker: KeyChecker, home_id: uuid.UUID, me: UserKey) -> list[UserKey]:
    """Every household member with a key, each checked; yours must be your own."""
    members = [key for _, key in checker.member_keys(home_id) if key is not None]
    for member in members:
        if member.user_id == me.user_id and member.key_id != me.key_id:
            raise KeyRefused(
                f"the hub lists key {member.key_id} as yours, but yours is {me.key_id}"
            )
    return members


def _listed(previous: KeyList | None, member: UserKey, me: UserKey) -> Member:
    """A member as the next list names them: owners stay owners; you own a first list."""
    before = previous.member(member.user_id) if previous else None
    owner = before.owner if before else previous is None and member.user_id == me.user_id
    return member.member(owner=owner)


def _rotated_list(
    previous: KeyList | None,
    home_id: uuid.UUID,
    public: bytes,
    members: Sequence[UserKey],
    me: UserKey,
) -> KeyList:
    """The next list: ``public`` the current home key, the members those who get it."""
    listed = [_listed(previous, m, me) for m in members]
    if previous is None:
        first = ListedHomeKey(key_id(public), public, version=1, retired=False)
        return next_list(None, home_id=home_id, members=listed, home_keys=[first])
    kept = {m.user_id for m in listed}
    return next_list(
        previous,
        home_id=home_id,
        members=listed,
        home_keys=with_home_key(previous, public).home_keys,
        removed=[(m.user_id, m.key_id) for m in previous.members if m.user_id not in kept],
    )


def rotate_home_key(
    api: HubApi, home_id: uuid.UUID, user_key: X25519PrivateKey
) -> X25519PrivateKey:
    """Owner: a new home key, wrapped to every member whose key checks, in a signed list.

    The list you sign names the new key as current and exactly the members it is
    wrapped to (a member gone since the last list is named as removed).
    """
    checker = KeyChecker(api)
    me = checker.me(user_key)
    previous = checker.key_list(home_id, me)
    members = _current_members(checker, home_id, me)
    private = X25519PrivateKey.generate()
    public = public_raw(private.public_key())
    home_key_id = key_id(public)
    signed = sign_list(
        _rotated_list(previous, home_id, public, members, me), signing_key_of(user_key)
    )
    grants = [
        {
            "user_key_id": member.key_id,
            "wrapped_key": b64(
                wrap_key(
                    private_raw(private),
                    recipient=load_public(member.public_key),
                    subject=home_subject(home_key_id),
                )
            ),
        }
        for member in members
    ]
    checker.store.add_known_keys(home_key_id)
    api.call(
        "POST",
        f"/v1/homes/{home_id}/keys",
        json={"public_key": b64(public), "grants": grants, "key_list": signed.to_json()},
    )
    expect_pinned(checker, home_id, me, signed.version)
    return private


def expect_pinned(checker: KeyChecker, home_id: uuid.UUID, me: UserKey, version: int) -> KeyList:
    """The list just signed, fetched back with its proof and pinned."""
    newest = checker.key_list(home_id, me)
    if newest is None or newest.version != version:
        raise KeyRefused(
            f"the hub does not serve the key list version {version} just signed for home {home_id}"
        )
    return newest


def signed_list(checker: KeyChecker, home_id: uuid.UUID, me: UserKey) -> KeyList:
    """The home's newest owner-signed key list, verified here; CryptoError if none yet."""
    key_list = checker.key_list(home_id, me)
    if key_list is None:
        raise CryptoError(
            f"home {home_id} has no owner-signed key list yet: its owner runs "
            "`doorstep keys rotate`"
        )
    return key_list


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
        private = x25519_private(
            unwrap_key(wrapped, recipient=user_key, subject=home_subject(key["id"]))
        )
        if key_id(private.public_key()) != key["id"]:
            raise CryptoError(
                f"home key {key['id']}: the private key wrapped to you is another key's "
                f"({key_id(private.public_key())})"
            )
        opened[key["id"]] = private
    return opened


def grant_member(
    api: HubApi,
    home_id: uuid.UUID,
    user_key: X25519PrivateKey,
    member_id: uuid.UUID,
    *,
    history: bool = True,
) -> int:
    """Wrap the home's keys (all of them, or the current one) to a member; returns how many.

    The member's key must check first; a member not yet in the home's key list (or
    with a new key) is added to it in a list you sign, before anything is wrapped.
    """
    checker = KeyChecker(api)
    me = checker.me(user_key)
    member = _member_key(checker, home_id, member_id)
    key_list = signed_list(checker, home_id, me)
    listed = key_list.member(member_id)
    if listed is None or listed.key_id != member.key_id:
        added = with_member(key_list, _listed(key_list, member, me))
        signed = sign_list(added, signing_key_of(user_key))
        api.call("PUT", f"/v1/homes/{home_id}/key-list", json=signed.to_json())
        key_list = expect_pinned(checker, home_id, me, signed.version)
    home_keys = home_private_keys(api, home_id, user_key)
    chosen = [k.id for k in key_list.home_keys if k.id in home_keys and (history or not k.retired)]
    for home_key_id in chosen:
        wrapped = wrap_key(
            private_raw(home_keys[home_key_id]),
            recipient=load_public(member.public_key),
            subject=home_subject(home_key_id),
        )
        api.call(
            "PUT",
            f"/v1/homes/{home_id}/keys/{home_key_id}/grants/{member.key_id}",
            json={"wrapped_key": b64(wrapped)},
        )
    return len(chosen)


def remove_member(
    api: HubApi, home_id: uuid.UUID, user_key: X25519PrivateKey, member_id: uuid.UUID
) -> X25519PrivateKey:
    """Owner: remove a member, then rotate the home key in a list that names them removed."""
    api.call("DELETE", f"/v1/homes/{home_id}/members/{member_id}")
    return rotate_home_key(api, home_id, user_key)


def member_public_key(api: HubApi, home_id: uuid.UUID, member_id: uuid.UUID) -> bytes:
    """A household member's X25519 public key, once it checks."""
    return _member_key(KeyChecker(api), home_id, member_id).public_key


def _member_key(checker: KeyChecker, home_id: uuid.UUID, member_id: uuid.UUID) -> UserKey:
    rows = checker.api.call("GET", f"/v1/homes/{home_id}/member-keys")["data"]
    row = next((r for r in rows if r["user_id"] == str(member_id)), None)
    if row is None:
        raise NotFound(f"user {member_id} is not a member of home {home_id}")
    key = checker.member_key(row)
    if key is None:
        raise NotFound(f"member {member_id} has no key yet; they must make one first")
    return key


@dataclass(frozen=True)
class ClipAccess:
    content_key: bytes
    device_public: Ed25519PublicKey


def clip_access(
    api: HubApi, clip_id: uuid.UUID, user_key: X25519PrivateKey, *, twin: bool = False
) -> ClipAccess:
    """The clip's content key (or, with ``twin``, its blurred twin's), unwrapped here
    through a home key or a share to you.

    The device key its signature is checked with must be a device in the home's
    owner-signed key list, whatever key the hub serves.
    """
    scope = "twin" if twin else "clip"
    record = api.call("GET", f"/v1/clips/{clip_id}/keys?scope={scope}")
    if record["device_public_key"] is None:
        raise NotFound(f"clip {clip_id}'s device is gone; its signature can't be checked")
    home_id = uuid.UUID(record["home_id"])
    device_public = base64.b64decode(record["device_public_key"])
    checker = KeyChecker(api)
    if signed_list(checker, home_id, checker.me(user_key)).device(device_public) is None:
        raise CryptoError(
            f"clip {clip_id} is signed by device key {fingerprint(key_id(device_public))}, "
            f"which is not in home {home_id}'s owner-signed key list: refused"
        )
    mine = key_id(user_key.public_key())
    home_keys = home_private_keys(api, home_id, user_key)
    for key in record["keys"]:
        recipient = (
            user_key if key["recipient_key_id"] == mine else home_keys.get(key["recipient_key_id"])
        )
        if recipient is None:
            continue
        content_key = unwrap_key(
            base64.b64decode(key["wrapped_key"]), recipient=recipient, subject=clip_subject(clip_id)
        )
        return ClipAccess(content_key, ed25519_public(device_public))
    raise CryptoError(f"none of clip {clip_id}'s keys is wrapped to a key you hold")


def open_clip_part(
    api: HubApi,
    clip_id: uuid.UUID,
    part: str,
    user_key: X25519PrivateKey,
    *,
    sealed: bytes | None = None,
) -> OpenedPart:
    """Open a part downloaded from the hub (or ``sealed``, a copy downloaded before).

    The blurred twin's parts open with the twin's key, the others with the clip's.
    """
    access = clip_access(api, clip_id, user_key, twin=part in TWIN_PARTS)
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
