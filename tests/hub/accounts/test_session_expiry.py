"""A browser session signs its user in until ``expires_at`` and not a moment after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from httpx import AsyncClient
from sqlalchemy import update

from doorstep.hub.accounts.models import BrowserSession
from doorstep.hub.state import HubState
from tests.hub.actors import PASSWORD, Actors


def _expire_at(hub: HubState, moment: datetime) -> None:
    with hub.sessions() as session, session.begin():
        session.execute(update(BrowserSession).values(expires_at=moment))


async def test_an_expired_session_cookie_signs_nobody_in(
    client: AsyncClient, actors: Actors, hub: HubState
) -> None:
    actor = actors.resident()
    login = await client.post("/v1/auth/login", json={"email": actor.email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    csrf = login.json()["csrf_token"]

    _expire_at(hub, datetime.now(UTC) + timedelta(minutes=1))
    assert (await client.get("/v1/me")).json()["email"] == actor.email

    _expire_at(hub, datetime.now(UTC) - timedelta(seconds=1))
    for response in (
        await client.get("/v1/me"),
        await client.post("/v1/homes", json={"name": "Home"}, headers={"X-CSRF-Token": csrf}),
    ):
        assert response.status_code == 401, response.text
        assert response.json() == {
            "error": "authentication_failed",
            "detail": "the session has expired or was ended; sign in again",
        }
    assert (await client.get("/v1/homes", headers=actor.headers)).json()["count"] == 0
