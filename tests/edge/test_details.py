"""A sealed details part has one size, whatever the event was."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.crypto.decrypt import open_part
from doorstep.crypto.envelope import clip_subject
from doorstep.crypto.keys import key_id, public_raw
from doorstep.crypto.unwrap import unwrap_key
from doorstep.edge.config import load_edge_config
from doorstep.edge.keyring import HomeKey
from doorstep.edge.pipeline import DetailsTooLarge, RecordedEvent
from doorstep.edge.seal import seal_event
from doorstep.errors import ConfigurationError

DEVICE = Ed25519PrivateKey.generate()
HOME = X25519PrivateKey.generate()
HOME_KEY = HomeKey(key_id(HOME.public_key()), public_raw(HOME.public_key()))


def event(label: str, *, zones: tuple[str, ...] = (), trigger: str | None = None) -> RecordedEvent:
    start = datetime(2026, 12, 3, 7, 0, 0, 123456, tzinfo=UTC)
    return RecordedEvent(
        id=uuid.uuid4(),
        camera_id=uuid.uuid4(),
        label=label,
        score=0.91234,
        start_s=2.5,
        end_s=8.25,
        clip_start_s=0.5,
        clip_end_s=10.25,
        started_at=start,
        ended_at=start + timedelta(seconds=10),
        clip=b"clip",
        snapshot=b"snapshot",
        zones=zones,
        trigger=trigger,
    )


def sealed_details(recorded: RecordedEvent) -> tuple[bytes, bytes]:
    sealed = seal_event(
        {"details": recorded.details_json()},
        clip_id=recorded.id,
        camera_id=recorded.camera_id,
        started_at=recorded.started_at,
        ended_at=recorded.ended_at,
        device_key=DEVICE,
        home_key=HOME_KEY,
    )
    return sealed.parts["details"], sealed.keys[0].wrapped_key


def test_every_label_seals_to_one_size_and_opens_to_its_details() -> None:
    events = [
        event("person"),
        event("car"),
        event("package", zones=("porch", "driveway")),
        event("doorbell", trigger="doorbell"),
    ]
    sizes = set()
    for recorded in events:
        sealed, wrapped = sealed_details(recorded)
        sizes.add(len(sealed))
        content_key = unwrap_key(wrapped, recipient=HOME, subject=clip_subject(recorded.id))
        opened = open_part(
            sealed,
            content_key=content_key,
            clip_id=recorded.id,
            part="details",
            device_public=DEVICE.public_key(),
        )
        assert len(opened.plaintext) == 2048
        assert opened.plaintext.endswith(b" ")
        assert json.loads(opened.plaintext)["label"] == recorded.label
    assert len(sizes) == 1


def test_details_over_the_fixed_size_are_refused() -> None:
    with pytest.raises(DetailsTooLarge, match="over the 2048"):
        event("person", zones=tuple(f"zone {n:02d} " + "x" * 90 for n in range(20))).details_json()


def test_the_most_zone_names_a_camera_may_have_still_fit(tmp_path: Path) -> None:
    # 1024 bytes of zone names (as JSON) is the limit the configuration enforces.
    names = tuple("z" * 98 for _ in range(10))
    assert len(json.dumps(list(names))) == 1020
    longest = event("a" * 32, zones=names, trigger="b" * 32)
    assert len(longest.details_json()) == 2048


def config_with_zones(tmp_path: Path, names: list[str]) -> Path:
    zones = "".join(
        f'[[cameras.zones]]\nname = "{name}"\npolygon = [[0, 0], [1, 0], [1, 1]]\n'
        for name in names
    )
    path = tmp_path / "edge.toml"
    path.write_text(
        f"""
[[cameras]]
id = "{uuid.uuid4()}"
name = "Door"
source = {{ type = "file", path = "door.mp4" }}
{zones}"""
    )
    return path


def test_a_camera_whose_zone_names_would_not_fit_is_refused(tmp_path: Path) -> None:
    fits = [f"{n:02d}" + "z" * 96 for n in range(10)]
    assert len(load_edge_config(config_with_zones(tmp_path, fits)).cameras[0].zones) == 10
    with pytest.raises(ConfigurationError, match="zone names take more than 1024 bytes"):
        load_edge_config(config_with_zones(tmp_path, [*fits, "one more"]))
