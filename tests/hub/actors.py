"""Test actors: accounts of each role with bearer tokens, and homes and cameras they own."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from itertools import count

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from httpx import AsyncClient
from sqlalchemy import func, select

from doorstep.crypto.format import MIN_BOX_ITERATIONS, MIN_BOX_MEMORY_KIB, BoxParameters
from doorstep.crypto.keys import public_raw
from doorstep.crypto.pairing import device_tag, new_secret, owner_tag
from doorstep.crypto.signing_keys import signing_key_of
from doorstep.demo.keys import make_home_key, publish_user_key, sign_key_list
from doorstep.hub.accounts.models import Role, User
from doorstep.hub.accounts.service import create_user, issue_token
from doorstep.hub.agencies.models import AgencyKind
from doorstep.hub.agencies.service import create_agency, verify_agency
from doorstep.hub.db import Base, transaction
from doorstep.hub.devices.service import create_pairing_code, pair_device
from doorstep.hub.homes.service import create_camera, create_home
from doorstep.hub.state import HubState

PASSWORD = "correct horse battery staple"
# The cheapest passphrase box the hub accepts: tests make many keys.
TEST_BOX = BoxParameters(memory_kib=MIN_BOX_MEMORY_KIB, iterations=MIN_BOX_ITERATIONS, lanes=1)
_serial = count(1)
# Every test agency's jurisdiction: a box around the test homes' cameras (GeoJSON, lon/lat).
JURISDICTION = {
    "type": "Polygon",
    "coordinates": [
        [[-122.8, 45.3], [-122.4, 45.3], [-122.4, 45.7], [-122.8, 45.7], [-122.8, 45.3]]
    ],
}


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class DeviceHeaders(dict[str, str]):
    """An edge device's Authorization header, with the signing key a real edge holds."""

    def __init__(self, token: str, signing_key: Ed25519PrivateKey, home_id: uuid.UUID) -> None:
        super().__init__({"Authorization": f"Bearer {token}"})
        self.signing_key = signing_key
        self.home_id = home_id


@dataclass
class Actors:
    hub: HubState
    client: AsyncClient
    # Private keys the actors' own clients would hold; the hub never sees these.
    user_keys: dict[uuid.UUID, X25519PrivateKey] = field(default_factory=dict)
    home_keys: dict[uuid.UUID, X25519PrivateKey] = field(default_factory=dict)

    def user(
        self, role: Role, *, email: str | None = None, agency_name: str | None = None
    ) -> Actor:
        email = email or f"{role.value}{next(_serial)}@doorstep.example"
        with transaction(self.hub.sessions) as session:
            agency_id = None
            if role == Role.AGENCY_MEMBER:
                agency = create_agency(
                    session,
                    actor=None,
                    name=agency_name or f"Agency {uuid.uuid4().hex[:8]}",
                    kind=AgencyKind.POLICE,
                    contact_email="desk@agency.example",
                    jurisdiction=JURISDICTION,
                )
                verify_agency(session, actor=None, agency_id=agency.id)
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

    def user_key(self, actor: Actor) -> X25519PrivateKey:
        """The actor's key pair, published with its signing key and passphrase box (made once)."""
        if actor.user_id not in self.user_keys:
            with transaction(self.hub.sessions) as session:
                user = session.get_one(User, actor.user_id)
                private = publish_user_key(
                    session, user=user, passphrase=PASSWORD, parameters=TEST_BOX
                )
            self.user_keys[actor.user_id] = private
        return self.user_keys[actor.user_id]

    def home_key(
        self, owner: Actor, home_id: uuid.UUID, *, rotate: bool = False
    ) -> X25519PrivateKey:
        """The home's current key, wrapped to every member with a key and listed in the key
        list the owner signs (made once, or rotated)."""
        if home_id in self.home_keys and not rotate:
            return self.home_keys[home_id]
        owner_key = self.user_key(owner)
        with transaction(self.hub.sessions) as session:
            user = session.get_one(User, owner.user_id)
            private = make_home_key(session, owner=user, owner_key=owner_key, home_id=home_id)
        self.home_keys[home_id] = private
        return private

    def sign_key_list(self, owner: Actor, home_id: uuid.UUID) -> None:
        """The owner signs the home's next key list as the hub's rows stand (members with
        keys, devices), as their client would after a member joins or a device pairs."""
        owner_key = self.user_key(owner)
        with transaction(self.hub.sessions) as session:
            user = session.get_one(User, owner.user_id)
            sign_key_list(session, owner=user, owner_key=owner_key, home_id=home_id)

    def device(self, owner: Actor, home_id: uuid.UUID) -> DeviceHeaders:
        """Pair an edge device with ``owner``'s home (which gets a home key if it has none),
        listed in the next key list the owner signs."""
        self.home_key(owner, home_id)
        signing_key = Ed25519PrivateKey.generate()
        # The code's secret part, which the owner's client and the edge share.
        secret = new_secret()
        owner_key = public_raw(signing_key_of(self.user_key(owner)).public_key())
        device_key = public_raw(signing_key.public_key())
        with transaction(self.hub.sessions) as session:
            user = session.get_one(User, owner.user_id)
            issued = create_pairing_code(
                session,
                settings=self.hub.settings,
                secret_key=self.hub.secret_key,
                user=user,
                home_id=home_id,
                owner_tag=owner_tag(secret, home_id, owner_key),
            )
            paired = pair_device(
                session,
                settings=self.hub.settings,
                secret_key=self.hub.secret_key,
                code=issued.code,
                name="edge",
                public_key=base64.b64encode(device_key).decode(),
                device_tag=device_tag(secret, home_id, device_key),
                address="127.0.0.1",
            )
            sign_key_list(session, owner=user, owner_key=self.user_key(owner), home_id=home_id)
            return DeviceHeaders(paired.token, signing_key, home_id)

    def row_counts(self) -> dict[str, int]:
        """How many rows every table holds, to prove a refused call wrote nothing."""
        with self.hub.sessions() as session:
            return {
                table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
                for table in Base.metadata.sorted_tables
            }

    def row_counts_at_once(self) -> dict[str, int]:
        """``row_counts`` in one query: one round trip, for checks after each of many calls."""
        tables = Base.metadata.sorted_tables
        counts = [
            select(func.count()).select_from(table).scalar_subquery().label(table.name)
            for table in tables
        ]
        with self.hub.sessions() as session:
            row = session.execute(select(*counts)).one()
        return {table.name: int(value) for table, value in zip(tables, row, strict=True)}
