"""Test actors: accounts of each role with bearer tokens, and homes and cameras they own."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from itertools import count

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from httpx import AsyncClient
from sqlalchemy import func, select

from doorstep.hub.accounts.models import Role, User
from doorstep.hub.accounts.service import create_user, issue_token
from doorstep.hub.agencies.models import AgencyKind
from doorstep.hub.agencies.service import create_agency, verify_agency
from doorstep.hub.db import Base, transaction
from doorstep.hub.devices.service import create_pairing_code, pair_device
from doorstep.hub.homes.service import create_camera, create_home
from doorstep.hub.state import HubState

PASSWORD = "correct horse battery staple"
_serial = count(1)


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Actors:
    hub: HubState
    client: AsyncClient

    def user(self, role: Role, *, email: str | None = None) -> Actor:
        email = email or f"{role.value}{next(_serial)}@doorstep.example"
        with transaction(self.hub.sessions) as session:
            agency_id = None
            if role == Role.AGENCY_MEMBER:
                agency = create_agency(
                    session,
                    name=f"Agency {uuid.uuid4().hex[:8]}",
                    kind=AgencyKind.POLICE,
                    contact_email="desk@agency.example",
                )
                verify_agency(session, agency_id=agency.id)
                agency_id = agency.id
            user = create_user(
                session,
                settings=self.hub.settings,
                email=email,
                password=PASSWORD,
                display_name=email.split("@")[0],
                role=role,
                agency_id=agency_id,
            )
            _, token = issue_token(
                session, secret_key=self.hub.secret_key, name="tests", user_id=user.id
            )
            return Actor(user_id=user.id, email=email, token=token)

    def resident(self, *, email: str | None = None) -> Actor:
        return self.user(Role.RESIDENT, email=email)

    def home(self, owner: Actor, *, cameras: int = 1) -> tuple[uuid.UUID, list[uuid.UUID]]:
        """A home owned by ``owner`` with ``cameras`` cameras; returns their ids."""
        with transaction(self.hub.sessions) as session:
            user = session.get_one(User, owner.user_id)
            home = create_home(session, user=user, name="Home", retention_days=30)
            camera_ids = [
                create_camera(
                    session,
                    user=user,
                    home_id=home.id,
                    name=f"Camera {n}",
                    latitude=45.5 + n / 1000,
                    longitude=-122.6,
                    audio_enabled=False,
                ).id
                for n in range(cameras)
            ]
            return home.id, camera_ids

    def device(self, owner: Actor, home_id: uuid.UUID) -> dict[str, str]:
        """Pair an edge device with ``owner``'s home; returns its Authorization header."""
        key = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        with transaction(self.hub.sessions) as session:
            user = session.get_one(User, owner.user_id)
            issued = create_pairing_code(
                session,
                settings=self.hub.settings,
                secret_key=self.hub.secret_key,
                user=user,
                home_id=home_id,
            )
            paired = pair_device(
                session,
                settings=self.hub.settings,
                secret_key=self.hub.secret_key,
                code=issued.code,
                name="edge",
                public_key=base64.b64encode(key).decode(),
                address="127.0.0.1",
            )
            return {"Authorization": f"Bearer {paired.token}"}

    def row_counts(self) -> dict[str, int]:
        """How many rows every table holds, to prove a refused call wrote nothing."""
        with self.hub.sessions() as session:
            return {
                table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
                for table in Base.metadata.sorted_tables
            }
