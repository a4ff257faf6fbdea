"""Legal demands: recorded and served by admins, seen by the home's owners once due."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from typing import IO

from fastapi import APIRouter, status
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from doorstep.hub.demands import service
from doorstep.hub.demands.models import LegalDemand
from doorstep.hub.demands.schemas import DemandCreate, DemandForOwner, DemandPublic, NoticePublic
from doorstep.hub.deps import CurrentAdmin, CurrentResident, SessionDep, StateDep
from doorstep.hub.params import PageLimit
from doorstep.hub.schemas import Page

router = APIRouter(prefix="/v1", tags=["demands"])

CHUNK_BYTES = 1 << 20


def _public(demand: LegalDemand, notices: list[NoticePublic]) -> DemandPublic:
    return DemandPublic.model_validate({**_columns(demand), "notices": notices})


def _columns(demand: LegalDemand) -> dict[str, object]:
    return {column: getattr(demand, column) for column in LegalDemand.__mapper__.columns.keys()}


def _with_notices(session: Session, demands: list[LegalDemand]) -> list[DemandPublic]:
    notices = service.notices_of(session, [demand.id for demand in demands])
    return [
        _public(demand, [NoticePublic.model_validate(row) for row in notices[demand.id]])
        for demand in demands
    ]


@router.post("/admin/demands", status_code=status.HTTP_201_CREATED)
def record_demand(body: DemandCreate, admin: CurrentAdmin, session: SessionDep) -> DemandPublic:
    """Record a legal demand; its home's owners are notified now, or when the delay ends."""
    demand = service.record_demand(session, admin=admin, **body.model_dump())
    return _with_notices(session, [demand])[0]


@router.get("/admin/demands")
def list_demands(
    admin: CurrentAdmin,
    session: SessionDep,
    limit: PageLimit = 100,
) -> Page[DemandPublic]:
    demands = service.list_demands(session, limit=limit)
    return Page(data=_with_notices(session, demands), count=len(demands))


@router.get("/admin/demands/{demand_id}")
def get_demand(demand_id: uuid.UUID, admin: CurrentAdmin, session: SessionDep) -> DemandPublic:
    return _with_notices(session, [service.get_demand(session, demand_id=demand_id)])[0]


def _read_and_close(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := spool.read(CHUNK_BYTES):
            yield chunk
    finally:
        spool.close()


@router.get("/admin/demands/{demand_id}/package", response_class=StreamingResponse)
def download_package(
    demand_id: uuid.UUID, admin: CurrentAdmin, session: SessionDep, state: StateDep
) -> StreamingResponse:
    """The evidence package (a ZIP): the clips in scope as stored ciphertext, no keys.

    Each download is on the audit log; the first one serves the demand.
    """
    spool = tempfile.TemporaryFile()
    try:
        service.write_demand_package(
            session,
            sessions=state.sessions,
            storage=state.storage,
            secret_key=state.secret_key,
            origin=state.settings.audit_origin,
            admin=admin,
            demand_id=demand_id,
            out=spool,
        )
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return StreamingResponse(
        _read_and_close(spool),
        media_type="application/zip",
        headers={
            "Content-Length": str(size),
            "Content-Disposition": f'attachment; filename="demand-{demand_id}.zip"',
        },
    )


@router.get("/me/demands")
def my_demands(user: CurrentResident, session: SessionDep) -> Page[DemandForOwner]:
    """Legal demands on homes the caller owns, once their notice is due."""
    found = service.list_owner_demands(session, user=user)
    data = [
        DemandForOwner.model_validate(
            {
                **_columns(item.demand),
                "recorded_at": item.demand.created_at,
                "handed_over": item.handed_over,
            }
        )
        for item in found
    ]
    return Page(data=data, count=len(data))
