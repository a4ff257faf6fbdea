"""Retention: clips past their home's retention are crypto-shredded; stale uploads go."""

from __future__ import annotations

import base64
import logging
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import anyio
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr
from sqlalchemy import select, text, update

from doorstep.crypto.envelope import clip_subject, wrap_key
from doorstep.crypto.keys import key_id, public_raw
from doorstep.crypto.stream import new_content_key
from doorstep.crypto.unwrap import unwrap_key
from doorstep.errors import CryptoError
from doorstep.hub.app import create_app
from doorstep.hub.clips import retention
from doorstep.hub.clips.models import Clip, ClipPart
from doorstep.hub.clips.retention import UNCOMMITTED_PART_TTL, RetentionReport, shred_expired
from doorstep.hub.db import transaction, utcnow
from doorstep.hub.keys.models import ClipKey
from doorstep.hub.state import HubState
from doorstep.settings import Settings
from tests.hub.actors import Actor, Actors, DeviceHeaders
from tests.hub.clips.uploads import PARTS, seal_parts, upload_clip

TTL_HOURS = UNCOMMITTED_PART_TTL.total_seconds() / 3600


def ended_days_ago(days: float) -> tuple[datetime, datetime]:
    """(started, ended) of a 14-second clip that ended ``days`` days ago."""
    ended = utcnow().replace(microsecond=0) - timedelta(days=days)
    return ended - timedelta(seconds=14), ended


def sweep(hub: HubState, now: datetime | None = None) -> RetentionReport:
    return shred_expired(hub.sessions, storage=hub.storage, now=now or utcnow())


def blob_keys(hub: HubState, clip_id: uuid.UUID) -> dict[str, str]:
    with hub.sessions() as session:
        rows = session.scalars(select(ClipPart).where(ClipPart.clip_id == clip_id))
        return {str(row.part): row.blob_key for row in rows}


def read_blob(hub: HubState, key: str) -> bytes:
    return b"".join(hub.storage.get(key))


def stored_blobs(settings: Settings) -> list[bytes]:
    """Every object in the hub's blob store (a file store under the data directory)."""
    return [p.read_bytes() for p in (settings.data_dir / "blobs").rglob("*") if p.is_file()]


def clip_keys(hub: HubState, clip_id: uuid.UUID | None = None) -> list[ClipKey]:
    with hub.sessions() as session:
        query = select(ClipKey)
        if clip_id is not None:
            query = query.where(ClipKey.clip_id == clip_id)
        return list(session.scalars(query))


async def upload_parts(
    client: AsyncClient, device: DeviceHeaders, clip_id: uuid.UUID, names: tuple[str, ...]
) -> None:
    """Seal and upload parts the way an edge does, without committing the clip."""
    plaintexts = {name: os.urandom(500) for name in names}
    sealed = seal_parts(device, clip_id, uuid.uuid4(), plaintexts, new_content_key())
    for name, data in sealed.items():
        response = await client.put(
            f"/v1/device/clips/{clip_id}/parts/{name}", content=data, headers=device
        )
        assert response.status_code == 200, response.text


def age_parts(hub: HubState, clip_id: uuid.UUID, hours: float) -> None:
    with transaction(hub.sessions) as session:
        session.execute(
            update(ClipPart)
            .where(ClipPart.clip_id == clip_id)
            .values(created_at=utcnow() - timedelta(hours=hours))
        )


async def set_retention(client: AsyncClient, owner: Actor, home_id: uuid.UUID, days: int) -> None:
    response = await client.patch(
        f"/v1/homes/{home_id}", json={"retention_days": days}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["retention_days"] == days


async def share_with(
    client: AsyncClient,
    owner: Actor,
    clip_id: uuid.UUID,
    content_key: bytes,
    recipient: X25519PrivateKey,
) -> None:
    """The owner's client re-wraps the clip key to a member's key and records it."""
    wrapped = wrap_key(content_key, recipient=recipient.public_key(), subject=clip_subject(clip_id))
    response = await client.post(
        f"/v1/clips/{clip_id}/keys",
        json={
            "recipient_key_id": key_id(public_raw(recipient.public_key())),
            "wrapped_key": base64.b64encode(wrapped).decode(),
        },
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text


async def test_expired_clip_is_crypto_shredded(
    client: AsyncClient, actors: Actors, hub: HubState, settings: Settings
) -> None:
    owner, member = actors.resident(), actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    added = await client.post(
        f"/v1/homes/{home_id}/members", json={"email": member.email}, headers=owner.headers
    )
    assert added.status_code == 201, added.text
    member_key = actors.user_key(member)
    device = actors.device(owner, home_id)
    home_key = actors.home_keys[home_id]

    old = await upload_clip(client, device, camera_id, times=ended_days_ago(31))
    kept = await upload_clip(client, device, camera_id, times=ended_days_ago(29))
    # The clip's key as the hub holds it: wrapped to the home key, and shared to a member.
    (edge_wrap,) = clip_keys(hub, old)
    content_key = unwrap_key(edge_wrap.wrapped_key, recipient=home_key, subject=clip_subject(old))
    await share_with(client, owner, old, content_key, member_key)
    assert len(clip_keys(hub, old)) == 2
    old_blobs = blob_keys(hub, old)
    old_parts = {read_blob(hub, key) for key in old_blobs.values()}
    assert len(old_blobs) == len(PARTS) == len(old_parts)
    before = actors.row_counts()

    assert sweep(hub) == RetentionReport(clips_shredded=1, parts_removed=0)

    after = actors.row_counts()
    assert after["clip_keys"] == before["clip_keys"] - 2 == 1
    assert after["clip_parts"] == before["clip_parts"] - len(PARTS)
    assert after["clips"] == before["clips"] - 1
    assert clip_keys(hub, old) == []
    assert not any(hub.storage.exists(key) for key in old_blobs.values())
    for actor in (owner, member):
        keys = await client.get(f"/v1/clips/{old}/keys", headers=actor.headers)
        assert keys.status_code == 404
        for name in PARTS:
            part = await client.get(f"/v1/clips/{old}/parts/{name}", headers=actor.headers)
            assert part.status_code == 404
    # Nothing the hub still holds opens the clip: no wrapped key opens for its subject
    # with any private key of the household, and none of its ciphertext is left.
    remaining = clip_keys(hub)
    assert remaining and {row.clip_id for row in remaining} == {kept}
    for row in remaining:
        for private in (home_key, member_key, actors.user_keys[owner.user_id]):
            with pytest.raises(CryptoError):
                unwrap_key(row.wrapped_key, recipient=private, subject=clip_subject(old))
    blobs = stored_blobs(settings)
    assert len(blobs) == len(PARTS)
    assert not old_parts.intersection(blobs)
    # The clip inside retention is whole.
    listed = await client.get(f"/v1/cameras/{camera_id}/clips", headers=member.headers)
    assert [clip["id"] for clip in listed.json()["data"]] == [str(kept)]
    for name in PARTS:
        part = await client.get(f"/v1/clips/{kept}/parts/{name}", headers=member.headers)
        assert part.status_code == 200


async def test_retention_is_per_home(client: AsyncClient, actors: Actors, hub: HubState) -> None:
    owner = actors.resident()
    short_home, (short_camera,) = actors.home(owner)
    long_home, (long_camera,) = actors.home(owner)
    await set_retention(client, owner, short_home, 7)
    await set_retention(client, owner, long_home, 30)
    short_device = actors.device(owner, short_home)
    long_device = actors.device(owner, long_home)
    short_old = await upload_clip(client, short_device, short_camera, times=ended_days_ago(10))
    short_recent = await upload_clip(client, short_device, short_camera, times=ended_days_ago(6))
    long_old = await upload_clip(client, long_device, long_camera, times=ended_days_ago(10))

    assert sweep(hub) == RetentionReport(clips_shredded=1)
    with hub.sessions() as session:
        assert set(session.scalars(select(Clip.id))) == {short_recent, long_old}
    assert clip_keys(hub, short_old) == []
    assert sweep(hub) == RetentionReport()

    # Shortening a home's retention takes effect at the next sweep.
    await set_retention(client, owner, long_home, 9)
    assert sweep(hub) == RetentionReport(clips_shredded=1)
    with hub.sessions() as session:
        assert set(session.scalars(select(Clip.id))) == {short_recent}
    # Time passing does the rest.
    assert sweep(hub, utcnow() + timedelta(days=2)) == RetentionReport(clips_shredded=1)
    assert actors.row_counts()["clip_keys"] == 0


async def test_stale_uncommitted_parts_are_removed(
    client: AsyncClient, actors: Actors, hub: HubState, settings: Settings
) -> None:
    owner = actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    device = actors.device(owner, home_id)
    abandoned, in_progress = uuid.uuid4(), uuid.uuid4()
    await upload_parts(client, device, abandoned, PARTS)
    await upload_parts(client, device, in_progress, ("clip",))
    committed = await upload_clip(client, device, camera_id)
    age_parts(hub, abandoned, hours=TTL_HOURS + 1)
    age_parts(hub, in_progress, hours=TTL_HOURS - 1)
    # A committed clip's parts are old too, but they belong to the clip.
    age_parts(hub, committed, hours=TTL_HOURS + 1)
    abandoned_blobs = blob_keys(hub, abandoned).values()
    assert len(stored_blobs(settings)) == 2 * len(PARTS) + 1

    assert sweep(hub) == RetentionReport(parts_removed=len(PARTS))

    assert blob_keys(hub, abandoned) == {}
    assert not any(hub.storage.exists(key) for key in abandoned_blobs)
    assert list(blob_keys(hub, in_progress)) == ["clip"]
    assert len(blob_keys(hub, committed)) == len(PARTS)
    assert len(stored_blobs(settings)) == len(PARTS) + 1
    part = await client.get(f"/v1/clips/{committed}/parts/clip", headers=owner.headers)
    assert part.status_code == 200
    assert sweep(hub) == RetentionReport()
    # Soon after, the upload still in progress is abandoned too; the clip stays.
    assert sweep(hub, utcnow() + timedelta(hours=2)) == RetentionReport(parts_removed=1)
    assert len(stored_blobs(settings)) == len(PARTS)


async def test_missing_blobs_do_not_stop_the_sweep(
    client: AsyncClient, actors: Actors, hub: HubState, settings: Settings
) -> None:
    owner = actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    device = actors.device(owner, home_id)
    expired = [await upload_clip(client, device, camera_id, times=ended_days_ago(40))]
    expired.append(await upload_clip(client, device, camera_id, times=ended_days_ago(40)))
    abandoned = uuid.uuid4()
    await upload_parts(client, device, abandoned, ("clip", "details"))
    age_parts(hub, abandoned, hours=2 * TTL_HOURS)
    for key in (*blob_keys(hub, expired[0]).values(), blob_keys(hub, abandoned)["clip"]):
        hub.storage.delete(key)

    assert sweep(hub) == RetentionReport(clips_shredded=2, parts_removed=2)
    counts = actors.row_counts()
    assert (counts["clips"], counts["clip_parts"], counts["clip_keys"]) == (0, 0, 0)
    assert stored_blobs(settings) == []


async def test_concurrent_sweeps_shred_each_clip_once(
    client: AsyncClient, actors: Actors, hub: HubState, settings: Settings
) -> None:
    owner = actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    device = actors.device(owner, home_id)
    for _ in range(12):
        await upload_clip(client, device, camera_id, times=ended_days_ago(31))
    for _ in range(3):
        abandoned = uuid.uuid4()
        await upload_parts(client, device, abandoned, PARTS)
        age_parts(hub, abandoned, hours=TTL_HOURS + 6)
    now = utcnow()

    def sweeps() -> list[RetentionReport]:
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(lambda _: sweep(hub, now), range(4)))

    reports = await anyio.to_thread.run_sync(sweeps)
    assert sum(report.clips_shredded for report in reports) == 12
    assert sum(report.parts_removed for report in reports) == 9
    counts = actors.row_counts()
    assert (counts["clips"], counts["clip_parts"], counts["clip_keys"]) == (0, 0, 0)
    assert stored_blobs(settings) == []


async def test_a_sweep_pages_through_batches(
    client: AsyncClient, actors: Actors, hub: HubState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "BATCH_SIZE", 2)
    owner = actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    device = actors.device(owner, home_id)
    kept = await upload_clip(client, device, camera_id, times=ended_days_ago(29))
    for _ in range(5):
        await upload_clip(client, device, camera_id, times=ended_days_ago(31))
    for names in (PARTS, ("clip", "snapshot")):
        abandoned = uuid.uuid4()
        await upload_parts(client, device, abandoned, names)
        age_parts(hub, abandoned, hours=TTL_HOURS + 1)

    assert sweep(hub) == RetentionReport(clips_shredded=5, parts_removed=5)
    with hub.sessions() as session:
        assert list(session.scalars(select(Clip.id))) == [kept]
        assert set(session.scalars(select(ClipPart.clip_id))) == {kept}


async def test_a_sweep_logs_a_summary_only_when_it_removed_something(
    client: AsyncClient, actors: Actors, hub: HubState, caplog: pytest.LogCaptureFixture
) -> None:
    owner = actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    device = actors.device(owner, home_id)
    clip_id = await upload_clip(client, device, camera_id, times=ended_days_ago(31))
    caplog.set_level(logging.INFO, logger="doorstep.hub.clips.retention")

    assert sweep(hub) == RetentionReport(clips_shredded=1)
    assert sweep(hub) == RetentionReport()

    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "retention sweep: shredded 1 expired clips, removed 0 stale uncommitted parts"
    ]
    assert str(clip_id) not in messages[0] and str(home_id) not in messages[0]


async def test_the_hub_sweeps_periodically(settings: Settings) -> None:
    app: FastAPI = create_app(settings.model_copy(update={"retention_interval_s": 0.2}))
    async with app.router.lifespan_context(app):
        hub: HubState = app.state.hub
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as http:
            sweeping = Actors(hub=hub, client=http)
            owner = sweeping.resident()
            home_id, (camera_id,) = sweeping.home(owner)
            device = sweeping.device(owner, home_id)
            old = await upload_clip(http, device, camera_id, times=ended_days_ago(31))
            kept = await upload_clip(http, device, camera_id, times=ended_days_ago(1))
            blobs = blob_keys(hub, old).values()

            deadline = time.monotonic() + 10
            while clip_keys(hub, old) and time.monotonic() < deadline:
                await anyio.sleep(0.05)

            assert clip_keys(hub, old) == []
            response = await http.get(f"/v1/clips/{old}/keys", headers=owner.headers)
            assert response.status_code == 404
            assert not any(hub.storage.exists(key) for key in blobs)
            await anyio.sleep(0.5)  # more sweeps leave the clip inside retention alone
            assert len(clip_keys(hub, kept)) == 1


async def test_a_failing_sweep_is_logged_and_the_next_one_runs(
    settings: Settings, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[datetime] = []

    def flaky(*args: object, now: datetime, **kwargs: object) -> RetentionReport:
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("storage unreachable")
        return RetentionReport()

    monkeypatch.setattr(retention, "shred_expired", flaky)
    app = create_app(settings.model_copy(update={"retention_interval_s": 0.05}))
    async with app.router.lifespan_context(app):
        deadline = time.monotonic() + 5
        while len(calls) < 3 and time.monotonic() < deadline:
            await anyio.sleep(0.02)
    assert len(calls) >= 3
    failures = [r for r in caplog.records if r.name == "doorstep.hub.clips.retention"]
    assert len(failures) == 1
    assert failures[0].levelno == logging.ERROR and failures[0].exc_info is not None


async def test_shredded_keys_leave_no_trace_in_the_sqlite_file(tmp_path: Path) -> None:
    """SQLite's secure_delete overwrites deleted rows: the wrapped keys are gone from disk."""
    database = tmp_path / "doorstep.db"
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{database}",
        storage_url=(tmp_path / "blobs").as_uri(),
        bus_url="memory://",
        secret_key=SecretStr("test-secret-key-" + "x" * 32),
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        hub: HubState = app.state.hub
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as http:
            actors = Actors(hub=hub, client=http)
            owner = actors.resident()
            home_id, (camera_id,) = actors.home(owner)
            device = actors.device(owner, home_id)
            clip_id = await upload_clip(http, device, camera_id, times=ended_days_ago(31))
        (row,) = clip_keys(hub, clip_id)
        wrapped = row.wrapped_key

        def on_disk() -> bytes:
            with hub.engine.connect() as connection:
                connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            wal = database.with_name(database.name + "-wal")
            return database.read_bytes() + b"\0" + (wal.read_bytes() if wal.exists() else b"")

        assert wrapped in on_disk()  # the test can see a key that is there

        assert sweep(hub) == RetentionReport(clips_shredded=1)

        assert clip_keys(hub) == []
        assert wrapped not in on_disk()
