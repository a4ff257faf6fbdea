"""An agency asks for longer access to a real share; its owner grants or refuses.

Time moves the way the other share tests move it: housekeeping is run at the moment
the share would expire. Where a route has no clock to move (asking, answering), the
share's expiry is set in the past in the database.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy import update

from doorstep.hub.accounts.models import Role
from doorstep.hub.db import transaction
from doorstep.hub.requests.housekeeping import housekeep
from doorstep.hub.shares.models import Share
from doorstep.hub.state import HubState
from tests.hub.actors import Actor, Actors
from tests.hub.shares import scene

# The most an owner may extend an agency's access at once (docs/requests.md, DESIGN.md).
MAX_EXTENSION = timedelta(days=180)
WITHDRAWN = "withdrawn"
REASON = "The trial date moved; the court needs the footage until then."


@dataclass
class Shared:
    agency: scene.Agency
    home: scene.Home
    request_id: str
    share_id: str
    expires_at: datetime
    agency_name: str


async def _shares(actors: Actors, client: AsyncClient, homes: int = 1) -> list[Shared]:
    """One agency's request, answered with a clip by each of ``homes`` homes."""
    agency = await scene.agency(actors, client)
    answering = [await scene.home_with_clip(actors, client) for _ in range(homes)]
    request = await scene.file_request(client, agency)
    found = []
    for home in answering:
        shared = await scene.share(client, actors, home, agency, request["id"])
        expires = datetime.fromisoformat(shared["expires_at"])
        found.append(Shared(agency, home, request["id"], shared["id"], expires, shared["agency"]))
    return found


async def _shared(actors: Actors, client: AsyncClient) -> Shared:
    [shared] = await _shares(actors, client)
    return shared


async def _ask(client: AsyncClient, member: Actor, share_id: str, until: datetime) -> Response:
    return await client.post(
        f"/v1/agency/shares/{share_id}/extension",
        json={"until": until.isoformat(), "reason": REASON},
        headers=member.headers,
    )


async def _answer(client: AsyncClient, who: Actor, share_id: str, *, grant: bool) -> Response:
    return await client.post(
        f"/v1/me/shares/{share_id}/extension", json={"grant": grant}, headers=who.headers
    )


async def _owner_view(client: AsyncClient, shared: Shared) -> dict[str, Any]:
    response = await client.get(
        f"/v1/me/shares/{shared.share_id}", headers=shared.home.owner.headers
    )
    assert response.status_code == 200, response.text
    view: dict[str, Any] = response.json()
    return view


async def _agency_view(client: AsyncClient, shared: Shared) -> dict[str, Any]:
    response = await client.get(
        f"/v1/agency/requests/{shared.request_id}/shares", headers=shared.agency.member.headers
    )
    assert response.status_code == 200, response.text
    [view] = [each for each in response.json()["data"] if each["id"] == shared.share_id]
    found: dict[str, Any] = view
    return found


def _terms(view: dict[str, Any]) -> tuple[datetime, datetime | None, str | None]:
    """(expires_at, extension_until, end_reason) from either side's view of the share."""
    until = view["extension_until"]
    return (
        datetime.fromisoformat(view["expires_at"]),
        datetime.fromisoformat(until) if until else None,
        view["end_reason"],
    )


async def _entries(client: AsyncClient, share_id: str) -> list[dict[str, Any]]:
    """The public audit entries that name the share, in log order."""
    page = (await client.get("/v1/audit/entries", params={"start": 0, "limit": 1000})).json()
    return [e["entry"] for e in page["data"] if e["entry"]["objects"].get("share_id") == share_id]


async def _notes(client: AsyncClient, who: Actor) -> list[tuple[str, str | None]]:
    page = (await client.get("/v1/me/notifications", headers=who.headers)).json()
    return [(note["kind"], note["subject_id"]) for note in page["data"]]


async def _download(client: AsyncClient, shared: Shared) -> Response:
    return await client.get(
        f"/v1/agency/shares/{shared.share_id}/package", headers=shared.agency.member.headers
    )


def _set_expiry(hub: HubState, share_id: str, expires_at: datetime) -> None:
    """No route asks the clock when it answers, so the past is set in the database."""
    with transaction(hub.sessions) as session:
        session.execute(
            update(Share).where(Share.id == uuid.UUID(share_id)).values(expires_at=expires_at)
        )


async def test_a_granted_extension_keeps_access_past_the_original_expiry(
    actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    shared = await _shared(actors, client)
    original, until = shared.expires_at, shared.expires_at + timedelta(days=30)

    asked = await _ask(client, shared.agency.member, shared.share_id, until)
    assert asked.status_code == 200, asked.text
    assert _terms(asked.json()) == (original, until, None)
    assert _terms(await _agency_view(client, shared)) == (original, until, None)
    seen = await _owner_view(client, shared)
    assert _terms(seen) == (original, until, None)
    assert seen["extension_reason"] == REASON
    owner_notes = await _notes(client, shared.home.owner)
    assert owner_notes[0] == ("extension_asked", shared.share_id)
    [message] = [
        note["message"]
        for note in (
            await client.get("/v1/me/notifications", headers=shared.home.owner.headers)
        ).json()["data"]
        if note["kind"] == "extension_asked"
    ]
    assert f"{until:%Y-%m-%d}" in message and REASON in message

    granted = await _answer(client, shared.home.owner, shared.share_id, grant=True)
    assert granted.status_code == 200, granted.text
    assert _terms(granted.json()) == (until, None, None)
    assert granted.json()["extension_reason"] is None
    assert _terms(await _owner_view(client, shared)) == (until, None, None)
    assert _terms(await _agency_view(client, shared)) == (until, None, None)

    # The original expiry passes and nothing ends; the package now carries the new term.
    assert housekeep(hub.sessions, now=original + timedelta(days=1)) == (0, 0)
    download = await _download(client, shared)
    assert download.status_code == 200, download.text
    with zipfile.ZipFile(io.BytesIO(download.content)) as package:
        terms = json.loads(package.read("terms.json"))
        custody = package.read("custody.json").decode()
    assert "share.extension_asked" in custody and "share.extended" in custody
    assert datetime.fromisoformat(terms["expires_at"]) == until
    assert housekeep(hub.sessions, now=until - timedelta(seconds=1)) == (0, 0)
    assert housekeep(hub.sessions, now=until) == (1, 0)
    assert (await _download(client, shared)).status_code == 409

    entries = await _entries(client, shared.share_id)
    assert [e["action"] for e in entries] == [
        "share.created",
        "clip.shared",
        "share.extension_asked",
        "share.extended",
        "share.downloaded",
    ]
    resident = entries[0]["actor"]
    assert entries[2]["actor"] == {
        "kind": "agency_member",
        "name": shared.agency.member.email.split("@")[0],
        "agency": shared.agency_name,
    }
    assert entries[3]["actor"] == resident and set(resident) == {"kind", "pseudonym"}
    for entry in entries[2:4]:
        assert entry["objects"] == {"share_id": shared.share_id, "until": until.isoformat()}
    # Only the requests' owner is told of the ask; the agency hears of nothing but the share.
    assert await _notes(client, shared.agency.member) == [("share_received", shared.share_id)]
    assert [kind for kind, _ in await _notes(client, shared.home.owner)] == [
        "extension_asked",
        "request",
    ]
    _assert_no_resident_identity(
        shared, [json.dumps(entries), custody, json.dumps(await _agency_view(client, shared))]
    )


def _assert_no_resident_identity(shared: Shared, texts: list[str]) -> None:
    owner = shared.home.owner
    for text in texts:
        for identity in (
            owner.email,
            owner.email.split("@")[0],
            str(owner.user_id),
            str(shared.home.home_id),
        ):
            assert identity not in text, identity


async def test_a_refused_extension_ends_access_at_the_original_expiry(
    actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    shared = await _shared(actors, client)
    original, until = shared.expires_at, shared.expires_at + timedelta(days=60)
    assert (await _ask(client, shared.agency.member, shared.share_id, until)).status_code == 200

    refused = await _answer(client, shared.home.owner, shared.share_id, grant=False)
    assert refused.status_code == 200, refused.text
    assert _terms(refused.json()) == (original, None, None)
    assert _terms(await _owner_view(client, shared)) == (original, None, None)
    assert _terms(await _agency_view(client, shared)) == (original, None, None)

    assert housekeep(hub.sessions, now=original - timedelta(seconds=1)) == (0, 0)
    assert housekeep(hub.sessions, now=original) == (1, 0)
    assert _terms(await _agency_view(client, shared)) == (original, None, "expired")
    assert (await _download(client, shared)).status_code == 409

    entries = await _entries(client, shared.share_id)
    assert [e["action"] for e in entries] == [
        "share.created",
        "clip.shared",
        "share.extension_asked",
        "share.extension_refused",
    ]
    assert entries[3]["actor"] == entries[0]["actor"]
    assert entries[3]["objects"] == {"share_id": shared.share_id, "until": until.isoformat()}
    assert await _notes(client, shared.agency.member) == [("share_received", shared.share_id)]
    _assert_no_resident_identity(shared, [json.dumps(entries)])


async def test_refused_asks_and_answers_change_nothing(actors: Actors, client: AsyncClient) -> None:
    shared = await _shared(actors, client)
    original, owner = shared.expires_at, shared.home.owner
    other_agency = await scene.agency(actors, client)
    stranger, household, admin = actors.resident(), actors.resident(), actors.user(Role.ADMIN)
    added = await client.post(
        f"/v1/homes/{shared.home.home_id}/members",
        json={"email": household.email},
        headers=owner.headers,
    )
    assert added.status_code in {200, 201}, added.text
    before = actors.row_counts()

    for until, status in (
        (original + MAX_EXTENSION + timedelta(seconds=1), 422),  # past the limit
        (original, 422),  # no later than now
        (original - timedelta(days=1), 422),
    ):
        asked = await _ask(client, shared.agency.member, shared.share_id, until)
        assert asked.status_code == status, (until, asked.text)
        assert "until" in asked.text
    asked = await _ask(client, other_agency.member, shared.share_id, original + timedelta(days=1))
    assert asked.status_code == 404, asked.text
    assert (await _answer(client, owner, shared.share_id, grant=True)).status_code == 409
    assert _terms(await _owner_view(client, shared)) == (original, None, None)
    assert actors.row_counts() == before

    # At the limit exactly is allowed; a second ask while the first waits is not.
    limit = original + MAX_EXTENSION
    assert (await _ask(client, shared.agency.member, shared.share_id, limit)).status_code == 200
    pending = actors.row_counts()
    again = await _ask(client, shared.agency.member, shared.share_id, original + timedelta(days=7))
    assert again.status_code == 409, again.text
    for who, status in ((stranger, 404), (household, 404), (shared.agency.member, 403)):
        answered = await _answer(client, who, shared.share_id, grant=True)
        assert answered.status_code == status, (who.email, answered.text)
    answered = await _answer(client, admin, shared.share_id, grant=True)
    assert answered.status_code == 403, answered.text
    assert _terms(await _owner_view(client, shared)) == (original, limit, None)
    assert _terms(await _agency_view(client, shared)) == (original, limit, None)
    assert actors.row_counts() == pending

    # Answered once, the ask is gone: a second answer is refused, whichever way.
    assert (await _answer(client, owner, shared.share_id, grant=False)).status_code == 200
    answered_once = actors.row_counts()
    for grant in (True, False):
        answered = await _answer(client, owner, shared.share_id, grant=grant)
        assert answered.status_code == 409, answered.text
    assert _terms(await _agency_view(client, shared)) == (original, None, None)
    assert actors.row_counts() == answered_once
    actions = [e["action"] for e in await _entries(client, shared.share_id)]
    assert actions[2:] == ["share.extension_asked", "share.extension_refused"]
    owner_kinds = [kind for kind, _ in await _notes(client, owner)]
    assert owner_kinds == ["extension_asked", "request"]


async def test_a_withdrawn_or_expired_share_can_not_be_extended(
    actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    withdrawn, expired, lapsed, waiting = await _shares(actors, client, homes=4)
    member = withdrawn.agency.member

    # Withdrawn while an ask waits: the ask goes with the keys, and nothing revives it.
    later = withdrawn.expires_at + timedelta(days=30)
    assert (await _ask(client, member, withdrawn.share_id, later)).status_code == 200
    ended = await client.post(
        f"/v1/me/shares/{withdrawn.share_id}/withdraw", headers=withdrawn.home.owner.headers
    )
    assert ended.status_code == 200, ended.text
    assert _terms(ended.json()) == (withdrawn.expires_at, None, "withdrawn")
    answered = await _answer(client, withdrawn.home.owner, withdrawn.share_id, grant=True)
    assert answered.status_code == 409, answered.text
    asked = await _ask(client, member, withdrawn.share_id, later)
    assert asked.status_code == 409 and "withdrawn" in asked.text, asked.text
    assert _terms(await _agency_view(client, withdrawn)) == (withdrawn.expires_at, None, WITHDRAWN)
    assert (await _download(client, withdrawn)).status_code == 409

    # Expired, and housekeeping has ended it.
    assert housekeep(hub.sessions, now=expired.expires_at) == (1, 0)
    asked = await _ask(client, member, expired.share_id, expired.expires_at + timedelta(days=30))
    assert asked.status_code == 409 and "expired" in asked.text, asked.text
    assert _terms(await _owner_view(client, expired)) == (expired.expires_at, None, "expired")

    # Past their expiry, before housekeeping has run: the share has ended all the same.
    later = waiting.expires_at + timedelta(days=30)
    assert (await _ask(client, member, waiting.share_id, later)).status_code == 200
    gone = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    _set_expiry(hub, lapsed.share_id, gone)
    _set_expiry(hub, waiting.share_id, gone)
    before = actors.row_counts()
    asked = await _ask(client, member, lapsed.share_id, gone + timedelta(days=30))
    assert asked.status_code == 409 and "expired" in asked.text, asked.text
    for grant in (True, False):
        answered = await _answer(client, waiting.home.owner, waiting.share_id, grant=grant)
        assert answered.status_code == 409, answered.text
    assert actors.row_counts() == before
    assert _terms(await _owner_view(client, lapsed)) == (gone, None, None)
    assert _terms(await _owner_view(client, waiting)) == (gone, later, None)
    for share in (lapsed, waiting):
        assert (await _download(client, share)).status_code == 409
    assert housekeep(hub.sessions, now=gone) == (2, 0)
    assert [e["action"] for e in await _entries(client, waiting.share_id)][2:] == [
        "share.extension_asked"
    ]
