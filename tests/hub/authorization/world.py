"""A seeded world for the authorization walk: two tenants, an admin, and their objects.

Each tenant is a resident's home (a camera, a paired edge device, a clip, a member
with a key, an inbox entry, a share, a spare token, a notification) and an agency (a
member with a key, a request, the share it received). ``own`` is the first tenant: the
walker calls each route on its objects; ``other`` is the second: a caller from ``own``
must get 404 for every id of it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select

from doorstep.crypto.keys import key_id
from doorstep.hub.accounts.models import Role, User
from doorstep.hub.accounts.service import issue_token
from doorstep.hub.audit.checkpoints import issue_checkpoint
from doorstep.hub.db import transaction
from doorstep.hub.devices.models import EdgeDevice
from doorstep.hub.notifications.service import notify
from tests.hub.actors import Actor, Actors, DeviceHeaders
from tests.hub.authorization.table import ADMIN, AGENCY, ANONYMOUS, DEVICE, RESIDENT
from tests.hub.shares import scene

_codes = iter(range(1, 10_000))


def code() -> str:
    """A fresh investigation code: each request spends its own code's budget."""
    return f"CASE-AUTHZ-{next(_codes):04d}"


@dataclass
class Tenant:
    resident: Actor
    member: Actor  # a second resident of the home, with a user key and no home-key grant
    home: scene.Home
    device: DeviceHeaders
    device_id: uuid.UUID
    agency: scene.Agency
    agency_id: uuid.UUID
    request_id: uuid.UUID  # the agency's request, which reached the home
    delivery_id: uuid.UUID  # the home's inbox entry for it
    share_id: uuid.UUID  # the home's share of its clip with the agency
    share_expires_at: datetime
    tokens: dict[uuid.UUID, uuid.UUID]  # user id -> a spare personal token of theirs
    notifications: dict[uuid.UUID, uuid.UUID]  # user id -> a notification of theirs


@dataclass
class World:
    actors: Actors
    client: AsyncClient
    own: Tenant
    other: Tenant
    admin: Actor
    flag_id: uuid.UUID
    demand_id: uuid.UUID
    checkpoint_size: int

    def headers(self, role: str) -> dict[str, str]:
        """The credentials of ``role``'s caller in the own tenant (none for anonymous)."""
        return {
            ANONYMOUS: {},
            RESIDENT: self.own.resident.headers,
            AGENCY: self.own.agency.member.headers,
            ADMIN: self.admin.headers,
            DEVICE: dict(self.own.device),
        }[role]

    def person(self, role: str) -> Actor:
        return {
            RESIDENT: self.own.resident,
            AGENCY: self.own.agency.member,
            ADMIN: self.admin,
        }[role]

    def user_key_id(self, actor: Actor) -> str:
        return key_id(self.actors.user_key(actor).public_key())

    def home_key_id(self, tenant: Tenant) -> str:
        return key_id(self.actors.home_keys[tenant.home.home_id].public_key())

    def ids(self, role: str) -> dict[str, Any]:
        """Path and query values naming ``role``'s own objects (and the non-id values)."""
        own = self.own
        size = self.checkpoint_size
        values: dict[str, Any] = {
            "part": "clip",
            "size": size,
            "index": 0,
            "old_size": 1,
            "new_size": size,
            "start": 0,
            # Public objects, which anyone may name.
            "request_id": own.request_id,
            "agency_id": own.agency_id,
        }
        if role == RESIDENT:
            values |= {
                "home_id": own.home.home_id,
                "camera_id": own.home.camera_id,
                "clip_id": own.home.clip_id,
                "device_id": own.device_id,
                "user_id": own.member.user_id,
                "home_key_id": self.home_key_id(own),
                "user_key_id": self.user_key_id(own.member),
                "recipient_key_id": self.user_key_id(own.member),
                "request_id": own.request_id,
                "delivery_id": own.delivery_id,
                "share_id": own.share_id,
            }
        elif role == AGENCY:
            values |= {
                "agency_id": own.agency_id,
                "request_id": own.request_id,
                "share_id": own.share_id,
            }
        elif role == ADMIN:
            values |= {
                "user_id": own.resident.user_id,
                "agency_id": own.agency_id,
                "flag_id": self.flag_id,
                "demand_id": self.demand_id,
            }
        elif role == DEVICE:
            values |= {"camera_id": own.home.camera_id, "clip_id": uuid.uuid4()}
        if role in (RESIDENT, AGENCY, ADMIN):
            user_id = self.person(role).user_id
            values |= {
                "token_id": own.tokens[user_id],
                "notification_id": own.notifications[user_id],
            }
        return values

    def other_ids(self) -> dict[str, Any]:
        """Every kind of id, naming an object of the other tenant."""
        other = self.other
        return {
            "home_id": other.home.home_id,
            "camera_id": other.home.camera_id,
            "clip_id": other.home.clip_id,
            "device_id": other.device_id,
            "user_id": other.resident.user_id,
            "home_key_id": self.home_key_id(other),
            "user_key_id": self.user_key_id(other.resident),
            "recipient_key_id": self.user_key_id(other.resident),
            "request_id": other.request_id,
            "delivery_id": other.delivery_id,
            "share_id": other.share_id,
            "agency_id": other.agency_id,
            "token_id": other.tokens[other.resident.user_id],
            "notification_id": other.notifications[other.resident.user_id],
        }


def spare_token(actors: Actors, actor: Actor) -> uuid.UUID:
    with transaction(actors.hub.sessions) as session:
        row, _ = issue_token(
            session, secret_key=actors.hub.secret_key, name="spare", user_id=actor.user_id
        )
        return row.id


def notification(actors: Actors, actor: Actor) -> uuid.UUID:
    with transaction(actors.hub.sessions) as session:
        [row] = notify(session, user_ids=[actor.user_id], kind="test", message="For the walk.")
        return row.id


def device_ids(actors: Actors, home_id: uuid.UUID) -> set[uuid.UUID]:
    with actors.hub.sessions() as session:
        return set(session.scalars(select(EdgeDevice.id).where(EdgeDevice.home_id == home_id)))


def agency_of(actors: Actors, member: Actor) -> uuid.UUID:
    with actors.hub.sessions() as session:
        agency_id = session.get_one(User, member.user_id).agency_id
        assert agency_id is not None
        return agency_id


async def file_request(client: AsyncClient, agency: scene.Agency) -> uuid.UUID:
    filed = await scene.file_request(client, agency, investigation_code=code())
    return uuid.UUID(filed["id"])


async def delivery(client: AsyncClient, home: scene.Home, request_id: uuid.UUID) -> uuid.UUID:
    return uuid.UUID((await scene.delivery_of(client, home, str(request_id)))["id"])


async def tenant(actors: Actors, client: AsyncClient) -> Tenant:
    home = await scene.home_with_clip(actors, client)
    resident = home.owner
    first = device_ids(actors, home.home_id)
    # home_with_clip's device isn't handed back; pair a second one, whose headers we keep.
    device = actors.device(resident, home.home_id)
    [device_id] = device_ids(actors, home.home_id) - first
    member = actors.resident()
    added = await client.post(
        f"/v1/homes/{home.home_id}/members", json={"email": member.email}, headers=resident.headers
    )
    assert added.status_code == 201, added.text
    actors.user_key(member)
    agency = await scene.agency(actors, client)
    request_id = await file_request(client, agency)
    shared = await scene.share(client, actors, home, agency, str(request_id))
    return Tenant(
        resident=resident,
        member=member,
        home=home,
        device=device,
        device_id=device_id,
        agency=agency,
        agency_id=agency_of(actors, agency.member),
        request_id=request_id,
        delivery_id=await delivery(client, home, request_id),
        share_id=uuid.UUID(shared["id"]),
        share_expires_at=datetime.fromisoformat(shared["expires_at"]),
        tokens={},
        notifications={},
    )


async def seed(actors: Actors, client: AsyncClient) -> World:
    own, other = await tenant(actors, client), await tenant(actors, client)
    admin = actors.user(Role.ADMIN)
    for person, held_by in (
        (own.resident, own),
        (own.agency.member, own),
        (admin, own),
        (other.resident, other),
    ):
        held_by.tokens[person.user_id] = spare_token(actors, person)
        held_by.notifications[person.user_id] = notification(actors, person)
    flagged = await client.post(
        f"/v1/requests/{other.request_id}/flags",
        json={"reason": "It looks aimed at a street party, not a burglary."},
        headers=own.resident.headers,
    )
    assert flagged.status_code == 201, flagged.text
    started = scene.now() - timedelta(hours=1)
    demand = await client.post(
        "/v1/admin/demands", json=demand_body(own.home.home_id, started), headers=admin.headers
    )
    assert demand.status_code == 201, demand.text
    checkpoint = issue_checkpoint(
        actors.hub.sessions,
        secret_key=actors.hub.secret_key,
        origin=actors.hub.settings.audit_origin,
    )
    assert checkpoint is not None
    return World(
        actors=actors,
        client=client,
        own=own,
        other=other,
        admin=admin,
        flag_id=uuid.UUID(flagged.json()["id"]),
        demand_id=uuid.UUID(demand.json()["id"]),
        checkpoint_size=checkpoint.size,
    )


def demand_body(home_id: uuid.UUID, started: datetime) -> dict[str, Any]:
    """A warrant for the home's last hour (its clip is ten minutes old)."""
    return {
        "authority": "Multnomah County Circuit Court",
        "kind": "warrant",
        "reference": "CR-2026-0042",
        "document_sha256": "ab" * 32,
        "home_id": str(home_id),
        "window_start": started.isoformat(),
        "window_end": (started + timedelta(minutes=59)).isoformat(),
    }
