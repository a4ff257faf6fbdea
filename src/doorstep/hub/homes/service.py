"""Homes, households and cameras.

Everything is looked up through the caller's membership: a home the caller does not
belong to is NotFound, never PermissionDenied, so its existence isn't revealed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Protocol, TypeVar

import h3
from sqlalchemy import ColumnElement, Select, delete, func, select
from sqlalchemy.orm import Session

from doorstep.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from doorstep.hub.accounts.models import Role, User
from doorstep.hub.audit.service import append_home_entry, append_home_subject_entry
from doorstep.hub.clips.models import Clip
from doorstep.hub.homes.models import Camera, Home, HomeMember, HouseholdRole
from doorstep.hub.keys.models import ClipKey, HomeKey, HomeKeyGrant, UserKey

PUBLIC_CELL_RESOLUTION = 8
MATCH_CELL_RESOLUTION = 10


class InHome(Protocol):
    home_id: uuid.UUID


InHomeT = TypeVar("InHomeT", bound=InHome)


def public_cell(latitude: float, longitude: float) -> str:
    """The coarse H3 cell that is all anyone outside the home learns of a camera's place."""
    return str(h3.latlng_to_cell(latitude, longitude, PUBLIC_CELL_RESOLUTION))


def match_cell(latitude: float, longitude: float) -> str:
    """The fine H3 cell request matching looks cameras up by; never shown to anyone."""
    return str(h3.latlng_to_cell(latitude, longitude, MATCH_CELL_RESOLUTION))


def _clips_going(session: Session, condition: ColumnElement[bool]) -> int:
    """How many clips a deletion takes along (crypto-shredded: their keys cascade too)."""
    return int(session.scalar(select(func.count()).select_from(Clip).where(condition)) or 0)


def membership(
    session: Session, *, user: User, home_id: uuid.UUID, owner: bool = False
) -> tuple[Home, HomeMember]:
    row = session.execute(
        select(Home, HomeMember)
        .join(HomeMember, HomeMember.home_id == Home.id)
        .where(Home.id == home_id, HomeMember.user_id == user.id)
    ).first()
    if row is None:
        raise NotFound(f"home {home_id} not found")
    home, member = row
    if owner and member.role != HouseholdRole.OWNER:
        raise PermissionDenied("only the home's owner can do this")
    return home, member


def owned_home_ids(user: User) -> Select[uuid.UUID]:
    """The ids of the homes ``user`` owns, to filter other tables by."""
    return select(HomeMember.home_id).where(
        HomeMember.user_id == user.id, HomeMember.role == HouseholdRole.OWNER
    )


def home_owner_ids(session: Session, home_id: uuid.UUID) -> list[uuid.UUID]:
    """The home's owners' user ids, in a stable order."""
    return list(
        session.scalars(
            select(HomeMember.user_id)
            .where(HomeMember.home_id == home_id, HomeMember.role == HouseholdRole.OWNER)
            .order_by(HomeMember.user_id)
        )
    )


def create_home(session: Session, *, user: User, name: str, retention_days: int) -> Home:
    home = Home(name=name, retention_days=retention_days)
    session.add(home)
    session.flush()
    session.add(HomeMember(home_id=home.id, user_id=user.id, role=HouseholdRole.OWNER))
    session.flush()
    return home


def list_homes(session: Session, *, user: User) -> list[tuple[Home, HomeMember]]:
    rows = session.execute(
        select(Home, HomeMember)
        .join(HomeMember, HomeMember.home_id == Home.id)
        .where(HomeMember.user_id == user.id)
        .order_by(Home.created_at, Home.id)
    )
    return [(home, member) for home, member in rows]


def update_home(
    session: Session, *, user: User, home_id: uuid.UUID, changes: Mapping[str, object]
) -> tuple[Home, HomeMember]:
    home, member = membership(session, user=user, home_id=home_id, owner=True)
    _apply(home, changes)
    return home, member


def delete_home(session: Session, *, user: User, home_id: uuid.UUID) -> None:
    home, _ = membership(session, user=user, home_id=home_id, owner=True)
    clips = _clips_going(session, Clip.home_id == home_id)
    append_home_entry(
        session, action="home.deleted", actor=user, home_id=home_id, objects={"clips": clips}
    )
    session.delete(home)


def list_members(
    session: Session, *, user: User, home_id: uuid.UUID
) -> list[tuple[HomeMember, User]]:
    membership(session, user=user, home_id=home_id)
    rows = session.execute(
        select(HomeMember, User)
        .join(User, User.id == HomeMember.user_id)
        .where(HomeMember.home_id == home_id)
        .order_by(HomeMember.created_at)
    )
    return [(member, person) for member, person in rows]


def add_member(
    session: Session, *, user: User, home_id: uuid.UUID, email: str
) -> tuple[HomeMember, User]:
    membership(session, user=user, home_id=home_id, owner=True)
    invitee = session.scalar(
        select(User).where(User.email == email.strip().lower(), User.role == Role.RESIDENT)
    )
    if invitee is None:
        raise NotFound("email: no resident account has this email; ask them to register first")
    if session.get(HomeMember, (home_id, invitee.id)) is not None:
        raise Conflict(f"{invitee.email} is a member of this home already")
    member = HomeMember(home_id=home_id, user_id=invitee.id, role=HouseholdRole.MEMBER)
    session.add(member)
    session.flush()
    _append_member_entry(session, "home.member_added", user, home_id, invitee.id)
    return member, invitee


def _append_member_entry(
    session: Session, action: str, user: User, home_id: uuid.UUID, member_id: uuid.UUID
) -> None:
    append_home_subject_entry(
        session,
        action=action,
        actor=user,
        home_id=home_id,
        subject="member",
        kind="user",
        subject_id=member_id,
    )


def remove_member(
    session: Session, *, user: User, home_id: uuid.UUID, member_id: uuid.UUID
) -> None:
    membership(session, user=user, home_id=home_id, owner=True)
    member = session.get(HomeMember, (home_id, member_id))
    if member is None:
        raise NotFound(f"user {member_id} is not a member of this home")
    if member.role == HouseholdRole.OWNER:
        raise Conflict("the owner can't be removed; delete the home instead")
    session.delete(member)
    revoke_member_keys(session, home_id=home_id, user_id=member_id)
    _append_member_entry(session, "home.member_removed", user, home_id, member_id)


def create_camera(
    session: Session,
    *,
    user: User,
    home_id: uuid.UUID,
    name: str,
    latitude: float,
    longitude: float,
    audio_enabled: bool,
) -> Camera:
    membership(session, user=user, home_id=home_id, owner=True)
    camera = Camera(
        home_id=home_id,
        name=name,
        latitude=latitude,
        longitude=longitude,
        public_cell=public_cell(latitude, longitude),
        match_cell=match_cell(latitude, longitude),
        audio_enabled=audio_enabled,
    )
    session.add(camera)
    session.flush()
    return camera


def list_cameras(session: Session, *, user: User, home_id: uuid.UUID | None = None) -> list[Camera]:
    query = (
        select(Camera)
        .join(HomeMember, HomeMember.home_id == Camera.home_id)
        .where(HomeMember.user_id == user.id)
        .order_by(Camera.created_at, Camera.id)
    )
    if home_id is not None:
        membership(session, user=user, home_id=home_id)
        query = query.where(Camera.home_id == home_id)
    return list(session.scalars(query))


def in_callers_home(
    session: Session, *, user: User, row: InHomeT | None, name: str, owner: bool = False
) -> InHomeT:
    """``row`` if the caller belongs to its home (and owns it, with ``owner``).

    A row of another home is NotFound, exactly like a missing one.
    """
    if row is None:
        raise NotFound(f"{name} not found")
    try:
        membership(session, user=user, home_id=row.home_id, owner=owner)
    except NotFound:
        raise NotFound(f"{name} not found") from None
    return row


def get_camera(
    session: Session, *, user: User, camera_id: uuid.UUID, owner: bool = False
) -> Camera:
    return in_callers_home(
        session,
        user=user,
        row=session.get(Camera, camera_id),
        name=f"camera {camera_id}",
        owner=owner,
    )


def update_camera(
    session: Session, *, user: User, camera_id: uuid.UUID, changes: Mapping[str, object]
) -> Camera:
    """Apply the fields the caller sent; the public cell follows the location."""
    camera = get_camera(session, user=user, camera_id=camera_id, owner=True)
    _apply(camera, changes)
    camera.public_cell = public_cell(camera.latitude, camera.longitude)
    camera.match_cell = match_cell(camera.latitude, camera.longitude)
    return camera


def delete_camera(session: Session, *, user: User, camera_id: uuid.UUID) -> None:
    camera = get_camera(session, user=user, camera_id=camera_id, owner=True)
    append_home_subject_entry(
        session,
        action="camera.deleted",
        actor=user,
        home_id=camera.home_id,
        subject="camera",
        kind="camera",
        subject_id=camera.id,
        objects={"clips": _clips_going(session, Clip.camera_id == camera.id)},
    )
    session.delete(camera)


def _apply(row: object, changes: Mapping[str, object]) -> None:
    for field, value in changes.items():
        if value is None:
            raise InvalidInput(f"{field} can't be null; leave it out to keep it", field=field)
        setattr(row, field, value)


def revoke_member_keys(session: Session, *, home_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """A member leaves: their grants and clip shares in this home go; the home key must rotate."""
    user_key = session.scalar(select(UserKey.id).where(UserKey.user_id == user_id))
    if user_key is not None:
        home_key_ids = select(HomeKey.id).where(HomeKey.home_id == home_id)
        session.execute(
            delete(HomeKeyGrant).where(
                HomeKeyGrant.user_key_id == user_key, HomeKeyGrant.home_key_id.in_(home_key_ids)
            )
        )
        clip_ids = select(Clip.id).where(Clip.home_id == home_id)
        session.execute(
            delete(ClipKey).where(
                ClipKey.recipient_key_id == user_key, ClipKey.clip_id.in_(clip_ids)
            )
        )
    home = session.get(Home, home_id)
    if home is not None:
        home.key_rotation_due = True
