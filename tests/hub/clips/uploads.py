"""Uploading a clip the way an edge device does: three sealed parts, then a commit."""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient

PARTS = ("clip", "snapshot", "details")


def commit_body(
    clip_id: uuid.UUID, camera_id: uuid.UUID, payloads: dict[str, bytes]
) -> dict[str, Any]:
    ended = datetime.now(UTC).replace(microsecond=0)
    return {
        "id": str(clip_id),
        "camera_id": str(camera_id),
        "started_at": (ended - timedelta(seconds=14)).isoformat(),
        "ended_at": ended.isoformat(),
        "parts": {
            name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in payloads.items()
        },
    }


async def upload_clip(
    client: AsyncClient,
    device: dict[str, str],
    camera_id: uuid.UUID,
    payloads: dict[str, bytes] | None = None,
) -> uuid.UUID:
    payloads = payloads or {name: os.urandom(1000) for name in PARTS}
    clip_id = uuid.uuid4()
    for name, data in payloads.items():
        response = await client.put(
            f"/v1/device/clips/{clip_id}/parts/{name}", content=data, headers=device
        )
        assert response.status_code == 200, response.text
    response = await client.post(
        "/v1/device/clips", json=commit_body(clip_id, camera_id, payloads), headers=device
    )
    assert response.status_code == 201, response.text
    return clip_id
