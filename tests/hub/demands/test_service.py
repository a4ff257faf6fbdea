"""Legal demands at service level: when owners are told, what is logged, what is in scope."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from doorstep.audit.actions import DEMAND_OWNER_NOTIFIED, DEMAND_RECORDED
from doorstep.audit.report import PeriodCounts, transparency_report
from doorstep.evidence.custody import custody_data, verify_custody
from doorstep.hub.accounts.models import Role, User
from doorstep.hub.audit.checkpoints import latest_checkpoint, log_key
from doorstep.hub.audit.custody import checkpoint_covering, custody_log
from doorstep.hub.audit.models import AuditCheckpoint, AuditEntry
from doorstep.hub.audit.service import append_entry, tree_size
from doorstep.hub.clips.evidence import DeviceKeyMissing, package_clips
from doorstep.hub.clips.models import Clip
from doorstep.hub.db import transaction
from doorstep.hub.demands import service
from doorstep.hub.demands.models import DemandKind, DemandNotice, LegalDemand
from doorstep.hub.homes.models import HomeMember, HouseholdRole
from doorstep.hub.homes.service import delete_camera
from doorstep.hub.notifications.service import list_notifications
from doorstep.hub.state import HubState
from tests.hub.actors import Actor, Actors
from tests.hub.clips.uploads import upload_clip
from tests.hub.demands import DOCUMENT_SHA256, two_hours_ago


def record(
    hub: HubState,
    admin: Actor,
    home_id: uuid.UUID,
    *,
    now: datetime,
    delayed_until: datetime | None = None,
    camera_id: uuid.UUID | None = None,
) -> uuid.UUID:
    start = two_hours_ago()
    with transaction(hub.sessions) as session:
        demand = service.record_demand(
            session,
            admin=session.get_one(User, admin.user_id),
            authority="Superior Court of Oregon",
            kind=DemandKind.COURT_ORDER,
            reference="23-CV-0815",
            document_sha256=DOCUMENT_SHA256.upper(),
            home_id=home_id,
            camera_id=camera_id,
            window_start=start,
            window_end=start + timedelta(hours=1),
            notice_delayed_until=delayed_until,
            notes="sealed until the trial",
            now=now,
        )
        return demand.id


def owner_view(session: Session, owner: Actor, at: datetime) -> tuple[list[str], list[uuid.UUID]]:
    """What the owner sees at ``at``: notification kinds, and demands listed for them."""
    user = session.get_one(User, owner.user_id)
    notes = list_notifications(session, user=user, now=at)
    demands = service.list_owner_demands(session, user=user, now=at)
    return [note.kind for note in notes], [item.demand.id for item in demands]


def entries_of(session: Session, demand_id: uuid.UUID, action: str) -> list[AuditEntry]:
    return service.demand_entries(session, demand_id, [action])


def counted(hub: HubState, as_of: datetime) -> PeriodCounts:
    """The transparency report's totals over the whole log, as of ``as_of``."""
    with hub.sessions() as session:
        public = session.scalars(select(AuditEntry.public).order_by(AuditEntry.index)).all()
    entries = [json.loads(entry) for entry in public]
    return transparency_report(entries, as_of=as_of, log_size=len(entries)).total


async def test_owner_is_told_at_once_or_exactly_when_the_delay_ends(
    actors: Actors, hub: HubState
) -> None:
    owner, admin = actors.resident(), actors.user(Role.ADMIN)
    home_id, _ = actors.home(owner)
    now = datetime.now(UTC)
    ends = now + timedelta(days=30, hours=5, microseconds=7)
    at_once = record(hub, admin, home_id, now=now)
    delayed = record(hub, admin, home_id, now=now, delayed_until=ends)

    with hub.sessions() as session:
        kinds, listed = owner_view(session, owner, now)
        assert kinds == ["legal_demand"]
        assert listed == [at_once]
        assert len(entries_of(session, at_once, DEMAND_OWNER_NOTIFIED)) == 1
        assert entries_of(session, delayed, DEMAND_OWNER_NOTIFIED) == []
        just_before = ends - timedelta(microseconds=1)
        kinds, listed = owner_view(session, owner, just_before)
        assert (kinds, listed) == (["legal_demand"], [at_once])
        kinds, listed = owner_view(session, owner, ends)
        assert kinds == ["legal_demand", "legal_demand"]
        assert set(listed) == {at_once, delayed}
        message = list_notifications(session, user=session.get_one(User, owner.user_id), now=ends)[
            0
        ].message
        assert "delayed this notice until" in message and "23-CV-0815" in message

    with transaction(hub.sessions) as session:
        assert service.deliver_due_notices(session, now=ends - timedelta(microseconds=1)) == 0
        assert service.deliver_due_notices(session, now=ends) == 1
        assert service.deliver_due_notices(session, now=ends + timedelta(days=1)) == 0
    with hub.sessions() as session:
        notice = session.get_one(DemandNotice, (delayed, owner.user_id))
        assert notice.notify_at == ends and notice.notified_at == ends
        (notified,) = entries_of(session, delayed, DEMAND_OWNER_NOTIFIED)
        (recorded,) = entries_of(session, delayed, DEMAND_RECORDED)
        assert notified.index > recorded.index
        objects = json.loads(notified.public)["objects"]
        assert objects["demand_id"] == str(delayed) and objects["home"]


async def test_every_owner_is_told_and_the_home_stays_private_while_delayed(
    actors: Actors, hub: HubState
) -> None:
    owner, co_owner, member = actors.resident(), actors.resident(), actors.resident()
    admin = actors.user(Role.ADMIN)
    home_id, _ = actors.home(owner)
    with transaction(hub.sessions) as session:
        session.add(HomeMember(home_id=home_id, user_id=co_owner.user_id, role=HouseholdRole.OWNER))
        session.add(HomeMember(home_id=home_id, user_id=member.user_id, role=HouseholdRole.MEMBER))
    now = datetime.now(UTC)
    at_once = record(hub, admin, home_id, now=now)
    delayed = record(hub, admin, home_id, now=now, delayed_until=now + timedelta(days=2))
    with hub.sessions() as session:
        assert len(entries_of(session, at_once, DEMAND_OWNER_NOTIFIED)) == 2
        public = json.loads(entries_of(session, at_once, DEMAND_RECORDED)[0].public)
        assert public["objects"]["home"] and public["objects"]["notice_delayed_until"] is None
        public = json.loads(entries_of(session, delayed, DEMAND_RECORDED)[0].public)
        assert public["objects"]["home"] is None
        assert (
            public["objects"]["notice_delayed_until"]
            == (now + timedelta(days=2)).date().isoformat()
        )
        for actor in (owner, co_owner):
            assert owner_view(session, actor, now)[1] == [at_once]
        assert owner_view(session, member, now + timedelta(days=3)) == ([], [])
    assert counted(hub, now).delayed_notices_outstanding == 1
    with transaction(hub.sessions) as session:
        assert service.deliver_due_notices(session, now=now + timedelta(days=2)) == 2
    total = counted(hub, now)
    assert (total.demands_received, total.owners_notified) == (2, 4)
    assert total.delayed_notices_outstanding == 0


async def test_scope_does_not_widen_when_the_named_camera_is_deleted(
    client: AsyncClient, actors: Actors, hub: HubState
) -> None:
    owner, admin = actors.resident(), actors.user(Role.ADMIN)
    home_id, (named, other) = actors.home(owner, cameras=2)
    device = actors.device(owner, home_id)
    start = two_hours_ago()
    times = (start + timedelta(minutes=5), start + timedelta(minutes=5, seconds=14))
    await upload_clip(client, device, other, times=times)
    kept = await upload_clip(client, device, named, times=times)
    demand_id = record(hub, admin, home_id, now=datetime.now(UTC), camera_id=named)
    with hub.sessions() as session:
        demand = session.get_one(LegalDemand, demand_id)
        assert [clip.id for clip in service.clips_in_scope(session, demand)] == [kept]
    with transaction(hub.sessions) as session:
        delete_camera(session, user=session.get_one(User, owner.user_id), camera_id=named)
    with hub.sessions() as session:
        demand = session.get_one(LegalDemand, demand_id)
        assert demand.camera_id is None
        assert service.scope_camera(session, demand) == named
        assert service.clips_in_scope(session, demand) == []


async def test_package_clips_reads_lazily_and_names_clips_without_a_device_key(
    client: AsyncClient, actors: Actors, hub: HubState
) -> None:
    owner = actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    device = actors.device(owner, home_id)
    clip_id = await upload_clip(client, device, camera_id)
    device_key = device.signing_key.public_key().public_bytes_raw()
    with hub.sessions() as session:
        clip = session.get_one(Clip, clip_id)
        (packaged,) = package_clips(session, hub.storage, [clip])
        assert packaged.device_public_key == device_key and packaged.wrapped_key is None
        assert [part.name for part in packaged.parts] == ["clip", "snapshot", "details"]
        stored = await client.get(f"/v1/clips/{clip_id}/parts/clip", headers=owner.headers)
        assert b"".join(packaged.parts[0].chunks()) == stored.content
        (shared,) = package_clips(
            session,
            hub.storage,
            [clip],
            wrapped_keys={clip_id: b"wrapped"},
            sealed_attestations={clip_id: b"sealed"},
            device_keys={clip_id: b"\x03" * 32},
        )
        assert shared.device_public_key == b"\x03" * 32 and shared.wrapped_key == b"wrapped"
        assert shared.sealed_attestation == b"sealed" and packaged.sealed_attestation is None
    with transaction(hub.sessions) as session:
        session.execute(update(Clip).where(Clip.id == clip_id).values(device_id=None))
    with hub.sessions() as session:
        clip = session.get_one(Clip, clip_id)
        with pytest.raises(DeviceKeyMissing) as refused:
            package_clips(session, hub.storage, [clip])
        assert refused.value.clip_ids == [clip_id] and str(clip_id) in refused.value.detail
        (given,) = package_clips(session, hub.storage, [clip], device_keys={clip_id: device_key})
        assert given.device_public_key == device_key


async def test_custody_reuses_a_covering_checkpoint_and_proves_entries(hub: HubState) -> None:
    origin, key = hub.settings.audit_origin, hub.secret_key
    indices = []
    with transaction(hub.sessions) as session:
        for n in range(1, 5):  # after entry 0, the web manifest the hub logged at start
            indices.append(
                append_entry(
                    session, action="test.entry", actor={"kind": "system"}, objects={"n": n}
                )
            )
    first = checkpoint_covering(hub.sessions, secret_key=key, origin=origin, size=3)
    assert first.size == 5
    again = checkpoint_covering(hub.sessions, secret_key=key, origin=origin, size=5)
    assert again.size == 5 and again.note == first.note
    with transaction(hub.sessions) as session:
        later = append_entry(session, action="test.entry", actor={"kind": "system"}, objects={})
    covering = checkpoint_covering(hub.sessions, secret_key=key, origin=origin, size=later + 1)
    with hub.sessions() as session:
        assert covering.size == tree_size(session) == latest_checkpoint(session).size
        # Besides the one the hub's timer may have signed at start, of its first entry.
        assert (
            len(list(session.scalars(select(AuditCheckpoint.size).where(AuditCheckpoint.size > 1))))
            == 2
        )
        custody = custody_log(session, indices=[later, indices[1]], checkpoint=covering)
        public = session.scalars(
            select(AuditEntry.public).where(AuditEntry.index.in_([indices[1], later]))
        ).all()
    assert [item.index for item in custody.entries] == [indices[1], later]
    verified = verify_custody(custody_data(custody), log_key(key, origin))
    assert [entry["action"] for entry in verified] == ["test.entry", "test.entry"]
    assert {item.entry for item in custody.entries} == {bytes(p) for p in public}
