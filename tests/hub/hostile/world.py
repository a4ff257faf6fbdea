"""The neighbourhood hostile bodies are sent into: every caller, and what each route needs.

Built once per test: a resident's home with a camera, a paired edge device and a clip; a
second home whose member holds a key; an agency with its key and a live request that
reached the home; a share of the clip; an admin.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from httpx import AsyncClient
from sqlalchemy import text

from doorstep.crypto.keys import public_raw
from doorstep.hub.accounts.models import Role
from doorstep.hub.agencies.models import AgencyKind
from doorstep.hub.agencies.service import create_agency, verify_agency
from doorstep.hub.db import Base, transaction
from doorstep.hub.state import HubState
from tests.hub.actors import JURISDICTION, Actor, Actors, DeviceHeaders
from tests.hub.clips.uploads import upload_clip
from tests.hub.shares import scene


@dataclass
class World:
    client: AsyncClient
    actors: Actors
    hub: HubState
    resident: Actor
    home_id: uuid.UUID
    camera_id: uuid.UUID
    device: DeviceHeaders
    spare_camera_id: uuid.UUID  # moved and renamed freely: no clip or request depends on it
    admin: Actor
    agency: scene.Agency
    agency_id: str
    request_id: str  # filed by ``agency``, flagged by residents
    member: Actor  # household member of ``keyed_home``, with a user key
    keyed_home_id: uuid.UUID
    keyed_clip_id: uuid.UUID
    share_id: str  # ``agency``'s share of a clip, for extension asks and answers
    share_owner: Actor
    serial: count[int] = field(default_factory=lambda: count(1))
    # Made on first use by ``filing_agency`` and ``sharing_home``.
    filer: scene.Agency | None = None
    filed: int = 0
    sharer: scene.Home | None = None

    def next(self) -> int:
        return next(self.serial)

    async def get(self, path: str, headers: dict[str, str]) -> Any:
        response = await self.client.get(path, headers=headers)
        assert response.status_code == 200, f"GET {path}: {response.text}"
        return response.json()

    async def find(self, path: str, headers: dict[str, str], id_: str) -> dict[str, Any]:
        """The row with ``id_`` in the list at ``path``."""
        [row] = [row for row in (await self.get(path, headers))["data"] if row["id"] == id_]
        found: dict[str, Any] = row
        return found

    async def role_of(self, headers: dict[str, str]) -> str:
        """Who ``headers`` sign in as: anonymous, a device, or a person's role."""
        if not headers:
            return "anonymous"
        if (await self.client.get("/v1/device", headers=headers)).status_code == 200:
            return "device"
        role: str = (await self.get("/v1/me", headers))["role"]
        return role

    async def filing_agency(self) -> scene.Agency:
        """An agency with request budget left (20 a period, tests/hub/requests/policy.py)."""
        if self.filer is None or self.filed >= FILINGS_PER_AGENCY:
            self.filer, self.filed = await scene.agency(self.actors, self.client), 0
        self.filed += 1
        return self.filer

    async def sharing_home(self) -> scene.Home:
        if self.sharer is None:
            self.sharer = await scene.home_with_clip(self.actors, self.client)
        return self.sharer

    def new_agency(self) -> uuid.UUID:
        """A verified agency with no members, made directly (no password to hash)."""
        with transaction(self.hub.sessions) as session:
            agency = create_agency(
                session,
                actor=None,
                name=f"Hostile Agency {self.next()} {uuid.uuid4().hex[:6]}",
                kind=AgencyKind.POLICE,
                contact_email="desk@agency.example",
                jurisdiction=JURISDICTION,
            )
            verify_agency(session, actor=None, agency_id=agency.id)
            return agency.id

    def row_counts(self) -> dict[str, int]:
        """actors.row_counts in one query: checked around every hostile request."""
        with self.hub.sessions() as session:
            row = session.execute(COUNT_ROWS).one()
        return {table.name: int(value) for table, value in zip(TABLES, row, strict=True)}


FILINGS_PER_AGENCY = 15
TABLES = Base.metadata.sorted_tables
COUNT_ROWS = text(
    "SELECT " + ", ".join(f'(SELECT count(*) FROM "{table.name}")' for table in TABLES)
)


async def build(actors: Actors, client: AsyncClient, hub: HubState) -> World:
    resident = actors.resident()
    home_id, [camera_id] = actors.home(resident)
    device = actors.device(resident, home_id)
    _, [spare_camera_id] = actors.home(resident)
    agency = await scene.agency(actors, client)
    agency_id = (await client.get("/v1/agency", headers=agency.member.headers)).json()["id"]
    filed = await scene.file_request(client, agency, investigation_code="HOSTILE-FLAGS")

    member = actors.resident()
    keyed_home_id, [keyed_camera_id] = actors.home(resident)
    added = await client.post(
        f"/v1/homes/{keyed_home_id}/members", json={"email": member.email}, headers=resident.headers
    )
    assert added.status_code == 201, added.text
    actors.user_key(member)
    keyed_device = actors.device(resident, keyed_home_id)  # the home key is wrapped to member
    keyed_clip_id = await upload_clip(client, keyed_device, keyed_camera_id)

    shared_home = await scene.home_with_clip(actors, client)
    shared_request = await scene.file_request(client, agency, investigation_code="HOSTILE-SHARE")
    shared = await scene.share(client, actors, shared_home, agency, shared_request["id"])
    return World(
        client=client,
        actors=actors,
        hub=hub,
        resident=resident,
        home_id=home_id,
        camera_id=camera_id,
        device=device,
        spare_camera_id=spare_camera_id,
        admin=actors.user(Role.ADMIN),
        agency=agency,
        agency_id=agency_id,
        request_id=filed["id"],
        member=member,
        keyed_home_id=keyed_home_id,
        keyed_clip_id=keyed_clip_id,
        share_id=shared["id"],
        share_owner=shared_home.owner,
    )


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def new_public_key() -> str:
    return b64(public_raw(X25519PrivateKey.generate().public_key()))
