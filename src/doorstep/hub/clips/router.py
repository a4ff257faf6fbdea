"""Clip uploads from edge devices, and clips for the household that owns them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from functools import partial
from typing import Annotated

from anyio import from_thread, to_thread
from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime
from starlette.concurrency import run_in_threadpool

from doorstep.crypto.keys import key_id
from doorstep.errors import BlobTooLarge
from doorstep.hub.clips import service, timeline
from doorstep.hub.clips.models import Clip, ClipPart, PartName
from doorstep.hub.clips.schemas import ClipCommit, ClipPublic, PartPublic, TimelinePublic
from doorstep.hub.clips.sealed import require_sealed
from doorstep.hub.deps import CurrentDevice, CurrentResident, SessionDep, StateDep
from doorstep.hub.params import PageLimit
from doorstep.hub.schemas import Page
from doorstep.hub.storage.base import BlobStore, StoredBlob

router = APIRouter(prefix="/v1", tags=["clips"])

# Parts are streamed into storage, so the JSON body limit doesn't apply to them.
UPLOAD_PATH = r"^/v1/device/clips/[^/]+/parts/[^/]+$"


def _public(clip: Clip, parts: list[ClipPart]) -> ClipPublic:
    return ClipPublic(
        id=clip.id,
        home_id=clip.home_id,
        camera_id=clip.camera_id,
        started_at=clip.started_at,
        ended_at=clip.ended_at,
        parts=[PartPublic.model_validate(row) for row in parts],
    )


def _store_stream(
    storage: BlobStore,
    key: str,
    stream: AsyncIterator[bytes],
    max_bytes: int,
    check: Callable[[Iterator[bytes]], Iterator[bytes]],
) -> StoredBlob:
    """Runs in a worker thread: pulls the request body from the event loop chunk by chunk."""

    async def next_chunk() -> bytes:
        return await stream.__anext__()

    def chunks() -> Iterator[bytes]:
        while True:
            try:
                yield from_thread.run(next_chunk)
            except StopAsyncIteration:
                return

    return storage.put(key, check(chunks()), max_bytes=max_bytes)


@router.put("/device/clips/{clip_id}/parts/{part}")
async def upload_part(
    clip_id: uuid.UUID,
    part: PartName,
    request: Request,
    device: CurrentDevice,
    session: SessionDep,
    state: StateDep,
) -> PartPublic:
    """Upload one sealed part (docs/crypto-format.md); sending it again replaces it until commit."""
    limit = state.settings.max_clip_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BlobTooLarge(
            f"part is {declared} bytes; the limit is {limit} (DOORSTEP_MAX_CLIP_BYTES)",
            field="content-length",
        )
    await run_in_threadpool(service.check_part_writable, session, device=device, clip_id=clip_id)
    key = service.part_key(device.home_id, clip_id, part)
    check = partial(
        require_sealed, clip_id=clip_id, part=part.value, device_key_id=key_id(device.public_key)
    )
    stored = await to_thread.run_sync(
        _store_stream, state.storage, key, request.stream().__aiter__(), limit, check
    )
    row = await run_in_threadpool(
        partial(
            service.record_part,
            session,
            storage=state.storage,
            device=device,
            clip_id=clip_id,
            part=part,
            stored=stored,
        )
    )
    return PartPublic.model_validate(row)


@router.post("/device/clips", status_code=status.HTTP_201_CREATED)
def commit_clip(
    body: ClipCommit, device: CurrentDevice, session: SessionDep, response: Response
) -> ClipPublic:
    """Make an uploaded clip visible to its household; repeating it answers 200."""
    committed = service.commit_clip(session, device=device, body=body)
    if not committed.created:
        response.status_code = status.HTTP_200_OK
    return _public(committed.clip, committed.parts)


@router.get("/cameras/{camera_id}/clips")
def list_clips(
    camera_id: uuid.UUID,
    user: CurrentResident,
    session: SessionDep,
    before: Annotated[datetime | None, Query(description="Only clips that started earlier")] = None,
    limit: PageLimit = 100,
) -> Page[ClipPublic]:
    """The camera's clips, newest first; page with ``before``."""
    rows = service.list_clips(session, user=user, camera_id=camera_id, before=before, limit=limit)
    return Page(data=[_public(clip, parts) for clip, parts in rows], count=len(rows))


@router.get("/cameras/{camera_id}/timeline")
def camera_timeline(
    camera_id: uuid.UUID,
    user: CurrentResident,
    session: SessionDep,
    start: Annotated[AwareDatetime | None, Query(description="Default: a day before end.")] = None,
    end: Annotated[
        AwareDatetime | None, Query(description="Default: now, or a day after start.")
    ] = None,
    bucket: Annotated[
        int | None,
        Query(ge=60, le=86_400, description="Seconds: 60, 300, 900, 3600, 10800 or 86400."),
    ] = None,
    after: Annotated[
        uuid.UUID | None, Query(description="The last clip of the previous page.")
    ] = None,
    limit: PageLimit = 100,
) -> TimelinePublic:
    """Clips that started in ``[start, end)`` (at most 8 days) counted per bucket; for a
    window of a day or less, the clips too, oldest first."""
    found = timeline.camera_timeline(
        session,
        user=user,
        camera_id=camera_id,
        start=start,
        end=end,
        bucket=bucket,
        after=after,
        limit=limit,
    )
    return TimelinePublic.model_validate(found)


@router.get("/clips/{clip_id}/parts/{part}", response_class=StreamingResponse)
def download_part(
    clip_id: uuid.UUID,
    part: PartName,
    user: CurrentResident,
    session: SessionDep,
    state: StateDep,
) -> StreamingResponse:
    """The sealed bytes of one part, streamed."""
    row = service.get_part(session, user=user, clip_id=clip_id, part=part)
    chunks = state.storage.get(row.blob_key)
    return StreamingResponse(
        chunks,
        media_type="application/octet-stream",
        headers={"Content-Length": str(row.size), "ETag": f'"{row.sha256}"'},
    )


@router.delete("/clips/{clip_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_clip(
    clip_id: uuid.UUID, user: CurrentResident, session: SessionDep, state: StateDep
) -> None:
    service.delete_clip(session, storage=state.storage, user=user, clip_id=clip_id)
