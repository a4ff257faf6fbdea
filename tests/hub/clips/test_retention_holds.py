"""A clip an agency holds a live share of outlives its home's retention until the share ends.

"Live": not withdrawn and before ``expires_at`` (moved by a granted extension), whether
or not housekeeping has recorded the expiry yet. The owner sees the hold; the agency
does not. Deleting the clip still works, and takes the agency's key to it.
"""

from __future__ import annotations

import io
import os
import threading
import uuid
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import anyio
import pytest
from httpx import AsyncClient
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from doorstep.crypto.format import PARTS
from doorstep.hub.audit.models import AuditEntry
from doorstep.hub.clips import retention
from doorstep.hub.clips.models import Clip
from doorstep.hub.db import utcnow
from doorstep.hub.shares.holds import lock_clip
from doorstep.hub.shares.models import Share, SharedClip
from doorstep.hub.state import HubState
from tests.hub.actors import Actors
from tests.hub.clips.test_retention import set_retention, sweep
from tests.hub.clips.uploads import upload_clip
from tests.hub.shares import scene

RETENTION_DAYS = 1
# When the footage was recorded: past the home's retention, within a request's reach.
RECORDED_AGO = timedelta(days=2)


async def old_clips(actors: Actors, client: AsyncClient, count: int) -> list[scene.Home]:
    """``count`` clips of one home, recorded RECORDED_AGO, one minute apart."""
    owner = actors.resident()
    home_id, [camera_id] = actors.home(owner)
    await set_retention(client, owner, home_id, RETENTION_DAYS)
    device = actors.device(owner, home_id)
    clips = []
    for minute in range(count):
        started = scene.now() - RECORDED_AGO + timedelta(minutes=minute)
        payloads = {name: os.urandom(1000) for name in PARTS}
        times = (started, started + timedelta(seconds=20))
        clip_id = await upload_clip(client, device, camera_id, payloads, times)
        clips.append(scene.Home(owner, home_id, camera_id, clip_id, payloads))
    return clips


async def share_old(
    actors: Actors, client: AsyncClient, agency: scene.Agency, clips: list[scene.Home]
) -> dict[str, Any]:
    """The agency asks about RECORDED_AGO; the owner shares ``clips`` in one share."""
    moment = scene.now() - RECORDED_AGO
    request = await scene.file_request(
        client,
        agency,
        window_start=(moment - timedelta(hours=1)).isoformat(),
        window_end=(moment + timedelta(hours=1)).isoformat(),
    )
    entry = await scene.delivery_of(client, clips[0], request["id"])
    chosen = [(await scene.share_body(client, actors, clip, agency))["clips"][0] for clip in clips]
    response = await client.post(
        f"/v1/inbox/{entry['id']}/share", json={"clips": chosen}, headers=clips[0].owner.headers
    )
    assert response.status_code == 201, response.text
    shared: dict[str, Any] = response.json()
    return shared


def stored_clips(hub: HubState) -> set[uuid.UUID]:
    with hub.sessions() as session:
        return set(session.scalars(select(Clip.id)))


async def owner_view(client: AsyncClient, home: scene.Home, share_id: str) -> dict[str, bool]:
    """clip id -> held_past_retention, as the owner reads the share."""
    response = await client.get(f"/v1/me/shares/{share_id}", headers=home.owner.headers)
    assert response.status_code == 200, response.text
    return {clip["clip_id"]: clip["held_past_retention"] for clip in response.json()["clips"]}


async def package_status(client: AsyncClient, agency: scene.Agency, share_id: str) -> int:
    response = await client.get(
        f"/v1/agency/shares/{share_id}/package", headers=agency.member.headers
    )
    return response.status_code


def actions(hub: HubState) -> list[str]:
    with hub.sessions() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.index)))


async def test_a_live_share_holds_its_clip_and_only_the_owner_sees_the_hold(
    actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    agency = await scene.agency(actors, client)
    shared_clip, unshared_clip = await old_clips(actors, client, 2)
    shared = await share_old(actors, client, agency, [shared_clip])

    assert sweep(hub) == retention.RetentionReport(clips_shredded=1)

    assert stored_clips(hub) == {shared_clip.clip_id}
    assert await owner_view(client, shared_clip, shared["id"]) == {str(shared_clip.clip_id): True}
    listed = await client.get("/v1/me/shares", headers=shared_clip.owner.headers)
    assert [clip["held_past_retention"] for clip in listed.json()["data"][0]["clips"]] == [True]
    seen = await client.get(
        f"/v1/agency/requests/{shared['request_id']}/shares", headers=agency.member.headers
    )
    assert seen.status_code == 200 and "retention" not in seen.text
    assert await package_status(client, agency, shared["id"]) == 200
    # Sweeps keep holding it for as long as the share lives.
    assert sweep(hub, utcnow() + timedelta(days=30)) == retention.RetentionReport()
    assert stored_clips(hub) == {shared_clip.clip_id}


async def test_a_withdrawn_share_lets_the_next_sweep_shred(
    actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    agency = await scene.agency(actors, client)
    [clip] = await old_clips(actors, client, 1)
    shared = await share_old(actors, client, agency, [clip])
    assert sweep(hub) == retention.RetentionReport()

    withdrawn = await client.post(
        f"/v1/me/shares/{shared['id']}/withdraw", headers=clip.owner.headers
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert [each["held_past_retention"] for each in withdrawn.json()["clips"]] == [False]

    assert sweep(hub) == retention.RetentionReport(clips_shredded=1)
    assert stored_clips(hub) == set()
    assert actions(hub)[-1] == "clip.shredded"


async def test_the_hold_ends_when_the_share_expires(
    actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    agency = await scene.agency(actors, client)
    [clip] = await old_clips(actors, client, 1)
    shared = await share_old(actors, client, agency, [clip])
    expires = datetime.fromisoformat(shared["expires_at"])

    assert sweep(hub, expires - timedelta(seconds=1)) == retention.RetentionReport()
    # Shredded at expiry, though housekeeping has not recorded the expiry yet.
    assert sweep(hub, expires) == retention.RetentionReport(clips_shredded=1)
    with hub.sessions() as session:
        assert session.scalar(select(Share.ended_at)) is None
    assert stored_clips(hub) == set()


async def test_a_granted_extension_moves_the_end_of_the_hold(
    actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    agency = await scene.agency(actors, client)
    [clip] = await old_clips(actors, client, 1)
    shared = await share_old(actors, client, agency, [clip])
    expires = datetime.fromisoformat(shared["expires_at"])
    extended = expires + timedelta(days=10)
    asked = await client.post(
        f"/v1/agency/shares/{shared['id']}/extension",
        json={"until": extended.isoformat(), "reason": "The trial was postponed."},
        headers=agency.member.headers,
    )
    assert asked.status_code == 200, asked.text
    granted = await client.post(
        f"/v1/me/shares/{shared['id']}/extension", json={"grant": True}, headers=clip.owner.headers
    )
    assert granted.status_code == 200, granted.text

    assert sweep(hub, expires + timedelta(days=1)) == retention.RetentionReport()
    assert sweep(hub, extended - timedelta(seconds=1)) == retention.RetentionReport()
    assert sweep(hub, extended) == retention.RetentionReport(clips_shredded=1)
    assert stored_clips(hub) == set()


async def test_deleting_a_shared_clip_takes_the_agencys_key_and_ends_an_empty_share(
    actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    agency = await scene.agency(actors, client)
    first, second = await old_clips(actors, client, 2)
    shared = await share_old(actors, client, agency, [first, second])
    owner = first.owner

    deleted = await client.delete(f"/v1/clips/{first.clip_id}", headers=owner.headers)
    assert deleted.status_code == 204, deleted.text

    view = (await client.get(f"/v1/me/shares/{shared['id']}", headers=owner.headers)).json()
    assert view["ended_at"] is None
    assert {c["clip_id"]: c["key_held"] for c in view["clips"]} == {
        str(first.clip_id): False,
        str(second.clip_id): True,
    }
    assert actions(hub)[-2:] == ["share.clip_deleted", "clip.deleted"]
    package = await client.get(
        f"/v1/agency/shares/{shared['id']}/package", headers=agency.member.headers
    )
    assert package.status_code == 200, package.text
    with zipfile.ZipFile(io.BytesIO(package.content)) as archive:
        folders = {name.split("/")[1] for name in archive.namelist() if "/" in name}
    assert str(second.clip_id) in folders and str(first.clip_id) not in folders

    deleted = await client.delete(f"/v1/clips/{second.clip_id}", headers=owner.headers)
    assert deleted.status_code == 204, deleted.text

    view = (await client.get(f"/v1/me/shares/{shared['id']}", headers=owner.headers)).json()
    assert view["end_reason"] == "withdrawn" and view["ended_at"] is not None
    assert [c["key_held"] for c in view["clips"]] == [False, False]
    assert await package_status(client, agency, shared["id"]) == 409
    assert actions(hub)[-3:] == ["share.clip_deleted", "share.withdrawn", "clip.deleted"]
    assert stored_clips(hub) == set()
    with hub.sessions() as session:
        assert list(session.scalars(select(SharedClip.wrapped_key))) == [None, None]
    notices = await client.get("/v1/me/notifications", headers=agency.member.headers)
    kinds = [notice["kind"] for notice in notices.json()["data"]]
    assert "share_clip_deleted" in kinds and "share_withdrawn" in kinds


def end_shares(hub: HubState, ended_at: datetime | None) -> None:
    with hub.sessions() as session:
        session.execute(update(Share).values(ended_at=ended_at))
        session.commit()


async def test_a_share_live_again_between_the_sweeps_read_and_its_claim_holds(
    actors: Actors, client: AsyncClient, hub: HubState, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hold is re-checked once the clip is claimed, not only in the sweep's first read."""
    agency = await scene.agency(actors, client)
    [clip] = await old_clips(actors, client, 1)
    await share_old(actors, client, agency, [clip])
    end_shares(hub, utcnow())  # not live when the sweep reads its batch...
    claim = retention._claim_clip

    def share_then_claim(*args: Any) -> Clip | None:
        end_shares(hub, None)  # ...live again (a share recorded) before it claims the clip
        return claim(*args)

    monkeypatch.setattr(retention, "_claim_clip", share_then_claim)

    assert sweep(hub) == retention.RetentionReport()
    assert stored_clips(hub) == {clip.clip_id}


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_sweep_waits_for_a_share_being_recorded_and_then_keeps_the_clip(
    actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    """PostgreSQL runs the two at once: the sweep must wait on the clip's lock, then see
    the share. (SQLite has one writer at a time, so the test above covers it.)"""
    agency = await scene.agency(actors, client)
    [clip] = await old_clips(actors, client, 1)
    await share_old(actors, client, agency, [clip])
    end_shares(hub, utcnow())
    reports: list[retention.RetentionReport] = []
    with hub.sessions() as recording:
        # What recording a share does: lock its clips, write the share; not committed yet.
        assert lock_clip(recording, clip.clip_id)
        recording.execute(update(Share).values(ended_at=None))
        sweeper = threading.Thread(target=lambda: reports.append(sweep(hub)))
        sweeper.start()
        for _ in waiting_behind(hub, recording, sweeper):
            await anyio.sleep(0.02)
        recording.commit()
    sweeper.join(timeout=60)

    assert reports == [retention.RetentionReport()]
    assert stored_clips(hub) == {clip.clip_id}


def waiting_behind(hub: HubState, holder: Session, sweeper: threading.Thread) -> Iterator[None]:
    """Yield until a backend waits on ``holder``'s locks (or the sweeper ended without)."""
    pid = holder.scalar(text("SELECT pg_backend_pid()"))
    with hub.sessions() as watcher:
        while sweeper.is_alive():
            blocked = watcher.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"
                ),
                {"pid": pid},
            )
            watcher.rollback()
            if blocked:
                return
            yield
