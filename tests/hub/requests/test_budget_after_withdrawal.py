"""Withdrawing requests gives none of an investigation code's budget back.

Otherwise an agency could tile a neighbourhood by filing, withdrawing and filing again
under one code (DESIGN.md, "Limits a request must respect": per code at most 3 requests
and 1 km² in total).
"""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tests.hub.actors import Actors
from tests.hub.shares import scene


async def _file(client: AsyncClient, agency: scene.Agency, code: str, radius_m: float) -> Any:
    circle = {"latitude": scene.CAMERA[0], "longitude": scene.CAMERA[1], "radius_m": radius_m}
    return await client.post(
        "/v1/agency/requests",
        json=scene.request_body(investigation_code=code, location={"circle": circle}),
        headers=agency.member.headers,
    )


async def _file_and_withdraw(
    client: AsyncClient, agency: scene.Agency, code: str, radius_m: float
) -> None:
    filed = await _file(client, agency, code, radius_m)
    assert filed.status_code == 201, filed.text
    withdrawn = await client.post(
        f"/v1/agency/requests/{filed.json()['id']}/withdraw", headers=agency.member.headers
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


async def test_withdrawn_requests_still_count_against_their_code(
    actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    for _ in range(3):
        await _file_and_withdraw(client, agency, "CASE-COUNT", radius_m=100)
    fourth = await _file(client, agency, "CASE-COUNT", radius_m=100)
    assert fourth.status_code == 422, fourth.text
    assert fourth.json()["detail"] == (
        "investigation_code: this would be request 4 under this code (3 used); "
        "the budget of requests per investigation code is 3 requests"
    )

    # Two withdrawn half-square-kilometre requests leave no area for a third.
    for _ in range(2):
        await _file_and_withdraw(client, agency, "CASE-AREA", radius_m=398.9)
    third = await _file(client, agency, "CASE-AREA", radius_m=398.9)
    assert third.status_code == 422, third.text
    assert third.json()["detail"] == (
        "investigation_code: this request would bring the code's total area to 1.5 km² "
        "(0.998 km² used); the budget of total area per investigation code is 1 km²"
    )
    requests = (await client.get("/v1/agency/requests", headers=agency.member.headers)).json()
    assert [row["status"] for row in requests["data"]] == ["withdrawn"] * 5
