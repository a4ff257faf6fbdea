"""The outbox keeps every part on disk until the hub confirms it, within a quota."""

from __future__ import annotations

import logging
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from doorstep.edge.outbox import Outbox

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def add(outbox: Outbox, size: int = 1000) -> uuid.UUID:
    item = outbox.add(
        camera_id=uuid.uuid4(),
        started_at=NOW,
        ended_at=NOW + timedelta(seconds=10),
        parts={"clip": os.urandom(size), "snapshot": os.urandom(100), "details": b"{}"},
    )
    return item.id


def test_parts_are_on_disk_and_survive_a_restart(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, quota_bytes=10_000_000)
    item_id = add(outbox)
    outbox.mark_part_uploaded(item_id, "clip")
    outbox.close()
    reopened = Outbox(tmp_path, quota_bytes=10_000_000)
    (item,) = reopened.pending()
    assert item.id == item_id
    assert item.started_at == NOW
    assert {p.name: p.uploaded for p in item.parts} == {
        "clip": True,
        "details": False,
        "snapshot": False,
    }
    assert all(p.path.read_bytes() and p.path.stat().st_size == p.size for p in item.parts)
    assert not list(tmp_path.rglob("*.tmp"))


def test_stray_directories_from_a_crash_are_removed(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, quota_bytes=10_000_000)
    kept = add(outbox)
    outbox.close()
    stray = tmp_path / "items" / str(uuid.uuid4())
    stray.mkdir()
    (stray / "clip").write_bytes(b"half written")
    Outbox(tmp_path, quota_bytes=10_000_000)
    assert not stray.exists()
    assert (tmp_path / "items" / str(kept)).exists()


def test_quota_evicts_oldest_uploaded_never_pending(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outbox = Outbox(tmp_path, quota_bytes=3_000)  # each item is 1,102 bytes
    first, second = add(outbox), add(outbox)
    outbox.mark_uploaded(first)
    outbox.mark_uploaded(second)
    third = add(outbox)  # over quota: the oldest uploaded goes first
    assert not (tmp_path / "items" / str(first)).exists()
    assert (tmp_path / "items" / str(second)).exists()
    with caplog.at_level(logging.WARNING, logger="doorstep.edge.outbox"):
        extra = [add(outbox) for _ in range(4)]
    assert all((tmp_path / "items" / str(i)).exists() for i in (third, *extra))
    assert outbox.usage().over_quota
    assert "not yet on the hub" in caplog.text
    assert {item.id for item in outbox.pending()} == {third, *extra}


def test_rejected_items_stay_on_disk_and_leave_the_queue(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, quota_bytes=10_000_000)
    item_id = add(outbox)
    outbox.mark_rejected(item_id, "404: camera not found")
    assert outbox.pending() == []
    assert outbox.get(item_id).state == "rejected"
    assert (tmp_path / "items" / str(item_id) / "clip").exists()
