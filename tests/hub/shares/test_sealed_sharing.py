"""Sharing against a real hub on both backends, honest and lying (``tests/lying_hub.py``):
nothing about a clip's plaintext reaches the hub, in the requests or in its rows; a
swapped agency key is refused before any key is wrapped; a clip from a device the owner
never signed is refused; and the agency's package verifies and decrypts."""

from __future__ import annotations

import base64
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select, text

from doorstep.agency.keys import load_agency_key, publish_agency_key
from doorstep.audit.checkpoint import LogKey
from doorstep.audit.keyproof import KeyRefused
from doorstep.crypto.attestation import open_attestation
from doorstep.crypto.format import PARTS
from doorstep.crypto.keys import key_id, public_raw
from doorstep.crypto.pairing import device_tag, split_code
from doorstep.errors import CryptoError
from doorstep.evidence.verify import verify_package
from doorstep.hub.db import make_engine, make_session_factory
from doorstep.hub.shares.models import SharedClip
from doorstep.owner.api import HubApi
from doorstep.owner.keys import clip_access, open_clip_part
from doorstep.owner.pairing import issue_pairing_code
from doorstep.owner.sharing import answer_request
from tests.cli.test_agency import file_request
from tests.hub.shares.officers import served_officer
from tests.lying_hub import ServedHub
from tests.owner.residents import Device, Home, make_home, pair_device, record_clip

INBOX_ENTRY = r"/v1/inbox/[^/]+"


class Recording(httpx.BaseTransport):
    """Every request the owner's client sends, with its body, then sent on."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, bytes]] = []
        self._transport = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.method, request.url.path, request.read()))
        return self._transport.handle_request(request)

    def close(self) -> None:
        self._transport.close()


@dataclass(frozen=True)
class World:
    served: ServedHub
    home: Home
    clip_id: uuid.UUID
    rogue_clip_id: uuid.UUID  # from a device the hub paired but the owner never signed
    agency_key: X25519PrivateKey
    officer: HubApi
    entry_id: uuid.UUID


def _unsigned_device(home: Home) -> Device:
    """A device the hub pairs (with a real code) that the owner's client never signs in."""
    device_key = Ed25519PrivateKey.generate()
    public = public_raw(device_key.public_key())
    with home.owner.api() as api:
        hub_part, secret = split_code(
            issue_pairing_code(api, home.home_id, home.owner.user_key).code
        )
    paired = httpx.post(
        f"{home.owner.url}/v1/devices/pair",
        json={
            "code": hub_part,
            "name": "hub's own",
            "public_key": base64.b64encode(public).decode(),
            "device_tag": base64.b64encode(device_tag(secret, home.home_id, public)).decode(),
        },
    )
    paired.raise_for_status()
    return Device(uuid.UUID(paired.json()["device"]["id"]), device_key, paired.json()["token"])


@pytest.fixture
def world(served_hub: ServedHub, tmp_path: Path) -> Iterator[World]:
    home = make_home(served_hub.url)
    clip_id = record_clip(tmp_path, home, pair_device(home))
    rogue_clip_id = record_clip(tmp_path, home, _unsigned_device(home))
    with served_officer(served_hub, tmp_path) as officer:
        key_file = tmp_path / "agency.key"
        publish_agency_key(officer, key_file)
        file_request(officer, "CASE-SEALED-1")
        with home.owner.api() as owner:
            [entry] = owner.call("GET", "/v1/inbox")["data"]
        yield World(
            served_hub,
            home,
            clip_id,
            rogue_clip_id,
            load_agency_key(key_file),
            officer,
            uuid.UUID(entry["id"]),
        )


def _recording_api(world: World) -> tuple[HubApi, Recording]:
    recording = Recording()
    return HubApi(world.served.url, world.home.owner.token, transport=recording), recording


def _secrets(world: World) -> dict[str, bytes]:
    """Each part's plaintext SHA-256 and device signature, opened here by the owner."""
    found = {}
    with world.home.owner.api() as api:
        for part in PARTS:
            summary = open_clip_part(api, world.clip_id, part, world.home.owner.user_key).summary
            found[f"{part} plaintext_sha256"] = summary.plaintext_sha256
            found[f"{part} device_signature"] = summary.device_signature
    return found


def _spellings(raw: bytes) -> list[bytes]:
    return [raw, raw.hex().encode(), base64.b64encode(raw), base64.b64encode(raw).rstrip(b"=")]


def _stored(world: World) -> list[bytes]:
    """Every value of every row the share wrote that is readable on the hub, as bytes."""
    engine = make_engine(world.served.database_url)
    values: list[bytes] = []
    with engine.connect() as connection:
        for table in ("shares", "shared_clips", "share_events", "audit_entries", "notifications"):
            for row in connection.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
                values += [v if isinstance(v, bytes) else str(v).encode() for v in row]
    engine.dispose()
    return values


def test_a_share_sends_no_plaintext_digest_or_device_signature_to_the_hub(
    world: World, tmp_path: Path
) -> None:
    secrets = _secrets(world)
    assert len(secrets) == 2 * len(PARTS)
    api, recording = _recording_api(world)
    with api:
        shared = answer_request(api, world.entry_id, [world.clip_id], world.home.owner.user_key)
    [posted] = [body for method, _, body in recording.sent if method == "POST"]
    assert b'"sealed_attestation"' in posted and b'"attestations"' not in posted
    stored = _stored(world)
    leaks = [
        name
        for name, raw in secrets.items()
        for spelling in _spellings(raw)
        if any(spelling in body for _, _, body in recording.sent)
        or any(spelling in value for value in stored)
    ]
    assert leaks == []
    # What the hub keeps opens, for whoever holds the clip key, to what the owner saw.
    engine = make_engine(world.served.database_url)
    with make_session_factory(engine)() as session:
        row = session.scalars(select(SharedClip)).one()
        assert row.sealed_attestation is not None
        with world.home.owner.api() as owner:
            content_key = clip_access(owner, world.clip_id, world.home.owner.user_key).content_key
        opened = open_attestation(
            row.sealed_attestation, content_key=content_key, clip_id=world.clip_id
        )
    engine.dispose()
    for part in PARTS:
        assert opened.parts[part].plaintext_sha256 == secrets[f"{part} plaintext_sha256"]
        assert opened.parts[part].device_signature == secrets[f"{part} device_signature"]
    # The agency's package verifies, device key in the owner's list, and decrypts.
    package = world.officer.download(f"/v1/agency/shares/{shared['id']}/package")
    vkey = httpx.get(f"{world.served.url}/v1/audit/key").json()["vkey"]
    report = verify_package(
        io.BytesIO(package), hub_key=LogKey.from_vkey(vkey), agency_key=world.agency_key
    )
    assert report.key_list is not None and report.key_list.home_id == world.home.home_id
    assert all(part.attested for clip in report.clips for part in clip.parts)
    receipt = api_receipt(world, shared["id"])
    assert [set(clip) for clip in receipt["receipt"]["clips"]] == [{"clip_id", "ciphertext_sha256"}]


def api_receipt(world: World, share_id: str) -> dict[str, Any]:
    with world.home.owner.api() as owner:
        receipt: dict[str, Any] = owner.call("GET", f"/v1/me/shares/{share_id}/receipt")
    return receipt


_HUB_AGENCY_KEY = X25519PrivateKey.generate()
_HUB_PUBLIC = base64.b64encode(public_raw(_HUB_AGENCY_KEY.public_key())).decode()
# How the hub swaps the agency's key on the inbox entry, and the client's refusal.
AGENCY_SWAPS: dict[str, tuple[dict[str, Any], str]] = {
    "its key with the agency's real id": ({"public_key": _HUB_PUBLIC}, "does not match its id"),
    "its key with its own id": (
        {"public_key": _HUB_PUBLIC, "key_id": key_id(_HUB_AGENCY_KEY.public_key())},
        "log entry says key_id is",
    ),
    "the real key without its proof": ({"proof": None}, "has no inclusion proof"),
}


def test_a_swapped_agency_key_is_refused_before_any_key_is_wrapped(
    world: World, subtests: pytest.Subtests
) -> None:
    """Each swap in turn on one world: a refusal writes nothing, and the hub tells the
    truth again before the next swap."""
    for case, (swap, words) in sorted(AGENCY_SWAPS.items()):
        with subtests.test(case):
            world.served.lying.reset()
            world.served.lying.rewrite(
                "GET",
                INBOX_ENTRY,
                lambda entry, swap=swap: {**entry, "agency": {**entry["agency"], **swap}},
            )
            api, recording = _recording_api(world)
            with api, pytest.raises(KeyRefused, match=words):
                answer_request(api, world.entry_id, [world.clip_id], world.home.owner.user_key)
            assert world.served.lying.rewritten == [("GET", f"/v1/inbox/{world.entry_id}")]
            # Refused at the entry (after reading the log to check the proof): no clip key
            # was fetched, so none was opened or wrapped, and nothing was posted.
            sent = {(method, path) for method, path, _ in recording.sent}
            assert sent - {("GET", "/v1/audit/key"), ("GET", "/v1/audit/checkpoint")} == {
                ("GET", f"/v1/inbox/{world.entry_id}")
            }
            assert _share_rows(world) == 0


def test_a_clip_from_a_device_the_owner_never_signed_is_refused(world: World) -> None:
    api, recording = _recording_api(world)
    with api, pytest.raises(CryptoError, match="not in home .* owner-signed key list"):
        answer_request(
            api,
            world.entry_id,
            [world.clip_id, world.rogue_clip_id],
            world.home.owner.user_key,
        )
    assert [method for method, _, _ in recording.sent if method != "GET"] == []
    assert _share_rows(world) == 0


def _share_rows(world: World) -> int:
    engine = make_engine(world.served.database_url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM shared_clips")).scalar_one()
    engine.dispose()
    return int(count)
