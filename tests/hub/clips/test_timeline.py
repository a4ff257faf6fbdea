"""GET /v1/cameras/{camera_id}/timeline: buckets and clip lists from timeline_spec.py."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from httpx import AsyncClient

from doorstep.hub.db import transaction
from doorstep.hub.state import HubState
from tests.hub.actors import Actor, Actors
from tests.hub.clips.timeline_spec import (
    BY_NAME,
    CASES,
    CLIPS,
    DAY,
    OTHER_CAMERA,
    expected_clips,
    seed,
)


class Camera:
    def __init__(self, owner: Actor, camera_id: uuid.UUID, ids: dict[str, uuid.UUID]) -> None:
        self.owner, self.camera_id, self.ids = owner, camera_id, ids
        self.path = f"/v1/cameras/{camera_id}/timeline"


@pytest.fixture
def camera(actors: Actors, hub: HubState) -> Camera:
    owner = actors.resident()
    home_id, (camera_id, other_id) = actors.home(owner, cameras=2)
    with transaction(hub.sessions) as session:
        ids = seed(session, home_id=home_id, camera_id=camera_id, clips=CLIPS)
        seed(session, home_id=home_id, camera_id=other_id, clips=OTHER_CAMERA)
    return Camera(owner, camera_id, ids)


def _times(buckets: list[dict[str, Any]]) -> dict[datetime, int]:
    return {datetime.fromisoformat(b["start"]): b["count"] for b in buckets}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_buckets_and_clips_follow_the_spec(
    client: AsyncClient, camera: Camera, case: Any
) -> None:
    response = await client.get(camera.path, params=case.query, headers=camera.owner.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["bucket"] == case.bucket
    expected = {datetime.fromisoformat(start): n for start, n in case.buckets.items()}
    assert _times(body["buckets"]) == expected
    assert body["total"] == sum(case.buckets.values())
    span = datetime.fromisoformat(body["end"]) - datetime.fromisoformat(body["start"])
    assert body["bucket_count"] == -(-span.total_seconds() // case.bucket)
    if case.clips is None:
        assert body["clips"] is None
        return
    listed = [uuid.UUID(clip["id"]) for clip in body["clips"]]
    assert listed == expected_clips(case.clips, camera.ids)
    names = {identifier: name for name, identifier in camera.ids.items()}
    for clip in body["clips"]:
        spec = BY_NAME[names[uuid.UUID(clip["id"])]]
        assert datetime.fromisoformat(clip["started_at"]) == spec.started_at
        ended = datetime.fromisoformat(clip["ended_at"])
        assert (ended - spec.started_at).total_seconds() == spec.seconds
        assert clip["sizes"] == spec.sizes()
        assert clip["has_snapshot"] == ("s" in spec.parts)
    assert body["next_after"] is None


async def test_clips_page_with_after_until_none_are_left(
    client: AsyncClient, camera: Camera
) -> None:
    pages: list[list[uuid.UUID]] = []
    after: str | None = None
    while True:
        params = DAY | {"limit": 2} | ({"after": after} if after else {})
        body = (await client.get(camera.path, params=params, headers=camera.owner.headers)).json()
        pages.append([uuid.UUID(clip["id"]) for clip in body["clips"]])
        after = body["next_after"]
        if after is None:
            break
        assert after == body["clips"][-1]["id"]
    # Two clips share a start and a page ends between them: the cursor orders them by id
    # and loses neither.
    flat = [clip for page in pages for clip in page]
    day = next(case for case in CASES if case.name == "day by the hour")
    assert flat == expected_clips(day.clips or [], camera.ids)
    assert [len(page) for page in pages] == [2, 2, 2, 2]


BAD_QUERIES = [
    ({"start": "2026-11-20T00:00:00Z", "end": "2026-11-20T00:00:00Z"}, "end", "after start"),
    ({"start": "2026-11-21T00:00:00Z", "end": "2026-11-20T00:00:00Z"}, "end", "after start"),
    ({"start": "2026-11-01T00:00:00Z", "end": "2026-11-09T00:00:01Z"}, "end", "at most 8 days"),
    ({"start": "2026-11-20T00:00:00"}, "start", "timezone"),
    ({"end": "yesterday"}, "end", ""),
    (DAY | {"bucket": 120}, "bucket", "one of 60, 300"),
    (DAY | {"bucket": 2**70}, "bucket", ""),
    (
        {"start": "2026-11-20T00:00:00Z", "end": "2026-11-23T00:00:00Z", "bucket": 60},
        "bucket",
        "at most 2,880",
    ),
    (DAY | {"after": "not-a-uuid"}, "after", ""),
    ({"start": "9999-12-31T12:00:00Z"}, "start", "end of the calendar"),
    ({"end": "0001-01-01T12:00:00Z"}, "end", "end of the calendar"),
    (DAY | {"limit": 0}, "limit", ""),
    (
        {
            "start": "2026-11-20T00:00:00Z",
            "end": "2026-11-22T00:00:00Z",
            "after": str(uuid.uuid4()),
        },
        "after",
        "25 hours",
    ),
]


@pytest.mark.parametrize(("query", "field", "words"), BAD_QUERIES)
async def test_bad_windows_and_buckets_are_422_naming_the_field(
    client: AsyncClient, camera: Camera, query: dict[str, Any], field: str, words: str
) -> None:
    response = await client.get(camera.path, params=query, headers=camera.owner.headers)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith(f"{field}:") or f"query.{field}" in detail, detail
    assert words in detail


async def test_after_must_be_a_clip_of_this_camera_and_window(
    client: AsyncClient, camera: Camera, actors: Actors, hub: HubState
) -> None:
    # A clip of the same camera outside the window, and one of another home.
    stranger = actors.resident()
    home_id, (camera_id,) = actors.home(stranger)
    with transaction(hub.sessions) as session:
        theirs = seed(session, home_id=home_id, camera_id=camera_id, clips=CLIPS[1:2])
    for after in (camera.ids["next-day"], theirs["first"]):
        params = DAY | {"after": str(after)}
        response = await client.get(camera.path, params=params, headers=camera.owner.headers)
        assert response.status_code == 422, response.text
        assert response.json()["detail"].startswith("after:")


async def test_another_homes_camera_is_404(
    client: AsyncClient, camera: Camera, actors: Actors
) -> None:
    stranger = actors.resident()
    response = await client.get(camera.path, params=DAY, headers=stranger.headers)
    assert response.status_code == 404
    assert "buckets" not in response.text
