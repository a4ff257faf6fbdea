"""Legal demands: recorded by an admin, served with ciphertext only, owners notified.

Recording a demand writes, in one transaction, the demand, one notice and one
notification per owner of the home, and its audit entries. A notice is due at once,
or when a recorded non-disclosure order ends: its notification is written now with
``visible_from`` at that moment, so it appears exactly then with no job that has to
run on time; :func:`deliver_due_notices` (a periodic task) then logs it as given.

Every audit entry about a demand keeps ``demand_id`` in its private details too, so
the demand's entries (its custody log) are found by action and id. The home is
published as its pseudonym only once its owners may know of the demand: on
``demand.recorded`` when the notice is not delayed, and on each
``demand.owner_notified``. An owner can learn their home's pseudonym from entries
about their own actions, so publishing it earlier would break the court's order.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from doorstep.audit.actions import (
    DEMAND_ID,
    DEMAND_OWNER_NOTIFIED,
    DEMAND_RECORDED,
    DEMAND_SERVED,
    NOTICE_DELAYED_UNTIL,
)
from doorstep.errors import Conflict, InvalidInput, NotFound
from doorstep.evidence.package import write_package
from doorstep.hub.accounts.models import User
from doorstep.hub.audit.checkpoints import log_key, log_private_key
from doorstep.hub.audit.custody import checkpoint_covering, custody_log
from doorstep.hub.audit.models import AuditEntry
from doorstep.hub.audit.service import NewEntry, actor_of, append_entries, pseudonymous
from doorstep.hub.clips.evidence import package_clips
from doorstep.hub.clips.models import Clip, ClipPart
from doorstep.hub.db import utcnow
from doorstep.hub.demands.models import DemandKind, DemandNotice, LegalDemand
from doorstep.hub.homes.models import Camera, Home
from doorstep.hub.homes.service import home_owner_ids, owned_home_ids
from doorstep.hub.notifications.service import notify
from doorstep.hub.storage.base import BlobStore

# Every download of a demand's package; the first one is also ``demand.served``.
DEMAND_PACKAGE_DOWNLOADED = "demand.package_downloaded"
DEMAND_ACTIONS = (DEMAND_RECORDED, DEMAND_OWNER_NOTIFIED, DEMAND_SERVED, DEMAND_PACKAGE_DOWNLOADED)
NOTIFICATION_KIND = "legal_demand"
HOME = "home"


@dataclass(frozen=True)
class OwnerDemand:
    """A demand as its home's owner sees it, with the clips handed over so far."""

    demand: LegalDemand
    handed_over: list[uuid.UUID]


def _private(demand_id: uuid.UUID, **details: object) -> dict[str, object]:
    return {"demand_id": str(demand_id), **details}


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _check_scope(
    session: Session,
    *,
    home_id: uuid.UUID,
    camera_id: uuid.UUID | None,
    window_start: datetime,
    window_end: datetime,
    notice_delayed_until: datetime | None,
    now: datetime,
) -> tuple[Home, Camera | None]:
    home = session.get(Home, home_id)
    if home is None:
        raise InvalidInput(f"home_id: there is no home {home_id}", field="home_id")
    camera = session.get(Camera, camera_id) if camera_id is not None else None
    if camera_id is not None and (camera is None or camera.home_id != home_id):
        raise InvalidInput(
            f"camera_id: camera {camera_id} is not a camera of home {home_id}", field="camera_id"
        )
    if window_end <= window_start:
        raise InvalidInput(
            f"window_end ({window_end.isoformat()}) must be after window_start "
            f"({window_start.isoformat()})",
            field="window_end",
        )
    if notice_delayed_until is not None and notice_delayed_until <= now:
        raise InvalidInput(
            f"notice_delayed_until ({notice_delayed_until.isoformat()}) must be in the future",
            field="notice_delayed_until",
        )
    return home, camera


def notice_message(demand: LegalDemand, home: Home, camera: Camera | None) -> str:
    kind = DemandKind(demand.kind).value.replace("_", " ")
    where = f"camera “{camera.name}”" if camera is not None else "every camera"
    delayed = (
        f" A court order delayed this notice until {_when(demand.notice_delayed_until)}."
        if demand.notice_delayed_until is not None
        else ""
    )
    return (
        f"Legal demand on your home “{home.name}”: a {kind} from {demand.authority} "
        f"(reference {demand.reference}) for footage of {where} from "
        f"{_when(demand.window_start)} to {_when(demand.window_end)}.{delayed} "
        "Doorstep can hand over only the encrypted clips it stores: it holds no key "
        "that opens them, so it can't decrypt them for anyone."
    )


def record_demand(
    session: Session,
    *,
    admin: User,
    authority: str,
    kind: DemandKind,
    reference: str,
    document_sha256: str,
    home_id: uuid.UUID,
    camera_id: uuid.UUID | None,
    window_start: datetime,
    window_end: datetime,
    notice_delayed_until: datetime | None,
    notes: str | None,
    now: datetime | None = None,
) -> LegalDemand:
    """Record the demand, its owners' notices and notifications, and its audit entries."""
    now = now or utcnow()
    home, camera = _check_scope(
        session,
        home_id=home_id,
        camera_id=camera_id,
        window_start=window_start,
        window_end=window_end,
        notice_delayed_until=notice_delayed_until,
        now=now,
    )
    demand = LegalDemand(
        authority=authority,
        kind=kind,
        reference=reference,
        document_sha256=document_sha256.lower(),
        home_id=home_id,
        camera_id=camera_id,
        window_start=window_start,
        window_end=window_end,
        notice_delayed_until=notice_delayed_until,
        notes=notes,
        recorded_by=admin.id,
        created_at=now,
    )
    session.add(demand)
    session.flush()
    owners = home_owner_ids(session, home_id)
    notify_at = notice_delayed_until or now
    due = notice_delayed_until is None
    notices = [
        DemandNotice(
            demand_id=demand.id,
            user_id=owner,
            notify_at=notify_at,
            notified_at=now if due else None,
        )
        for owner in owners
    ]
    session.add_all(notices)
    notify(
        session,
        user_ids=owners,
        kind=NOTIFICATION_KIND,
        message=notice_message(demand, home, camera),
        subject_id=demand.id,
        urgent=True,
        visible_from=notify_at,
    )
    recorded = NewEntry(
        action=DEMAND_RECORDED,
        actor=actor_of(session, admin),
        objects={
            DEMAND_ID: str(demand.id),
            NOTICE_DELAYED_UNTIL: notice_delayed_until.astimezone(UTC).date().isoformat()
            if notice_delayed_until is not None
            else None,
            "authority": authority,
            "kind": DemandKind(kind).value,
            HOME: pseudonymous(session, "home", home_id) if due else None,
        },
        private=_private(
            demand.id,
            home_id=str(home_id),
            camera_id=str(camera_id) if camera_id is not None else None,
            reference=reference,
        ),
    )
    notified = _notified_entries(session, demand, owners if due else [])
    append_entries(session, [recorded, *notified])
    return demand


def _notified_entries(
    session: Session, demand: LegalDemand, owners: Iterable[uuid.UUID]
) -> list[NewEntry]:
    home = pseudonymous(session, "home", demand.home_id) if demand.home_id is not None else None
    return [
        NewEntry(
            action=DEMAND_OWNER_NOTIFIED,
            actor=actor_of(session, None),
            objects={DEMAND_ID: str(demand.id), HOME: home},
            private=_private(demand.id, user_id=str(owner)),
        )
        for owner in owners
    ]


def deliver_due_notices(session: Session, *, now: datetime | None = None) -> int:
    """Log every delayed notice whose time has come as given; returns how many.

    Each notice is claimed by one UPDATE, so two workers never log it twice. Its
    notification has been visible since ``notify_at`` already.
    """
    now = now or utcnow()
    claimed = session.execute(
        update(DemandNotice)
        .where(DemandNotice.notified_at.is_(None), DemandNotice.notify_at <= now)
        .values(notified_at=now)
        .returning(DemandNotice.demand_id, DemandNotice.user_id, DemandNotice.notify_at)
        .execution_options(synchronize_session=False)
    ).all()
    if not claimed:
        return 0
    demands = {
        row.id: row
        for row in session.scalars(
            select(LegalDemand).where(LegalDemand.id.in_({row[0] for row in claimed}))
        )
    }
    entries: list[NewEntry] = []
    for demand_id, user_id, _ in sorted(claimed, key=lambda row: (row[2], row[0], row[1])):
        entries.extend(_notified_entries(session, demands[demand_id], [user_id]))
    append_entries(session, entries)
    return len(claimed)


def get_demand(session: Session, *, demand_id: uuid.UUID) -> LegalDemand:
    demand = session.get(LegalDemand, demand_id)
    if demand is None:
        raise NotFound(f"legal demand {demand_id} not found")
    return demand


def list_demands(session: Session, *, limit: int = 100) -> list[LegalDemand]:
    return list(
        session.scalars(
            select(LegalDemand).order_by(LegalDemand.created_at.desc(), LegalDemand.id).limit(limit)
        )
    )


def notices_of(
    session: Session, demand_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[DemandNotice]]:
    found: dict[uuid.UUID, list[DemandNotice]] = {demand_id: [] for demand_id in demand_ids}
    rows = session.scalars(
        select(DemandNotice)
        .where(DemandNotice.demand_id.in_(list(found)))
        .order_by(DemandNotice.user_id)
    )
    for row in rows:
        found[row.demand_id].append(row)
    return found


def demand_entries(
    session: Session, demand_id: uuid.UUID, actions: Sequence[str] = DEMAND_ACTIONS
) -> list[AuditEntry]:
    """The demand's audit entries in log order (few: the action index narrows the search)."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.action.in_(actions),
                AuditEntry.private.contains(
                    json.dumps({"demand_id": str(demand_id)})[1:-1], autoescape=True
                ),
            )
            .order_by(AuditEntry.index)
        )
    )


def _details(entry: AuditEntry) -> dict[str, Any]:
    details: dict[str, Any] = json.loads(entry.private or "{}")
    return details


def scope_camera(session: Session, demand: LegalDemand) -> uuid.UUID | None:
    """The camera the demand was recorded for, even after the camera was deleted.

    Deleting a camera clears ``camera_id`` on the demand; the scope must not widen to
    the whole home then, so the recorded entry's private details are the record.
    """
    if demand.camera_id is not None:
        return demand.camera_id
    for entry in demand_entries(session, demand.id, [DEMAND_RECORDED]):
        camera = _details(entry).get("camera_id")
        return uuid.UUID(camera) if camera else None
    return None


def clips_in_scope(session: Session, demand: LegalDemand) -> list[Clip]:
    """The home's stored clips (of the camera, if one was named) that overlap the window.

    A clip that reaches past the window is handed over whole: the hub can't cut
    ciphertext. Its start and end travel in the package.
    """
    if demand.home_id is None:
        return []
    query = select(Clip).where(
        Clip.home_id == demand.home_id,
        Clip.started_at < demand.window_end,
        Clip.ended_at > demand.window_start,
    )
    camera_id = scope_camera(session, demand)
    if camera_id is not None:
        query = query.where(Clip.camera_id == camera_id)
    return list(session.scalars(query.order_by(Clip.started_at, Clip.id)))


def _require_stored(session: Session, storage: BlobStore, clips: Sequence[Clip]) -> None:
    """Refuse before anything is logged, rather than log a handover that then fails."""
    if not clips:
        return
    keys = session.scalars(
        select(ClipPart.blob_key).where(ClipPart.clip_id.in_([clip.id for clip in clips]))
    )
    for key in keys:
        if not storage.exists(key):
            raise NotFound(f"stored part {key} is missing from blob storage; nothing was served")


def package_subject(session: Session, demand: LegalDemand) -> dict[str, Any]:
    camera_id = scope_camera(session, demand)
    return {
        "demand_id": str(demand.id),
        "authority": demand.authority,
        "kind": DemandKind(demand.kind).value,
        "reference": demand.reference,
        "document_sha256": demand.document_sha256,
        "scope": {
            "home_id": str(demand.home_id) if demand.home_id is not None else None,
            "camera_id": str(camera_id) if camera_id is not None else None,
            "window_start": demand.window_start.isoformat(),
            "window_end": demand.window_end.isoformat(),
        },
    }


def write_demand_package(
    session: Session,
    *,
    sessions: sessionmaker[Session],
    storage: BlobStore,
    secret_key: bytes,
    origin: str,
    admin: User,
    demand_id: uuid.UUID,
    out: BinaryIO,
    now: datetime | None = None,
) -> LegalDemand:
    """Log the download (the first one serves the demand), then write the package to ``out``.

    The entries are committed before the package is written, so its custody log can
    prove them into a signed checkpoint: ``session`` is committed here.
    """
    now = now or utcnow()
    first = session.execute(
        update(LegalDemand)
        .where(LegalDemand.id == demand_id, LegalDemand.served_at.is_(None))
        .values(served_at=now)
        .returning(LegalDemand.id)
        .execution_options(synchronize_session=False)
    ).first()
    demand = get_demand(session, demand_id=demand_id)
    session.refresh(demand)
    clips = clips_in_scope(session, demand)
    if not clips:
        raise Conflict(
            f"legal demand {demand_id}: the hub holds no clips in its scope, so there is "
            "nothing to hand over; nothing was served"
        )
    packaged = package_clips(session, storage, clips)
    _require_stored(session, storage, clips)
    actor = actor_of(session, admin)
    served = NewEntry(
        action=DEMAND_SERVED,
        actor=actor,
        objects={DEMAND_ID: str(demand.id)},
        private=_private(demand.id),
    )
    downloaded = NewEntry(
        action=DEMAND_PACKAGE_DOWNLOADED,
        actor=actor,
        objects={DEMAND_ID: str(demand.id), "clips": len(clips)},
        private=_private(demand.id, clip_ids=[str(clip.id) for clip in clips]),
    )
    logged = append_entries(session, [served, downloaded] if first else [downloaded])
    session.commit()
    checkpoint = checkpoint_covering(
        sessions, secret_key=secret_key, origin=origin, size=logged.stop
    )
    indices = [
        entry.index for entry in demand_entries(session, demand.id) if entry.index < checkpoint.size
    ]
    write_package(
        out,
        kind="demand",
        subject=package_subject(session, demand),
        terms=None,
        recipient_key_id=None,
        clips=packaged,
        custody=custody_log(session, indices=indices, checkpoint=checkpoint),
        signing_key=log_private_key(secret_key),
        log_key=log_key(secret_key, origin),
        created_at=now,
    )
    return demand


def list_owner_demands(
    session: Session, *, user: User, now: datetime | None = None
) -> list[OwnerDemand]:
    """Demands on homes ``user`` owns whose notice is due at ``now``, newest first."""
    now = now or utcnow()
    owned = owned_home_ids(user)
    demands = session.scalars(
        select(LegalDemand)
        .where(
            LegalDemand.home_id.in_(owned),
            or_(
                LegalDemand.notice_delayed_until.is_(None),
                LegalDemand.notice_delayed_until <= now,
            ),
        )
        .order_by(LegalDemand.created_at.desc(), LegalDemand.id)
    )
    found = []
    for demand in demands:
        handed_over: dict[uuid.UUID, None] = {}
        if demand.served_at is not None:
            for entry in demand_entries(session, demand.id, [DEMAND_PACKAGE_DOWNLOADED]):
                handed_over.update((uuid.UUID(c), None) for c in _details(entry)["clip_ids"])
        found.append(OwnerDemand(demand=demand, handed_over=list(handed_over)))
    return found
