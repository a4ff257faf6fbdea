"""The demo neighbourhood `doorstep up` creates on first start.

Four homes along a real street grid (SE Division Street, Portland, Oregon), each
with cameras a block apart; one demo resident who owns the first home, three
neighbours who own the others, one verified agency with a member, and one admin.
Passwords are random, returned once for printing, and stored only as Argon2id hashes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from doorstep.crypto.keys import public_raw
from doorstep.crypto.pairing import device_tag, new_secret, owner_tag
from doorstep.edge.identity import public_key_base64
from doorstep.edge.trust import EdgeTrust
from doorstep.hub.accounts.models import Role, User
from doorstep.hub.accounts.service import create_user
from doorstep.hub.agencies.models import AgencyKind
from doorstep.hub.agencies.service import (
    add_agency_member,
    create_agency,
    verify_agency,
)
from doorstep.hub.audit.checkpoints import log_key
from doorstep.hub.devices.models import EdgeDevice
from doorstep.hub.devices.service import create_pairing_code, device_cameras, pair_device
from doorstep.hub.homes.models import Camera, Home
from doorstep.hub.homes.service import create_camera, create_home
from doorstep.hub.keys.models import UserKey
from doorstep.settings import Settings

# SE 30th Avenue and SE Division Street; blocks are about 0.0007° north-south and
# 0.0013° east-west there.
ORIGIN = (45.50455, -122.63420)
# The demo police bureau's jurisdiction: a box of about 10 km around the demo street.
DEMO_JURISDICTION = {
    "type": "Polygon",
    "coordinates": [
        [[-122.70, 45.46], [-122.57, 45.46], [-122.57, 45.55], [-122.70, 45.55], [-122.70, 45.46]]
    ],
}
BLOCK = (0.0007, 0.0013)
RESIDENT_EMAIL = "resident@doorstep.example"
OFFICER_EMAIL = "officer@police.doorstep.example"
HOMES: list[tuple[str, list[tuple[str, float, float]]]] = [
    ("Demo home", [("Front door", 0, 0), ("Driveway", 0, 0.3)]),
    ("Neighbour on 31st", [("Porch", 0, 1)]),
    ("Neighbour on 32nd", [("Front door", 1, 2), ("Side gate", 1, 2.2)]),
    ("Corner shop", [("Entrance", -1, 1)]),
]


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(User))


def create_demo_neighbourhood(session: Session, *, settings: Settings) -> list[DemoAccount]:
    """Create the demo data; return the accounts whose passwords are printed once."""
    printed: list[DemoAccount] = []

    def account(email: str, name: str, role: Role) -> User:
        password = secrets.token_urlsafe(12)
        user = create_user(
            session,
            settings=settings,
            email=email,
            password=password,
            display_name=name,
            role=role,
        )
        if not email.startswith("neighbour"):
            printed.append(DemoAccount(role=role.value, email=email, password=password))
        return user

    account("admin@doorstep.example", "Demo admin", Role.ADMIN)
    owners = [account(RESIDENT_EMAIL, "Demo resident", Role.RESIDENT)] + [
        account(f"neighbour{n}@doorstep.example", f"Neighbour {n}", Role.RESIDENT)
        for n in range(1, len(HOMES))
    ]
    for owner, (home_name, cameras) in zip(owners, HOMES, strict=True):
        home = create_home(session, user=owner, name=home_name, retention_days=30)
        for camera_name, north, east in cameras:
            create_camera(
                session,
                user=owner,
                home_id=home.id,
                name=camera_name,
                latitude=round(ORIGIN[0] + north * BLOCK[0], 6),
                longitude=round(ORIGIN[1] + east * BLOCK[1], 6),
                audio_enabled=False,
            )
    agency = create_agency(
        session,
        actor=None,
        name="Demo City Police Bureau",
        kind=AgencyKind.POLICE,
        contact_email="records@police.doorstep.example",
        jurisdiction=DEMO_JURISDICTION,
    )
    verify_agency(session, actor=None, agency_id=agency.id)
    member, password = add_agency_member(
        session,
        actor=None,
        settings=settings,
        agency_id=agency.id,
        email=OFFICER_EMAIL,
        display_name="Demo officer",
    )
    printed.append(DemoAccount(role=member.role.value, email=member.email, password=password))
    return printed


def demo_home(session: Session) -> Home:
    """The demo resident's home, the one the demo edge records for."""
    return session.scalars(select(Home).where(Home.name == HOMES[0][0])).one()


@dataclass(frozen=True)
class DemoPairing:
    """The demo edge's pairing: its token, device row, cameras, and what it pinned."""

    token: str
    device: EdgeDevice
    cameras: list[Camera]
    trust: EdgeTrust


def pair_demo_edge(
    session: Session, *, settings: Settings, secret_key: bytes, device_key: Ed25519PrivateKey
) -> DemoPairing:
    """Pair an edge device with the demo resident's home, as the owner's client and the
    edge would: the code's secret part tags the owner's signing key and the device key."""
    owner = session.scalars(select(User).where(User.email == RESIDENT_EMAIL)).one()
    signing_key = session.scalars(
        select(UserKey.signing_key).where(UserKey.user_id == owner.id)
    ).one()
    home = demo_home(session)
    secret = new_secret()
    issued = create_pairing_code(
        session,
        settings=settings,
        secret_key=secret_key,
        user=owner,
        home_id=home.id,
        owner_tag=owner_tag(secret, home.id, signing_key),
    )
    paired = pair_device(
        session,
        settings=settings,
        secret_key=secret_key,
        code=issued.code,
        name="Demo edge",
        public_key=public_key_base64(device_key),
        device_tag=device_tag(secret, home.id, public_raw(device_key.public_key())),
        address="127.0.0.1",
    )
    trust = EdgeTrust(
        home_id=home.id,
        owner_signing_keys=(signing_key,),
        log_vkey=log_key(secret_key, settings.audit_origin).vkey(),
        key_list=None,
    )
    return DemoPairing(
        paired.token, paired.device, device_cameras(session, device=paired.device), trust
    )
