"""The demo neighbourhood `doorstep up` creates on first start.

Four homes along a real street grid (SE Division Street, Portland, Oregon), each
with cameras a block apart; one demo resident who owns the first home, three
neighbours who own the others, one verified agency with a member, and one admin.
Passwords are random, returned once for printing, and stored only as Argon2id hashes.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from doorstep.agency.keys import save_agency_key
from doorstep.crypto.keys import public_raw
from doorstep.hub.accounts.models import Role, User
from doorstep.hub.accounts.service import create_user
from doorstep.hub.agencies.models import AgencyKind
from doorstep.hub.agencies.service import (
    add_agency_member,
    create_agency,
    set_agency_key,
    verify_agency,
)
from doorstep.hub.db import utcnow
from doorstep.hub.devices.service import create_pairing_code, device_cameras, pair_device
from doorstep.hub.homes.models import Camera, Home
from doorstep.hub.homes.service import create_camera, create_home
from doorstep.hub.requests.geometry import circle_area
from doorstep.hub.requests.policy import RequestLimits
from doorstep.hub.requests.service import RequestDraft, create_request
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
    owners = [account("resident@doorstep.example", "Demo resident", Role.RESIDENT)] + [
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
        email="officer@police.doorstep.example",
        display_name="Demo officer",
    )
    printed.append(DemoAccount(role=member.role.value, email=member.email, password=password))
    return printed


def pair_demo_edge(
    session: Session, *, settings: Settings, secret_key: bytes, public_key: str
) -> tuple[str, list[Camera]]:
    """Pair an edge device with the demo resident's home: its token and the home's cameras."""
    owner = session.scalars(select(User).where(User.email == "resident@doorstep.example")).one()
    home = session.scalars(select(Home).where(Home.name == HOMES[0][0])).one()
    issued = create_pairing_code(
        session, settings=settings, secret_key=secret_key, user=owner, home_id=home.id
    )
    paired = pair_device(
        session,
        settings=settings,
        secret_key=secret_key,
        code=issued.code,
        name="Demo edge",
        public_key=public_key,
        address="127.0.0.1",
    )
    return paired.token, device_cameras(session, device=paired.device)


def create_demo_request(session: Session, *, agency_key_path: Path) -> uuid.UUID:
    """The demo officer's key pair and a request on the demo street for the last six hours.

    ``doorstep up`` plays the agency's own client here: the private key goes to
    ``agency_key_path`` (0600), the hub gets only the public key.
    """
    officer = session.scalars(
        select(User).where(User.email == "officer@police.doorstep.example")
    ).one()
    private = X25519PrivateKey.generate()
    save_agency_key(agency_key_path, private, replace=True)
    set_agency_key(session, member=officer, public_key=public_raw(private.public_key()))
    now = utcnow().replace(microsecond=0)
    request = create_request(
        session,
        member=officer,
        draft=RequestDraft(
            investigation_code="DEMO-2026-0001",
            category="vehicle_theft",
            details="A blue cargo bike was taken from a porch on SE 30th Ave; we are looking "
            "for footage of the street in the hours before it was reported.",
            area=circle_area(ORIGIN[0], ORIGIN[1], 250),
            window_start=now - timedelta(hours=6),
            window_end=now,
            open_until=now + timedelta(days=7),
            retention_days=90,
            attested=True,
        ),
        limits=RequestLimits(),
        now=now,
    )
    return request.id
