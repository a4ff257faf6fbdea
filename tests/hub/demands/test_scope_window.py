"""A legal demand hands over the clips that overlap its window, and none beside it.

The hub can't cut ciphertext, so a clip that straddles an edge of the window goes
whole; a clip that ended before the window began, or began after it ended (touching
an edge counts as outside), is not the demand's to take.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from httpx import AsyncClient

from doorstep.evidence.verify import verify_package
from doorstep.hub.accounts.models import Role
from tests.hub.actors import Actors
from tests.hub.clips.uploads import upload_clip
from tests.hub.demands import demand_body, two_hours_ago


def _clip(start: datetime, minutes: float, seconds: int) -> tuple[datetime, datetime]:
    began = start + timedelta(minutes=minutes)
    return began, began + timedelta(seconds=seconds)


async def test_only_clips_overlapping_the_window_are_handed_over(
    client: AsyncClient, actors: Actors
) -> None:
    owner, admin = actors.resident(), actors.user(Role.ADMIN)
    home_id, (camera,) = actors.home(owner)
    device = actors.device(owner, home_id)
    start = two_hours_ago()
    end = start + timedelta(minutes=30)
    clips = {}
    for name, times in {
        "ended an hour before": _clip(start, -60, 14),
        "ended as the window began": _clip(start, -1, 60),
        "straddles the start": _clip(start, -0.5, 60),
        "inside": _clip(start, 10, 14),
        "straddles the end": _clip(start, 29.5, 60),
        "began as the window ended": _clip(start, 30, 14),
        "began after": _clip(start, 45, 14),
    }.items():
        clips[name] = await upload_clip(client, device, camera, times=times)
    recorded = await client.post(
        "/v1/admin/demands", json=demand_body(home_id, start=start, end=end), headers=admin.headers
    )
    assert recorded.status_code == 201, recorded.text

    package = await client.get(
        f"/v1/admin/demands/{recorded.json()['id']}/package", headers=admin.headers
    )

    assert package.status_code == 200, package.text
    handed_over = {clip.clip_id for clip in verify_package(io.BytesIO(package.content)).clips}
    names = {clip_id: name for name, clip_id in clips.items()}
    assert sorted(names[clip_id] for clip_id in handed_over) == [
        "inside",
        "straddles the end",
        "straddles the start",
    ]
