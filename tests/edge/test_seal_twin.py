"""An event's blurred twin is sealed under a content key of its own, kept beside the clip's."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.crypto.envelope import clip_subject
from doorstep.crypto.keys import key_id, public_raw
from doorstep.crypto.unwrap import unwrap_key
from doorstep.edge.keyring import HomeKey
from doorstep.edge.outbox import Outbox, WrappedKey
from doorstep.edge.seal import seal_event
from tests.hub.clips.uploads import opened_by_their_own_keys

PLAINTEXTS = {
    "clip": b"the clip",
    "snapshot": b"the snapshot",
    "details": b"{}",
    "twin_clip": b"the clip, faces blurred",
    "twin_snapshot": b"the snapshot, faces blurred",
}


def test_the_twin_key_opens_the_twin_and_nothing_else() -> None:
    device, home = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
    home_public = public_raw(home.public_key())
    clip_id, now = uuid.uuid4(), datetime.now(UTC)
    sealed = seal_event(
        PLAINTEXTS,
        clip_id=clip_id,
        camera_id=uuid.uuid4(),
        started_at=now,
        ended_at=now,
        device_key=device,
        home_key=HomeKey(id=key_id(home.public_key()), public_key=home_public),
    )
    assert sorted(key.scope for key in sealed.keys) == ["clip", "twin"]
    keys = {
        key.scope: unwrap_key(key.wrapped_key, recipient=home, subject=clip_subject(clip_id))
        for key in sealed.keys
    }
    assert keys["clip"] != keys["twin"]
    opened = opened_by_their_own_keys(sealed.parts, keys, clip_id, device.public_key())
    assert opened == PLAINTEXTS


def test_an_event_without_a_twin_has_one_key() -> None:
    home = X25519PrivateKey.generate()
    now = datetime.now(UTC)
    sealed = seal_event(
        {name: PLAINTEXTS[name] for name in ("clip", "snapshot", "details")},
        clip_id=uuid.uuid4(),
        camera_id=uuid.uuid4(),
        started_at=now,
        ended_at=now,
        device_key=Ed25519PrivateKey.generate(),
        home_key=HomeKey(id="a" * 32, public_key=public_raw(home.public_key())),
    )
    assert [key.scope for key in sealed.keys] == ["clip"]


def test_the_outbox_keeps_each_keys_scope_and_reads_older_items_as_clip_keys(
    tmp_path: Path,
) -> None:
    outbox = Outbox(tmp_path, quota_bytes=10**6)
    now = datetime.now(UTC)
    keys = (WrappedKey("a" * 32, b"clip key"), WrappedKey("a" * 32, b"twin key", "twin"))
    item = outbox.add(camera_id=uuid.uuid4(), started_at=now, ended_at=now, parts={}, keys=keys)
    assert outbox.get(item.id).keys == keys
    older = outbox.add(camera_id=uuid.uuid4(), started_at=now, ended_at=now, parts={})
    outbox.close()
    with sqlite3.connect(tmp_path / "outbox.db") as db:  # as an outbox before twins wrote it
        db.execute(
            "UPDATE items SET keys = ? WHERE id = ?",
            (json.dumps([["b" * 32, b"old key".hex()]]), str(older.id)),
        )
    reopened = Outbox(tmp_path, quota_bytes=10**6)
    assert reopened.get(older.id).keys == (WrappedKey("b" * 32, b"old key", "clip"),)
    reopened.close()
