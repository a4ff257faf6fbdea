"""User keys, home keys and their grants, and clip keys; the hub only stores and routes them.

Every wrapped key is checked for layout (``envelope.check_wrapped_key``), every X25519
public key for a canonical encoding not of low order, and every user key's binding
signature; nothing here can, or tries to, open one. Each user key and each home key
list is an audit entry, which the routes serving them prove (``hub/audit/keyproof.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from doorstep.audit.entries import key_label
from doorstep.crypto.envelope import check_wrapped_key
from doorstep.crypto.format import box_parameters
from doorstep.crypto.keylist import SignedKeyList
from doorstep.crypto.keys import check_x25519_public, ed25519_public, key_id
from doorstep.crypto.signing_keys import verify_binding
from doorstep.errors import Conflict, CryptoError, InvalidInput, NotFound
from doorstep.hub.accounts.models import User
from doorstep.hub.audit.service import actor_of, append_entry, append_home_entry
from doorstep.hub.clips.models import Clip, ClipPart, PartName
from doorstep.hub.db import utcnow
from doorstep.hub.homes.models import Home, HomeMember, HouseholdRole
from doorstep.hub.homes.service import membership
from doorstep.hub.keys.lists import store_list
from doorstep.hub.keys.models import (
    ClipKey,
    HomeKey,
    HomeKeyGrant,
    KeyScope,
    RecipientKind,
    UserKey,
)


@dataclass(frozen=True)
class Grant:
    user_key_id: str
    wrapped_key: bytes


def checked_public_key(raw: bytes, field: str) -> bytes:
    """``raw`` if it is a canonical X25519 public key not of low order; else InvalidInput."""
    try:
        return check_x25519_public(raw)
    except CryptoError as exc:
        raise InvalidInput(f"{field}: {exc.detail}", field=field) from exc


def checked_signing_key(
    public_key: bytes, signing_key: bytes, binding: bytes
) -> tuple[bytes, bytes]:
    """The signing key and binding signature, if the signature binds it to ``public_key``."""
    try:
        ed25519_public(signing_key)
    except CryptoError as exc:
        raise InvalidInput(f"signing_key: {exc.detail}", field="signing_key") from exc
    try:
        verify_binding(public_key, signing_key, binding)
    except CryptoError as exc:
        raise InvalidInput(f"binding_signature: {exc.detail}", field="binding_signature") from exc
    return signing_key, binding


def checked_wrapped_key(wrapped: bytes, field: str) -> bytes:
    try:
        check_wrapped_key(wrapped)
    except CryptoError as exc:
        raise InvalidInput(f"{field}: {exc.detail}", field=field) from exc
    return wrapped


def set_user_key(
    session: Session,
    *,
    user: User,
    public_key: bytes,
    box: bytes,
    signing_key: bytes,
    binding_signature: bytes,
) -> UserKey:
    """Store the caller's public keys and passphrase box; a new key drops the old one's grants."""
    public_key = checked_public_key(public_key, "public_key")
    signing_key, binding_signature = checked_signing_key(public_key, signing_key, binding_signature)
    try:
        box_parameters(box)
    except CryptoError as exc:
        raise InvalidInput(f"private_key_box: {exc.detail}", field="private_key_box") from exc
    new_id = key_id(public_key)
    current = session.scalar(select(UserKey).where(UserKey.user_id == user.id))
    if current is not None:
        if current.id == new_id:
            if current.signing_key != signing_key:
                raise InvalidInput(
                    "signing_key: this public key was published with another signing key; "
                    "the signing key is derived from the private key",
                    field="signing_key",
                )
            current.private_key_box = box  # a new passphrase for the same keys
            return current
        # Whatever was wrapped to the old key is useless now: its grants go with it (cascade),
        # and so do clips shared to it.
        session.execute(delete(ClipKey).where(ClipKey.recipient_key_id == current.id))
        session.delete(current)
        session.flush()
    taken = select(UserKey.id).where(UserKey.signing_key == signing_key)
    if session.get(UserKey, new_id) is not None or session.scalar(taken) is not None:
        raise Conflict("this public key belongs to another account; generate a new key")
    index = append_entry(
        session,
        action="user_key.published",
        actor=actor_of(session, user),
        objects={
            "label": key_label("user", user.id),
            "key_id": new_id,
            "signing_key_id": key_id(signing_key),
        },
    )
    row = UserKey(
        id=new_id,
        user_id=user.id,
        public_key=public_key,
        private_key_box=box,
        signing_key=signing_key,
        binding_signature=binding_signature,
        audit_index=index,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # another key for this account, stored meanwhile
        raise Conflict(
            "another key was published for this account at the same time; try again"
        ) from exc
    return row


def get_user_key(session: Session, *, user: User) -> UserKey:
    row = session.scalar(select(UserKey).where(UserKey.user_id == user.id))
    if row is None:
        raise NotFound("you have no key yet; create one with `doorstep keys generate`")
    return row


def member_keys(
    session: Session, *, user: User, home_id: uuid.UUID
) -> list[tuple[User, HouseholdRole, UserKey | None]]:
    """Each household member with their role and keys (None until they made them)."""
    membership(session, user=user, home_id=home_id)
    rows = session.execute(
        select(User, HomeMember.role, UserKey)
        .join(HomeMember, HomeMember.user_id == User.id)
        .outerjoin(UserKey, UserKey.user_id == User.id)
        .where(HomeMember.home_id == home_id)
        .order_by(HomeMember.created_at)
    ).all()
    return [(member, role, key) for member, role, key in rows]


def home_keys(
    session: Session, *, user: User, home_id: uuid.UUID
) -> tuple[Home, list[tuple[HomeKey, HomeKeyGrant | None]]]:
    """The home's keys, newest first, each with the caller's grant if they have one."""
    home, _ = membership(session, user=user, home_id=home_id)
    mine = select(UserKey.id).where(UserKey.user_id == user.id).scalar_subquery()
    rows = session.execute(
        select(HomeKey, HomeKeyGrant)
        .outerjoin(
            HomeKeyGrant,
            (HomeKeyGrant.home_key_id == HomeKey.id) & (HomeKeyGrant.user_key_id == mine),
        )
        .where(HomeKey.home_id == home_id)
        .order_by(HomeKey.created_at.desc())
    ).all()
    return home, [(key, grant) for key, grant in rows]


def current_home_key(session: Session, *, home_id: uuid.UUID) -> HomeKey | None:
    return session.scalar(
        select(HomeKey).where(HomeKey.home_id == home_id, HomeKey.retired_at.is_(None))
    )


def _member_key_ids(session: Session, home_id: uuid.UUID) -> set[str]:
    return set(
        session.scalars(
            select(UserKey.id)
            .join(HomeMember, HomeMember.user_id == UserKey.user_id)
            .where(HomeMember.home_id == home_id)
        )
    )


def rotate_home_key(
    session: Session,
    *,
    user: User,
    home_id: uuid.UUID,
    public_key: bytes,
    grants: Sequence[Grant],
    key_list: SignedKeyList,
) -> HomeKey:
    """Make a new current home key, wrapped to exactly the members who have keys, with the
    owner-signed key list that makes it current (stored in the same transaction)."""
    home, _ = membership(session, user=user, home_id=home_id, owner=True)
    public_key = checked_public_key(public_key, "public_key")
    members = _member_key_ids(session, home_id)
    given = {grant.user_key_id for grant in grants}
    if len(given) != len(grants):
        raise InvalidInput("grants: a member's key is listed twice", field="grants")
    if unknown := sorted(given - set(members)):
        raise InvalidInput(
            f"grants: key {unknown[0]} is not a current household member's key", field="grants"
        )
    if missing := sorted(set(members) - given):
        raise InvalidInput(
            f"grants: the household member with key {missing[0]} has no grant; "
            "wrap the new home key to every member",
            field="grants",
        )
    new_id = key_id(public_key)
    if session.get(HomeKey, new_id) is not None:
        raise Conflict("this home key exists already; generate a new one")
    session.execute(
        update(HomeKey)
        .where(HomeKey.home_id == home_id, HomeKey.retired_at.is_(None))
        .values(retired_at=utcnow())
    )
    row = HomeKey(id=new_id, home_id=home_id, public_key=public_key, created_by=user.id)
    session.add(row)
    session.flush()
    for index, grant in enumerate(grants):
        wrapped = checked_wrapped_key(grant.wrapped_key, f"grants[{index}].wrapped_key")
        session.add(
            HomeKeyGrant(home_key_id=new_id, user_key_id=grant.user_key_id, wrapped_key=wrapped)
        )
    home.key_rotation_due = False
    session.flush()
    append_home_entry(
        session,
        action="home_key.rotated",
        actor=user,
        home_id=home_id,
        objects={"home_key_id": new_id, "wrapped_for": len(grants)},
    )
    store_list(session, user=user, home_id=home_id, given=key_list, prefix="key_list.")
    return row


def grant_home_key(
    session: Session, *, user: User, home_id: uuid.UUID, home_key_id: str, grant: Grant
) -> HomeKeyGrant:
    """Give a household member a home key (current or older): the owner wrapped it for them."""
    membership(session, user=user, home_id=home_id, owner=True)
    home_key = session.get(HomeKey, home_key_id)
    if home_key is None or home_key.home_id != home_id:
        raise NotFound(f"home key {home_key_id} not found")
    if grant.user_key_id not in _member_key_ids(session, home_id):
        raise InvalidInput(
            f"user_key_id: {grant.user_key_id} is not a current household member's key",
            field="user_key_id",
        )
    wrapped = checked_wrapped_key(grant.wrapped_key, "wrapped_key")
    row = session.get(HomeKeyGrant, (home_key_id, grant.user_key_id))
    if row is None:
        row = HomeKeyGrant(
            home_key_id=home_key_id, user_key_id=grant.user_key_id, wrapped_key=wrapped
        )
        session.add(row)
    else:
        row.wrapped_key = wrapped
    session.flush()
    append_home_entry(
        session,
        action="home_key.granted",
        actor=user,
        home_id=home_id,
        objects={"home_key_id": home_key_id, "user_key_id": grant.user_key_id},
    )
    return row


def clip_keys_for(
    session: Session, *, user: User, clip: Clip, scope: KeyScope = KeyScope.CLIP
) -> list[ClipKey]:
    """The clip's wrapped keys that the caller can open: via a home key grant, or shared to them.

    ``scope`` picks the clip's own key or its blurred twin's.
    """
    mine = session.scalar(select(UserKey.id).where(UserKey.user_id == user.id))
    if mine is None:
        return []
    granted = select(HomeKeyGrant.home_key_id).where(HomeKeyGrant.user_key_id == mine)
    return list(
        session.scalars(
            select(ClipKey)
            .where(
                ClipKey.clip_id == clip.id,
                ClipKey.scope == scope,
                ClipKey.recipient_key_id.in_(granted) | (ClipKey.recipient_key_id == mine),
            )
            .order_by(ClipKey.created_at)
        )
    )


def share_clip(
    session: Session,
    *,
    user: User,
    clip: Clip,
    recipient_key_id: str,
    wrapped_key: bytes,
    scope: KeyScope = KeyScope.CLIP,
) -> ClipKey:
    """Record a re-wrap made on the owner's client for a household member's key.

    With ``scope`` twin, the key is the blurred twin's: the member opens the twin only.
    """
    if recipient_key_id not in _member_key_ids(session, clip.home_id):
        raise InvalidInput(
            f"recipient_key_id: {recipient_key_id} is not a household member's key",
            field="recipient_key_id",
        )
    wrapped = checked_wrapped_key(wrapped_key, "wrapped_key")
    if scope == KeyScope.TWIN and not _has_twin(session, clip):
        raise NotFound(f"clip {clip.id} has no blurred twin")
    row = session.get(ClipKey, (clip.id, recipient_key_id, scope))
    if row is None:
        row = ClipKey(
            clip_id=clip.id,
            recipient_key_id=recipient_key_id,
            recipient_kind=RecipientKind.USER,
            wrapped_key=wrapped,
            shared_by=user.id,
            scope=scope,
        )
        session.add(row)
    else:
        row.wrapped_key, row.shared_by = wrapped, user.id
    session.flush()
    append_entry(
        session,
        action="clip.shared",
        actor=actor_of(session, user),
        objects=_shared_objects(clip, recipient_key_id, scope),
    )
    return row


def unshare_clip(
    session: Session,
    *,
    user: User,
    clip: Clip,
    recipient_key_id: str,
    scope: KeyScope = KeyScope.CLIP,
) -> None:
    row = session.get(ClipKey, (clip.id, recipient_key_id, scope))
    if row is None or row.recipient_kind == RecipientKind.HOME:
        what = "its blurred twin" if scope == KeyScope.TWIN else f"clip {clip.id}"
        raise NotFound(f"{what} is not shared with key {recipient_key_id}")
    session.delete(row)
    append_entry(
        session,
        action="clip.unshared",
        actor=actor_of(session, user),
        objects=_shared_objects(clip, recipient_key_id, scope),
    )


def _shared_objects(clip: Clip, recipient_key_id: str, scope: KeyScope) -> dict[str, str]:
    objects = {"clip_id": str(clip.id), "recipient_key_id": recipient_key_id}
    if scope != KeyScope.CLIP:
        objects["scope"] = scope.value  # entries of clip keys read as they always did
    return objects


def _has_twin(session: Session, clip: Clip) -> bool:
    twin = PartName.TWIN_CLIP
    return session.get(ClipPart, (clip.home_id, clip.id, twin)) is not None


def record_edge_keys(
    session: Session, *, clip: Clip, keys: Sequence[tuple[str, bytes, KeyScope]]
) -> list[ClipKey]:
    """Store the wrapped keys an edge sent with its commit; each must be for a home key."""
    home_key_ids = set(session.scalars(select(HomeKey.id).where(HomeKey.home_id == clip.home_id)))
    rows = []
    for index, (recipient, wrapped, scope) in enumerate(keys):
        if recipient not in home_key_ids:
            raise InvalidInput(
                f"keys[{index}].recipient_key_id: {recipient} is not one of this home's keys",
                field=f"keys[{index}].recipient_key_id",
            )
        if any((recipient, scope) == (earlier, seen) for earlier, _, seen in keys[:index]):
            raise InvalidInput(
                f"keys[{index}].recipient_key_id: {recipient} is given twice for the "
                f"{scope.value} key; wrap each key to it once",
                field=f"keys[{index}].recipient_key_id",
            )
        row = ClipKey(
            clip_id=clip.id,
            recipient_key_id=recipient,
            recipient_kind=RecipientKind.HOME,
            wrapped_key=checked_wrapped_key(wrapped, f"keys[{index}].wrapped_key"),
            scope=scope,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows
