"""Agencies: created and verified by an admin; members get a one-time password."""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.errors import Conflict, NotFound
from doorstep.hub.accounts.models import Role, User
from doorstep.hub.accounts.service import create_user
from doorstep.hub.agencies.models import Agency, AgencyKind
from doorstep.hub.db import utcnow
from doorstep.settings import Settings


def create_agency(session: Session, *, name: str, kind: AgencyKind, contact_email: str) -> Agency:
    if session.scalar(select(Agency.id).where(Agency.name == name)) is not None:
        raise Conflict(f"name: an agency named {name!r} exists already")
    agency = Agency(name=name, kind=kind, contact_email=contact_email.lower())
    session.add(agency)
    session.flush()
    return agency


def get_agency(session: Session, *, agency_id: uuid.UUID) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"agency {agency_id} not found")
    return agency


def list_agencies(session: Session) -> list[Agency]:
    return list(session.scalars(select(Agency).order_by(Agency.name)))


def verify_agency(session: Session, *, agency_id: uuid.UUID) -> Agency:
    agency = get_agency(session, agency_id=agency_id)
    agency.verified_at = agency.verified_at or utcnow()
    return agency


def new_one_time_password() -> str:
    return secrets.token_urlsafe(15)


def add_agency_member(
    session: Session, *, settings: Settings, agency_id: uuid.UUID, email: str, display_name: str
) -> tuple[User, str]:
    agency = get_agency(session, agency_id=agency_id)
    password = new_one_time_password()
    user = create_user(
        session,
        settings=settings,
        email=email,
        password=password,
        display_name=display_name,
        role=Role.AGENCY_MEMBER,
        agency_id=agency.id,
    )
    return user, password
