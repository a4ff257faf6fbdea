"""An agency's side of shares: list a request's shares, download packages, ask for more time."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from typing import IO, BinaryIO, cast

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from doorstep.hub.deps import CurrentAgencyMember, SessionDep, StateDep
from doorstep.hub.requests.service import agency_request
from doorstep.hub.schemas import Page
from doorstep.hub.shares import evidence, service, views
from doorstep.hub.shares.schemas import ExtensionAsk, ShareForAgency

router = APIRouter(prefix="/v1/agency", tags=["shares"])
CHUNK_BYTES = 1 << 20


@router.get("/requests/{request_id}/shares")
def list_shares(
    request_id: uuid.UUID, member: CurrentAgencyMember, session: SessionDep
) -> Page[ShareForAgency]:
    agency_request(session, member=member, request_id=request_id)
    rows = service.agency_shares(session, member=member, request_id=request_id)
    return Page(data=[views.for_agency(session, row) for row in rows], count=len(rows))


def _stream(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        spool.seek(0)
        while chunk := spool.read(CHUNK_BYTES):
            yield chunk
    finally:
        spool.close()


@router.get("/shares/{share_id}/package", response_class=StreamingResponse)
def download_package(
    share_id: uuid.UUID, member: CurrentAgencyMember, session: SessionDep, state: StateDep
) -> StreamingResponse:
    """The evidence package (ZIP); each download is logged, by member, before it is built."""
    row = service.agency_share(session, member=member, share_id=share_id)
    evidence.record_download(session, member=member, share=row)
    session.commit()  # the download is on the log before a byte leaves
    spool = tempfile.SpooledTemporaryFile(max_size=16 << 20)
    try:
        evidence.write_share_package(cast(BinaryIO, spool), session, state, row)
    except BaseException:
        spool.close()
        raise
    return StreamingResponse(
        _stream(spool),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="evidence-{share_id}.zip"'},
    )


@router.post("/shares/{share_id}/extension")
def ask_extension(
    share_id: uuid.UUID, body: ExtensionAsk, member: CurrentAgencyMember, session: SessionDep
) -> ShareForAgency:
    """Ask the owner for longer access; nothing changes unless they grant it."""
    row = service.ask_extension(
        session, member=member, share_id=share_id, until=body.until, reason=body.reason
    )
    return views.for_agency(session, row)
