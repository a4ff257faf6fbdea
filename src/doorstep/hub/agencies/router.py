"""Agencies: administered by admins, seen by their own members."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from doorstep.hub.accounts.schemas import UserPublic
from doorstep.hub.agencies import service
from doorstep.hub.agencies.models import Agency
from doorstep.hub.agencies.schemas import (
    AgencyCreate,
    AgencyKeyPut,
    AgencyMemberCreate,
    AgencyMemberCreated,
    AgencyOwnView,
    AgencyPublic,
    AgencySuspend,
)
from doorstep.hub.deps import CurrentAdmin, CurrentAgencyMember, SessionDep, StateDep
from doorstep.hub.schemas import Page

router = APIRouter(prefix="/v1", tags=["agencies"])


def _own_view(session: SessionDep, state: StateDep, agency: Agency) -> AgencyOwnView:
    return AgencyOwnView.model_validate(
        {
            **AgencyPublic.model_validate(agency).model_dump(),
            "public_key": agency.public_key,
            "proof": service.agency_key_proof(session, state, agency),
        }
    )


@router.get("/agency")
def my_agency(member: CurrentAgencyMember, session: SessionDep, state: StateDep) -> AgencyOwnView:
    """The caller's agency, with its key and the key's proof in the log."""
    assert member.agency_id is not None  # the users table guarantees it for members
    return _own_view(session, state, service.get_agency(session, agency_id=member.agency_id))


@router.put("/agency/key")
def set_agency_key(
    body: AgencyKeyPut, member: CurrentAgencyMember, session: SessionDep, state: StateDep
) -> AgencyOwnView:
    """Publish the agency's X25519 public key, made on the agency's own client.

    The answer proves the key's entry in the log: check it before trusting the hub
    published this key and not another.
    """
    agency = service.set_agency_key(session, member=member, public_key=body.public_key)
    return _own_view(session, state, agency)


@router.post("/admin/agencies", status_code=status.HTTP_201_CREATED)
def create_agency(body: AgencyCreate, admin: CurrentAdmin, session: SessionDep) -> AgencyPublic:
    agency = service.create_agency(session, actor=admin, **body.model_dump())
    return AgencyPublic.model_validate(agency)


@router.get("/admin/agencies")
def list_agencies(admin: CurrentAdmin, session: SessionDep) -> Page[AgencyPublic]:
    agencies = service.list_agencies(session)
    return Page(data=[AgencyPublic.model_validate(a) for a in agencies], count=len(agencies))


@router.post("/admin/agencies/{agency_id}/verify")
def verify_agency(agency_id: uuid.UUID, admin: CurrentAdmin, session: SessionDep) -> AgencyPublic:
    """Record that an admin checked the agency is who it says it is."""
    return AgencyPublic.model_validate(
        service.verify_agency(session, actor=admin, agency_id=agency_id)
    )


@router.post("/admin/agencies/{agency_id}/members", status_code=status.HTTP_201_CREATED)
def add_agency_member(
    agency_id: uuid.UUID,
    body: AgencyMemberCreate,
    admin: CurrentAdmin,
    session: SessionDep,
    state: StateDep,
) -> AgencyMemberCreated:
    user, password = service.add_agency_member(
        session, actor=admin, settings=state.settings, agency_id=agency_id, **body.model_dump()
    )
    return AgencyMemberCreated(user=UserPublic.model_validate(user), one_time_password=password)


@router.post("/admin/agencies/{agency_id}/suspend")
def suspend_agency(
    agency_id: uuid.UUID, body: AgencySuspend, admin: CurrentAdmin, session: SessionDep
) -> AgencyPublic:
    """Stop the agency filing requests (after a review found it broke the rules)."""
    agency = service.suspend_agency(session, actor=admin, agency_id=agency_id, reason=body.reason)
    return AgencyPublic.model_validate(agency)


@router.post("/admin/agencies/{agency_id}/reinstate")
def reinstate_agency(
    agency_id: uuid.UUID, admin: CurrentAdmin, session: SessionDep
) -> AgencyPublic:
    return AgencyPublic.model_validate(
        service.reinstate_agency(session, actor=admin, agency_id=agency_id)
    )
