"""After real events are uploaded, neither blob store nor the database holds anything in clear.

Each event is what the edge makes: an H.264 MP4 written by the edge's encoder, a JPEG
snapshot from the edge's snapshot code, and the details JSON the edge's pipeline writes,
sealed by the edge's ``seal_event``. The hub runs on SQLite with the filesystem store,
then with S3 (moto's server). Every stored blob is scanned (signatures, 64-byte windows
of every plaintext, entropy past the clear header at every size), and so are the
database file and its -wal and -shm files, while the hub runs and after it stopped. A
control copy of the database with the plaintexts planted in it shows the scan finds them.
"""

from __future__ import annotations

import base64
import io
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr

from doorstep.crypto.decrypt import open_part
from doorstep.crypto.envelope import clip_subject
from doorstep.crypto.unwrap import unwrap_key
from doorstep.edge.keyring import HomeKey
from doorstep.edge.pipeline import RecordedEvent
from doorstep.edge.redact import snapshot_jpeg
from doorstep.edge.seal import seal_event
from doorstep.edge.synthetic import Walker, scene, write_h264
from doorstep.hub.app import create_app
from doorstep.hub.db import make_engine
from doorstep.hub.migrate import upgrade_database
from doorstep.settings import Settings
from tests.hub.actors import Actors
from tests.hub.clips.plaintext import Plaintexts, file_findings, sealed_findings, signatures
from tests.hub.clips.uploads import commit_body
from tests.hub.storage.conftest import make_s3_client

LABEL, ZONE = "person", "front path"
WORDS = {"the label": LABEL.encode(), "the zone": ZONE.encode()}
PARTS = ("clip", "snapshot", "details")


@dataclass(frozen=True)
class Event:
    clip_id: uuid.UUID
    started_at: datetime
    ended_at: datetime
    plaintexts: dict[str, bytes]


def make_event(directory: Path, number: int, width: int, height: int, seconds: float) -> Event:
    clip_id = uuid.uuid4()
    ended = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=number)
    started = ended - timedelta(seconds=seconds)
    frames = list(
        scene(width=width, height=height, fps=10, duration_s=seconds, walkers=[Walker(0.2, 1.8)])
    )
    video = directory / f"event-{number}.mp4"
    write_h264(video, frames, fps=10)
    recorded = RecordedEvent(
        id=clip_id,
        camera_id=uuid.uuid4(),  # the details only; the upload names the real camera
        label=LABEL,
        score=0.87,
        start_s=0.4,
        end_s=seconds - 0.3,
        clip_start_s=0.0,
        clip_end_s=seconds,
        started_at=started,
        ended_at=ended,
        clip=video.read_bytes(),
        snapshot=snapshot_jpeg(frames[len(frames) // 2], []),
        zones=(ZONE,),
        trigger="motion",
    )
    plaintexts = {
        "clip": recorded.clip,
        "snapshot": recorded.snapshot,
        "details": recorded.details_json(),
    }
    return Event(clip_id, started, ended, plaintexts)


def parameter_sets(video: bytes) -> dict[str, bytes]:
    """The stream's SPS and PPS, from the MP4's avcC box, as Annex-B NAL units."""
    with av.open(io.BytesIO(video)) as container:
        avcc = bytes(container.streams.video[0].codec_context.extradata or b"")
    sps_length = int.from_bytes(avcc[6:8], "big")
    sps = avcc[8 : 8 + sps_length]
    pps_at = 8 + sps_length + 1
    pps = avcc[pps_at + 2 : pps_at + 2 + int.from_bytes(avcc[pps_at : pps_at + 2], "big")]
    assert sps[0] & 0x1F == 7 and pps[0] & 0x1F == 8, avcc.hex()
    return {"sps": b"\x00\x00\x00\x01" + sps, "pps": b"\x00\x00\x00\x01" + pps}


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> list[Event]:
    """One event over 64 KiB (its clip sealed in several chunks), one under."""
    directory = tmp_path_factory.mktemp("events")
    made = [make_event(directory, 0, 640, 360, 2.0), make_event(directory, 1, 320, 180, 0.8)]
    assert len(made[0].plaintexts["clip"]) > 128 * 1024
    assert len(made[1].plaintexts["clip"]) < 64 * 1024
    return made


@pytest.fixture(scope="module")
def known(events: list[Event]) -> Plaintexts:
    return Plaintexts(
        {
            f"{part} of event {number}": data
            for number, event in enumerate(events)
            for part, data in event.plaintexts.items()
        },
        WORDS
        | {
            f"{name} of event {number}": nal
            for number, event in enumerate(events)
            for name, nal in parameter_sets(event.plaintexts["clip"]).items()
        },
    )


@dataclass(frozen=True)
class Store:
    url: str
    endpoint: str | None
    contents: Callable[[], dict[str, bytes]]
    """Every blob the store holds, by key (on S3 each object's metadata is scanned too,
    and no unfinished upload may be left)."""


@pytest.fixture(params=["filesystem", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    if request.param == "filesystem":
        root = tmp_path / "blobs"
        return Store(
            root.as_uri(),
            None,
            lambda: {str(path): path.read_bytes() for path in root.rglob("*") if path.is_file()},
        )
    endpoint: str = request.getfixturevalue("moto_endpoint")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = make_s3_client(endpoint)
    bucket = f"doorstep-scan-{uuid.uuid4().hex}"
    client.create_bucket(Bucket=bucket)

    def objects() -> dict[str, bytes]:
        assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
        held = {}
        for item in client.list_objects_v2(Bucket=bucket).get("Contents", []):
            stored = client.get_object(Bucket=bucket, Key=item["Key"])
            held[item["Key"]] = stored["Body"].read()
            metadata = repr(stored.get("Metadata", {})).encode()
            assert signatures(metadata, strict=False, words=WORDS) == [], metadata
        return held

    return Store(f"s3://{bucket}/blobs", endpoint, objects)


@dataclass(frozen=True)
class Uploaded:
    event: Event
    parts: dict[str, bytes]
    content_key: bytes
    device_public: Ed25519PublicKey


async def upload(client: AsyncClient, actors: Actors, event: Event) -> Uploaded:
    """``event`` sealed as the edge seals it and uploaded by a paired device."""
    owner = actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    device = actors.device(owner, home_id)
    response = await client.get("/v1/device", headers=device)
    assert response.status_code == 200, response.text
    home_key = response.json()["home_key"]
    sealed = seal_event(
        event.plaintexts,
        clip_id=event.clip_id,
        camera_id=camera_id,
        started_at=event.started_at,
        ended_at=event.ended_at,
        device_key=device.signing_key,
        home_key=HomeKey(home_key["id"], base64.b64decode(home_key["public_key"])),
    )
    for name, data in sealed.parts.items():
        response = await client.put(
            f"/v1/device/clips/{event.clip_id}/parts/{name}", content=data, headers=device
        )
        assert response.status_code == 200, response.text
    keys = [
        {
            "recipient_key_id": key.recipient_key_id,
            "wrapped_key": base64.b64encode(key.wrapped_key).decode(),
        }
        for key in sealed.keys
    ]
    times = (event.started_at, event.ended_at)
    body = commit_body(event.clip_id, camera_id, sealed.parts, keys, times)
    response = await client.post("/v1/device/clips", json=body, headers=device)
    assert response.status_code == 201, response.text
    response = await client.get(f"/v1/clips/{event.clip_id}/parts/snapshot", headers=owner.headers)
    assert response.content == sealed.parts["snapshot"]
    content_key = unwrap_key(
        sealed.keys[0].wrapped_key,
        recipient=actors.home_key(owner, home_id),
        subject=clip_subject(event.clip_id),
    )
    return Uploaded(event, sealed.parts, content_key, device.signing_key.public_key())


def open_all(uploaded: Uploaded) -> dict[str, bytes]:
    """What the household opens: each part's plaintext."""
    return {
        part: open_part(
            sealed,
            content_key=uploaded.content_key,
            clip_id=uploaded.event.clip_id,
            part=part,
            device_public=uploaded.device_public,
        ).plaintext
        for part, sealed in uploaded.parts.items()
    }


def database_files(database: Path) -> list[Path]:
    files = [database, *(database.with_name(database.name + tail) for tail in ("-wal", "-shm"))]
    return [file for file in files if file.exists()]


def scan_database(database: Path, known: Plaintexts) -> dict[str, list[str]]:
    return {file.name: file_findings(file.read_bytes(), known) for file in database_files(database)}


async def test_no_store_and_no_database_file_holds_plaintext(
    tmp_path: Path, store: Store, events: list[Event], known: Plaintexts
) -> None:
    database = tmp_path / "hub" / "doorstep.db"
    database.parent.mkdir()
    settings = Settings(
        data_dir=tmp_path / "hub",
        database_url=f"sqlite:///{database}",
        storage_url=store.url,
        s3_endpoint_url=store.endpoint,
        bus_url="memory://",
        secret_key=SecretStr("plaintext-scan-secret-key-" + "x" * 32),
    )
    engine = make_engine(settings.resolved_database_url())
    upgrade_database(engine)
    engine.dispose()
    application = create_app(settings)
    sealed: dict[str, bytes] = {}
    uploads = []
    async with application.router.lifespan_context(application):
        transport = ASGITransport(app=application, client=("198.51.100.7", 50000))
        async with AsyncClient(transport=transport, base_url="http://hub.test") as client:
            actors = Actors(hub=application.state.hub, client=client)
            for number, event in enumerate(events):
                uploads.append(await upload(client, actors, event))
                parts = uploads[-1].parts
                sealed |= {f"{part} of event {number}": data for part, data in parts.items()}
            # While the hub runs, the latest writes sit in the -wal file.
            running = scan_database(database, known)
    assert set(running) == {"doorstep.db", "doorstep.db-wal", "doorstep.db-shm"}
    assert running == {name: [] for name in running}
    stopped = scan_database(database, known)
    assert stopped == {name: [] for name in stopped}

    blobs = store.contents()
    assert sorted(blobs.values()) == sorted(sealed.values())
    findings = {key: sealed_findings(blob, known) for key, blob in blobs.items()}
    assert {key: found for key, found in findings.items() if found} == {}
    # Nothing else the hub keeps on disk holds plaintext either.
    for path in (tmp_path / "hub").rglob("*"):
        if path.is_file() and not path.name.startswith("doorstep.db"):
            data = path.read_bytes()
            check = sealed_findings if data.startswith(b"DOORSTEP") else file_findings
            assert check(data, known) == [], path

    # What was scanned opens, with the home's key, to the very plaintexts sought.
    assert [open_all(uploaded) for uploaded in uploads] == [event.plaintexts for event in events]
    check_the_scan_would_find_plaintext(tmp_path, database, sealed, events, known)


# What the planted control rows must make the database scan report, as data.
PLANTED = {
    "JPEG SOI",
    "PNG start",
    "MP4 box",
    "H.264 SPS",
    "sps of event 0",
    "pps of event 0",
    "details words",
    "the label",
    "the zone",
    "snapshot of event 0",
    "details of event 0",
    "clip of event 1",
    "snapshot of event 1 (base64 from byte 0)",
}


def kinds(findings: Iterable[str]) -> set[str]:
    """``"70 bytes of details of event 0 at 4100"`` -> ``"details of event 0"``."""
    return {re.sub(r"^\d+ bytes of ", "", re.sub(r" at \d+$", "", found)) for found in findings}


def check_the_scan_would_find_plaintext(
    tmp_path: Path,
    database: Path,
    sealed: dict[str, bytes],
    events: list[Event],
    known: Plaintexts,
) -> None:
    """The same scans on a control copy of the database with plaintext planted in a
    table, and on sealed blobs with plaintext in place of their ciphertext, find it."""
    control = tmp_path / "control.db"
    with sqlite3.connect(database) as source, sqlite3.connect(control) as copy:
        source.backup(copy)
    copy = sqlite3.connect(control)
    copy.execute("PRAGMA journal_mode=WAL")
    copy.execute("PRAGMA wal_autocheckpoint=0")  # the planted rows stay in the -wal file
    copy.execute("CREATE TABLE planted (data)")
    sps_pps = parameter_sets(events[0].plaintexts["clip"])
    rows = [
        events[0].plaintexts["snapshot"],
        events[0].plaintexts["details"].decode(),
        events[1].plaintexts["clip"],
        sps_pps["sps"] + sps_pps["pps"] + b"\x89PNG\r\n\x1a\n",
        base64.b64encode(events[1].plaintexts["snapshot"]).decode(),
    ]
    copy.executemany("INSERT INTO planted VALUES (?)", [(row,) for row in rows])
    copy.commit()
    try:
        in_wal = scan_database(control, known)
        assert PLANTED <= kinds(in_wal["control.db-wal"]), in_wal["control.db-wal"][:20]
    finally:
        copy.close()
    checkpointed = scan_database(control, known)
    assert list(checkpointed) == ["control.db"]
    assert PLANTED <= kinds(checkpointed["control.db"])

    for name, blob in sealed.items():
        header_end = 12 + int.from_bytes(blob[10:12], "big")
        plaintext = known.plaintexts[name]
        in_clear = sealed_findings(blob[:header_end] + plaintext, known)
        assert name in kinds(in_clear), (name, in_clear[:5])
        if len(plaintext) < 64 * 1024:
            assert any(found.startswith("entropy") for found in in_clear), (name, in_clear[:5])
        # 64 bytes of plaintext amid the ciphertext are found wherever they are.
        middle = len(blob) // 2
        # (Details are padded with spaces: the window is taken from their words.)
        content = plaintext.rstrip(b" ")
        window = content[len(content) // 2 :][:64]
        spliced = blob[:middle] + window + blob[middle + 64 :]
        found = sealed_findings(spliced, known)
        # (Two events' details share most words: the run may be named by the other's.)
        assert any(f" bytes of {name[:-1]}" in item for item in found), (name, found)
