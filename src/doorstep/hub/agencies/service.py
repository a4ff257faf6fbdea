"""Agencies: created and verified by an admin; members get a one-time password.

Each of these admin actions is on the audit log, naming the agency: agencies and
their members are public, by name. An agency's key pair is made on its own client;
a member publishes the public key here, and nothing else of it ever reaches the hub.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.audit.entries import ObjectValue
from doorstep.crypto.keys import key_id
from doorstep.errors import Conflict, NotFound
from doorstep.hub.accounts.models import Role, User
from doorstep.hub.accounts.service import create_user
from doorstep.hub.agencies.models import Agency, AgencyKind
from doorstep.hub.audit.keyproof import key_proof
from doorstep.hub.audit.schemas import KeyProof
from doorstep.hub.audit.service import actor_of, append_entry
from doorstep.hub.db import utcnow
from doorstep.hub.keys.service import checked_public_key
from doorstep.hub.requests.geometry import parse_jurisdiction, to_geojson
from doorstep.hub.state import HubState
from doorstep.settings import Settings


def _append_agency_entry(
    session: Session,
    action: str,
    actor: User | None,
    agency: Agency,
    **objects: ObjectValue,
) -> int:
    return append_entry(
        session,
        action=action,
        actor=actor_of(session, actor),
        objects={"agency_id": str(agency.id), "agency": agency.name, **objects},
    )


def create_agency(
    session: Session,
    *,
    actor: User | None,
    name: str,
    kind: AgencyKind,
    contact_email: str,
    jurisdiction: Mapping[str, Any],
) -> Agency:
    """A new agency; its requests must lie inside ``jurisdiction`` (GeoJSON, lon/lat)."""
    area = parse_jurisdiction(jurisdiction, "jurisdiction")
    if session.scalar(select(Agency.id).where(Agency.name == name)) is not None:
        raise Conflict(f"name: an agency named {name!r} exists already")
    agency = Agency(
        name=name,
        kind=kind,
        contact_email=contact_email.lower(),
        jurisdiction=json.dumps(to_geojson(area)),
    )
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


def list_members(session: Session, *, agency_id: uuid.UUID) -> list[User]:
    """The agency's member accounts, by name: agencies and their members are public."""
    return list(
        session.scalars(
            select(User)
            .where(User.agency_id == agency_id, User.role == Role.AGENCY_MEMBER)
            .order_by(User.display_name, User.id)
        )
    )


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


def set_agency_key(session: Session, *, member: User, public_key: bytes) -> Agency:
    """Publish the agency's X25519 public key; clips shared from now on are wrapped to it.

    Clips shared before stay wrapped to the key they were shared under, so the agency
    keeps its old private keys until those shares end.
    """
    assert member.agency_id is not None  # the users table guarantees it for members
    agency = get_agency(session, agency_id=member.agency_id)
    public_key = checked_public_key(public_key, "public_key")
    new_id = key_id(public_key)
    if agency.key_id != new_id:
        agency.public_key, agency.key_id = public_key, new_id
        agency.key_audit_index = _append_agency_entry(
            session, "agency.key_published", member, agency, key_id=new_id
        )
    return agency


def agency_key_proof(session: Session, state: HubState, agency: Agency) -> KeyProof | None:
    """The inclusion proof of the entry that published the agency's current key."""
    if agency.key_audit_index is None:
        return None
    return key_proof(session, state, agency.key_audit_index)


def suspend_agency(
    session: Session, *, actor: User | None, agency_id: uuid.UUID, reason: str
) -> Agency:
    """Stop the agency filing requests; its open requests stay listed, marked by status."""
    agency = get_agency(session, agency_id=agency_id)
    if agency.suspended_at is not None:
        raise Conflict(f"agency {agency.name!r} is suspended already")
    agency.suspended_at, agency.suspension_reason = utcnow(), reason
    _append_agency_entry(session, "agency.suspended", actor, agency, reason=reason)
    return agency


def reinstate_agency(session: Session, *, actor: User | None, agency_id: uuid.UUID) -> Agency:
    agency = get_agency(session, agency_id=agency_id)
    if agency.suspended_at is None:
        raise Conflict(f"agency {agency.name!r} is not suspended")
    agency.suspended_at, agency.suspension_reason = None, None
    _append_agency_entry(session, "agency.reinstated", actor, agency)
    return agency
