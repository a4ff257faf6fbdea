"""A share names only the answering home's own clips, and only clips in the request's window.

The owner's client chooses the clips; the hub checks each against the delivery it
answers, so a home can't hand over (or be made to hand over) footage the request
never asked it for.
"""

from __future__ import annotations

import base64
import os
from datetime import timedelta
from typing import Any

from httpx import AsyncClient

from doorstep.crypto.format import PARTS
from tests.hub.actors import Actors
from tests.hub.clips.uploads import upload_clip
from tests.hub.shares import scene


async def _share(
    client: AsyncClient, home: scene.Home, delivery_id: str, body: dict[str, Any]
) -> tuple[int, Any]:
    response = await client.post(
        f"/v1/inbox/{delivery_id}/share", json=body, headers=home.owner.headers
    )
    return response.status_code, response.json()


async def test_a_clip_of_another_home_is_refused_naming_it(
    actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    mine, theirs = [await scene.home_with_clip(actors, client) for _ in range(2)]
    request = await scene.file_request(client, agency)
    entry = await scene.delivery_of(client, mine, request["id"])
    # A complete, validly signed choice of the other home's clip, made by its owner.
    body = await scene.share_body(client, actors, theirs, agency)
    before = actors.row_counts()

    status, answer = await _share(client, mine, entry["id"], body)

    assert (status, answer) == (
        422,
        {
            "error": "invalid_input",
            "detail": f"clips[0].clip_id: clip {theirs.clip_id} is not this home's",
        },
    )
    assert actors.row_counts() == before


async def test_a_clip_from_before_the_window_is_refused_naming_it(
    actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    home = await scene.home_with_clip(actors, client)
    # The request's window is the last hour (scene.request_body); this clip is older.
    started = scene.now() - timedelta(hours=2)
    old_clip = await upload_clip(
        client,
        actors.device(home.owner, home.home_id),
        home.camera_id,
        {name: os.urandom(500) for name in PARTS},
        (started, started + timedelta(seconds=20)),
    )
    request = await scene.file_request(client, agency)
    entry = await scene.delivery_of(client, home, request["id"])
    older = scene.Home(home.owner, home.home_id, home.camera_id, old_clip, home.payloads)
    body = await scene.share_body(client, actors, older, agency)
    before = actors.row_counts()

    status, answer = await _share(client, home, entry["id"], body)

    assert (status, answer) == (
        422,
        {
            "error": "invalid_input",
            "detail": f"clips[0].clip_id: clip {old_clip} is outside the request's window",
        },
    )
    assert actors.row_counts() == before
    # The clip inside the window is still shareable: the refusal was about the choice.
    shared = await scene.share(client, actors, home, agency, request["id"])
    assert [clip["clip_id"] for clip in shared["clips"]] == [str(home.clip_id)]


async def test_a_sealed_attestation_is_stored_opaque_within_its_size_limit(
    actors: Actors, client: AsyncClient
) -> None:
    """The hub can't read the attestation, so it checks only its size: 28 to 4096 bytes."""
    agency = await scene.agency(actors, client)
    home = await scene.home_with_clip(actors, client)
    request = await scene.file_request(client, agency)
    entry = await scene.delivery_of(client, home, request["id"])
    body = await scene.share_body(client, actors, home, agency)
    before = actors.row_counts()
    for size in (27, 4097):
        sealed = base64.b64encode(bytes(size)).decode()
        too_odd = {"clips": [{**body["clips"][0], "sealed_attestation": sealed}]}
        status, answer = await _share(client, home, entry["id"], too_odd)
        assert status == 422 and "sealed_attestation" in str(answer), answer
    assert actors.row_counts() == before
    # Any bytes of a size within the limit are taken as they come: only the agency opens them.
    opaque = base64.b64encode(b"\x07" * 4096).decode()
    status, _ = await _share(
        client, home, entry["id"], {"clips": [{**body["clips"][0], "sealed_attestation": opaque}]}
    )
    assert status == 201
