"""Faces are never compared, embedded or stored: no hub route or table, and no file the edge
writes, holds face data beyond the blur boxes the edge uses while it makes a twin.

Face data, as data: :data:`FACE_DATA_WORDS` are the words a name holding a face's crop,
embedding, landmarks or likeness would carry; every name the hub serves or stores (routes,
their parameters and schemas, tables, columns, on both backends) and every name the edge
writes (files, outbox tables, an event's fields and details) is split into words and
checked against them. The files an edge scan writes after finding faces are then read
back: each must be a whole frame's clip or snapshot (a face crop would be smaller), and
none may hold an array dump or a face-data word.
"""

from __future__ import annotations

import dataclasses
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import inspect

from doorstep.edge.detect.base import Detection
from doorstep.edge.detect.faces import FaceDetector
from doorstep.edge.outbox import Outbox
from doorstep.edge.pipeline import RecordedEvent
from doorstep.edge.scan import scan_file
from doorstep.hub.app import create_app
from doorstep.hub.db import make_engine
from doorstep.settings import Settings
from tests.hub.authorization.walk import served

FACE_DATA_WORDS = frozenset(
    {
        "face",
        "faces",
        "facial",
        "faceprint",
        "embedding",
        "embeddings",
        "landmark",
        "landmarks",
        "biometric",
        "biometrics",
        "recognition",
        "likeness",
        "descriptor",
    }
)
# Byte strings no written file may contain: a NumPy array dump, or a face-data word.
FORBIDDEN_BYTES = (b"\x93NUMPY", b"landmark", b"embedding", b"biometric", b"faceprint")
WRITTEN_SUFFIXES = {".mp4", ".jpg"}  # an edge scan writes clips and snapshots, nothing else
FRAME = (640, 360)  # the close-up's size: every written image or video is a whole frame


def words(name: str) -> set[str]:
    """``faceBox``, ``face_box``, ``/faces/{id}`` → {"face", "box"}, ...: lower-case words."""
    snake = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return set(re.findall(r"[a-z]+", snake.lower()))


def face_named(names: Iterable[str]) -> list[str]:
    return sorted(name for name in names if words(name) & FACE_DATA_WORDS)


def test_the_word_check_catches_face_data_names() -> None:
    caught = ["face_crop", "faceEmbedding", "/api/faces/{id}", "Landmarks", "face-box.jpg"]
    passed = ["interface", "surface_id", "snapshot", "clip", "twin", "blurred"]
    assert face_named(caught + passed) == sorted(caught)


def openapi_names(schema: object) -> Iterator[str]:
    """Every key and every "name" value in the OpenAPI document: paths, parameters,
    schema and property names."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            yield str(key)
            if key == "name" and isinstance(value, str):
                yield value
            yield from openapi_names(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from openapi_names(value)


@pytest.fixture(scope="module")
def hub_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    data = tmp_path_factory.mktemp("hub")
    return create_app(
        Settings(
            data_dir=data,
            database_url=f"sqlite:///{data / 'unused.db'}",
            storage_url=(data / "blobs").as_uri(),
            secret_key=SecretStr("test-secret-key-" + "x" * 32),
        )
    )


def test_no_hub_route_or_api_schema_names_face_data(hub_app: FastAPI) -> None:
    routes = [path for _, path in served(hub_app)]
    assert len(routes) > 50  # the walk sees the whole app
    assert face_named(routes) == []
    assert face_named(set(openapi_names(hub_app.openapi()))) == []


def test_no_hub_table_or_column_holds_face_data(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        inspector = inspect(engine)
        tables = inspector.get_table_names()
        assert "clips" in tables  # a migrated schema
        names = list(tables)
        for table in tables:
            names += [f"{table}.{column['name']}" for column in inspector.get_columns(table)]
    finally:
        engine.dispose()
    assert face_named(names) == []


def test_an_edge_scan_with_faces_keeps_no_face_data(
    face_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found: list[Detection] = []
    detect = FaceDetector.detect

    def counted(self: FaceDetector, image: np.ndarray, regions: list[object]) -> list[Detection]:
        faces = detect(self, image, regions)  # type: ignore[arg-type]
        found.extend(faces)
        return faces

    monkeypatch.setattr(FaceDetector, "detect", counted)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    out = tmp_path / "events"
    scanned = scan_file(face_video, out=out)
    assert found, "the scan found no face: nothing here would be proven"
    assert scanned, "the close-up made no event"
    assert list(scratch.iterdir()) == []  # the scan's working files are gone

    written = sorted(path for path in out.rglob("*") if path.is_file())
    assert face_named(path.name for path in written) == []
    for path in written:
        assert path.suffix in WRITTEN_SUFFIXES, path
        content = path.read_bytes()
        assert not [marker for marker in FORBIDDEN_BYTES if marker in content], path
        assert frame_size(path) == FRAME, f"{path.name} is not a whole frame: a crop?"

    event = scanned[0].event
    names = [field.name for field in dataclasses.fields(RecordedEvent)]
    assert face_named(names + list(event.details())) == []
    # The blurred twin the edge seals beside the clip: whole frames as well.
    twin = tmp_path / "twin"
    twin.mkdir()
    (twin / "clip.mp4").write_bytes(event.twin_clip)
    (twin / "snapshot.jpg").write_bytes(event.twin_snapshot)
    for path in twin.iterdir():
        assert frame_size(path) == FRAME, f"the twin's {path.name} is not a whole frame"


def test_the_edge_outbox_has_no_face_data_columns(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox", quota_bytes=1 << 20)
    outbox.close()
    with sqlite3.connect(tmp_path / "outbox" / "outbox.db") as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        names = list(tables)
        for table in tables:
            names += [f"{table}.{row[1]}" for row in db.execute(f'PRAGMA table_info("{table}")')]
    assert "items" in tables
    assert face_named(names) == []


def frame_size(path: Path) -> tuple[int, int]:
    if path.suffix == ".jpg":
        image = cv2.imdecode(np.frombuffer(path.read_bytes(), np.uint8), cv2.IMREAD_COLOR)
        return int(image.shape[1]), int(image.shape[0])
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return int(stream.width), int(stream.height)
