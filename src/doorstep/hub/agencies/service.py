"""Agencies: created and verified by an admin; members get a one-time password.

Each of these admin actions is on the audit log, naming the agency: agencies and
their members are public, by name.
"""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.audit.entries import ObjectValue
from doorstep.errors import Conflict, NotFound
from doorstep.hub.accounts.models import Role, User
from doorstep.hub.accounts.service import create_user
from doorstep.hub.agencies.models import Agency, AgencyKind
from doorstep.hub.audit.service import actor_of, append_entry
from doorstep.hub.db import utcnow
from doorstep.settings import Settings


def _append_agency_entry(
    session: Session,
    action: str,
    actor: User | None,
    agency: Agency,
    **objects: ObjectValue,
) -> None:
    append_entry(
        session,
        action=action,
        actor=actor_of(session, actor),
        objects={"agency_id": str(agency.id), "agency": agency.name, **objects},
    )


def create_agency(
    session: Session, *, actor: User | None, name: str, kind: AgencyKind, contact_email: str
) -> Agency:
    if session.scalar(select(Agency.id).where(Agency.name == name)) is not None:
        raise Conflict(f"name: an agency named {name!r} exists already")
    agency = Agency(name=name, kind=kind, contact_email=contact_email.lower())
    session.add(agency)
    session.flush()
    _append_agency_entry(session, "agency.created", actor, agency, kind=kind.value)
    return agency


def get_agency(session: Session, *, agency_id: uuid.UUID) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"agency {agency_id} not found")
    return agency


def list_agencies(session: Session) -> list[Agency]:
    return list(session.scalars(select(Agency).order_by(Agency.name)))


def verify_agency(session: Session, *, actor: User | None, agency_id: uuid.UUID) -> Agency:
    """Mark the agency verified; verifying it again changes nothing and logs nothing."""
    agency = get_agency(session, agency_id=agency_id)
    if agency.verified_at is None:
        agency.verified_at = utcnow()
        _append_agency_entry(session, "agency.verified", actor, agency)
    return agency


def new_one_time_password() -> str:
    return secrets.token_urlsafe(15)


def add_agency_member(
    session: Session,
    *,
    actor: User | None,
    settings: Settings,
    agency_id: uuid.UUID,
    email: str,
    display_name: str,
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
    _append_agency_entry(
        session, "agency.member_added", actor, agency, member=display_name, member_id=str(user.id)
    )
    return user, password
