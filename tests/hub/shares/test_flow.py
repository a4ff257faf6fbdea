"""The core loop: request → inbox → share → receipt → evidence package → withdraw/expiry."""

from __future__ import annotations

import io
import json
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from httpx import AsyncClient
from sqlalchemy import select

from doorstep.audit.checkpoint import LogKey
from doorstep.evidence import EvidenceError
from doorstep.evidence.receipt import verify_receipt
from doorstep.evidence.verify import verify_package
from doorstep.hub.keys.models import ClipKey
from doorstep.hub.requests.housekeeping import housekeep
from doorstep.hub.shares.models import SharedClip
from doorstep.hub.state import HubState
from tests.hub.actors import Actors
from tests.hub.shares import scene


async def _hub_key(client: AsyncClient) -> LogKey:
    return LogKey.from_vkey((await client.get("/v1/audit/key")).json()["vkey"])


def _agency_keys_left(hub: HubState, share_id: str) -> list[bytes | None]:
    with hub.sessions() as session:
        return list(
            session.scalars(
                select(SharedClip.wrapped_key).where(SharedClip.share_id == uuid.UUID(share_id))
            )
        )


async def test_a_shared_clip_reaches_the_agency_verifiably_until_withdrawn(
    actors: Actors, client: AsyncClient, hub: HubState, tmp_path: Path
) -> None:
    agency = await scene.agency(actors, client)
    home = await scene.home_with_clip(actors, client)
    request = await scene.file_request(client, agency)

    entry = await scene.delivery_of(client, home, request["id"])
    assert entry["agency"]["key_id"] is not None
    detail = (await client.get(f"/v1/inbox/{entry['id']}", headers=home.owner.headers)).json()
    assert [clip["id"] for clip in detail["clips_in_window"]] == [str(home.clip_id)]

    shared = await scene.share(client, actors, home, agency, request["id"])
    assert [clip["key_held"] for clip in shared["clips"]] == [True]
    seen = await client.get(f"/v1/agency/requests/{request['id']}", headers=agency.member.headers)
    assert seen.json()["clips_shared"] == 1

    # The owner's receipt verifies offline, against the hub's published key; an edit fails.
    hub_key = await _hub_key(client)
    receipt = (
        await client.get(f"/v1/me/shares/{shared['id']}/receipt", headers=home.owner.headers)
    ).json()
    verify_receipt(receipt, hub_key=hub_key)
    edited = json.loads(json.dumps(receipt))
    edited["receipt"]["expires_at"] = "2099-01-01T00:00:00+00:00"
    with pytest.raises(EvidenceError):
        verify_receipt(edited, hub_key=hub_key)

    # The agency's package verifies and decrypts to the very bytes the camera recorded.
    download = await client.get(
        f"/v1/agency/shares/{shared['id']}/package", headers=agency.member.headers
    )
    assert download.status_code == 200, download.text
    out = tmp_path / "out"
    verify_package(
        io.BytesIO(download.content), hub_key=hub_key, agency_key=agency.key, out_dir=out
    )
    decrypted = {path.stem: path.read_bytes() for path in (out / str(home.clip_id)).iterdir()}
    assert decrypted == home.payloads

    listed = (await client.get(f"/v1/me/shares/{shared['id']}", headers=home.owner.headers)).json()
    assert [d["member_name"] for d in listed["downloads"]] == [agency.member.email.split("@")[0]]

    withdrawn = await client.post(
        f"/v1/me/shares/{shared['id']}/withdraw", headers=home.owner.headers
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["end_reason"] == "withdrawn"
    assert len(withdrawn.json()["downloads"]) == 1  # downloads made stay listed
    refused = await client.get(
        f"/v1/agency/shares/{shared['id']}/package", headers=agency.member.headers
    )
    assert refused.status_code == 409
    assert _agency_keys_left(hub, shared["id"]) == [None]
    with hub.sessions() as session:
        assert (
            session.scalar(
                select(ClipKey).where(ClipKey.recipient_key_id == entry["agency"]["key_id"])
            )
            is None
        )


async def test_access_ends_when_the_share_expires(
    actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    agency = await scene.agency(actors, client)
    home = await scene.home_with_clip(actors, client)
    request = await scene.file_request(client, agency)
    shared = await scene.share(client, actors, home, agency, request["id"])
    expires = datetime.fromisoformat(shared["expires_at"])

    assert housekeep(hub.sessions, now=expires - timedelta(seconds=1)) == (0, 0)
    assert _agency_keys_left(hub, shared["id"]) != [None]
    assert housekeep(hub.sessions, now=expires) == (1, 0)

    assert _agency_keys_left(hub, shared["id"]) == [None]
    refused = await client.get(
        f"/v1/agency/shares/{shared['id']}/package", headers=agency.member.headers
    )
    assert refused.status_code == 409
    entries = (await client.get("/v1/audit/entries", params={"start": 0, "limit": 1000})).json()
    expired = [e for e in entries["data"] if e["entry"]["action"] == "share.expired"]
    assert [e["entry"]["objects"] for e in expired] == [
        {"clip_id": str(home.clip_id), "request_id": request["id"]}
    ]
