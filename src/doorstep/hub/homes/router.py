"""Homes, household members and cameras, for residents."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from doorstep.hub.accounts.models import User
from doorstep.hub.deps import CurrentResident, SessionDep
from doorstep.hub.homes import service
from doorstep.hub.homes.models import Home, HomeMember
from doorstep.hub.homes.schemas import (
    CameraCreate,
    CameraPublic,
    CameraUpdate,
    HomeCreate,
    HomePublic,
    HomeUpdate,
    MemberAdd,
    MemberPublic,
)
from doorstep.hub.schemas import Page

router = APIRouter(prefix="/v1", tags=["homes"])


def _home(home: Home, member: HomeMember) -> HomePublic:
    return HomePublic(
        id=home.id,
        name=home.name,
        retention_days=home.retention_days,
        role=member.role,
        created_at=home.created_at,
    )


def _member(member: HomeMember, user: User) -> MemberPublic:
    return MemberPublic(
        user_id=user.id,
        display_name=user.display_name,
        email=user.email,
        role=member.role,
        added_at=member.created_at,
    )


@router.post("/homes", status_code=status.HTTP_201_CREATED)
def create_home(body: HomeCreate, user: CurrentResident, session: SessionDep) -> HomePublic:
    home = service.create_home(
        session, user=user, name=body.name, retention_days=body.retention_days
    )
    return _home(*service.membership(session, user=user, home_id=home.id))


@router.get("/homes")
def list_homes(user: CurrentResident, session: SessionDep) -> Page[HomePublic]:
    rows = service.list_homes(session, user=user)
    return Page(data=[_home(home, member) for home, member in rows], count=len(rows))


@router.get("/homes/{home_id}")
def get_home(home_id: uuid.UUID, user: CurrentResident, session: SessionDep) -> HomePublic:
    return _home(*service.membership(session, user=user, home_id=home_id))


@router.patch("/homes/{home_id}")
def update_home(
    home_id: uuid.UUID, body: HomeUpdate, user: CurrentResident, session: SessionDep
) -> HomePublic:
    changes = body.model_dump(exclude_unset=True)
    return _home(*service.update_home(session, user=user, home_id=home_id, changes=changes))


@router.delete("/homes/{home_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_home(home_id: uuid.UUID, user: CurrentResident, session: SessionDep) -> None:
    service.delete_home(session, user=user, home_id=home_id)


@router.get("/homes/{home_id}/members")
def list_members(
    home_id: uuid.UUID, user: CurrentResident, session: SessionDep
) -> Page[MemberPublic]:
    rows = service.list_members(session, user=user, home_id=home_id)
    return Page(data=[_member(member, person) for member, person in rows], count=len(rows))


@router.post("/homes/{home_id}/members", status_code=status.HTTP_201_CREATED)
def add_member(
    home_id: uuid.UUID, body: MemberAdd, user: CurrentResident, session: SessionDep
) -> MemberPublic:
    return _member(*service.add_member(session, user=user, home_id=home_id, email=body.email))


@router.delete("/homes/{home_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(
    home_id: uuid.UUID, user_id: uuid.UUID, user: CurrentResident, session: SessionDep
) -> None:
    service.remove_member(session, user=user, home_id=home_id, member_id=user_id)


@router.post("/homes/{home_id}/cameras", status_code=status.HTTP_201_CREATED)
def create_camera(
    home_id: uuid.UUID, body: CameraCreate, user: CurrentResident, session: SessionDep
) -> CameraPublic:
    camera = service.create_camera(session, user=user, home_id=home_id, **body.model_dump())
    return CameraPublic.model_validate(camera)


@router.get("/homes/{home_id}/cameras")
def list_home_cameras(
    home_id: uuid.UUID, user: CurrentResident, session: SessionDep
) -> Page[CameraPublic]:
    cameras = service.list_cameras(session, user=user, home_id=home_id)
    return Page(data=[CameraPublic.model_validate(c) for c in cameras], count=len(cameras))


@router.get("/cameras")
def list_cameras(user: CurrentResident, session: SessionDep) -> Page[CameraPublic]:
    """Every camera in every home the caller belongs to."""
    cameras = service.list_cameras(session, user=user)
    return Page(data=[CameraPublic.model_validate(c) for c in cameras], count=len(cameras))


@router.get("/cameras/{camera_id}")
def get_camera(camera_id: uuid.UUID, user: CurrentResident, session: SessionDep) -> CameraPublic:
    return CameraPublic.model_validate(service.get_camera(session, user=user, camera_id=camera_id))


@router.patch("/cameras/{camera_id}")
def update_camera(
    camera_id: uuid.UUID, body: CameraUpdate, user: CurrentResident, session: SessionDep
) -> CameraPublic:
    camera = service.update_camera(
        session, user=user, camera_id=camera_id, changes=body.model_dump(exclude_unset=True)
    )
    return CameraPublic.model_validate(camera)


@router.delete("/cameras/{camera_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_camera(camera_id: uuid.UUID, user: CurrentResident, session: SessionDep) -> None:
    service.delete_camera(session, user=user, camera_id=camera_id)
