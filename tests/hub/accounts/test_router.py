"""Registration, sign-in, browser sessions with CSRF, lockout and bearer tokens."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select

from doorstep.hub.accounts.models import ApiToken, Role, User
from doorstep.hub.audit.models import AuditEntry
from doorstep.hub.state import HubState
from tests.hub.actors import PASSWORD, Actors


async def sign_in(client: AsyncClient, email: str, password: str = PASSWORD) -> str:
    response = await client.post("/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    csrf: str = response.json()["csrf_token"]
    return csrf


@pytest.mark.production_password_hasher
async def test_register_hashes_with_argon2id(client: AsyncClient, hub: HubState) -> None:
    response = await client.post(
        "/v1/accounts",
        json={"email": "Ada@Doorstep.Example", "password": PASSWORD, "display_name": "Ada"},
    )
    assert response.status_code == 201
    assert response.json()["email"] == "ada@doorstep.example"
    assert response.json()["role"] == "resident"
    assert "password" not in response.text
    with hub.sessions() as session:
        stored = session.scalar(select(User.password_hash))
    # Argon2id at argon2-cffi's default cost (RFC 9106's second recommendation).
    assert stored is not None and stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in stored


async def test_register_refuses_duplicates_and_short_passwords(
    client: AsyncClient, actors: Actors
) -> None:
    actors.resident(email="taken@doorstep.example")
    before = actors.row_counts()
    duplicate = await client.post(
        "/v1/accounts",
        json={"email": "TAKEN@doorstep.example", "password": PASSWORD, "display_name": "X"},
    )
    assert duplicate.status_code == 409
    short = await client.post(
        "/v1/accounts",
        json={"email": "new@doorstep.example", "password": "short", "display_name": "X"},
    )
    assert short.status_code == 422
    assert short.json()["detail"] == "password must be at least 12 characters long"
    assert actors.row_counts() == before


async def test_cookies_are_httponly_and_lax(client: AsyncClient, actors: Actors) -> None:
    actor = actors.resident()
    response = await client.post(
        "/v1/auth/login", json={"email": actor.email, "password": PASSWORD}
    )
    cookies = {c.split("=", 1)[0]: c.lower() for c in response.headers.get_list("set-cookie")}
    assert "httponly" in cookies["doorstep_session"]
    assert "samesite=lax" in cookies["doorstep_session"]
    assert "secure" not in cookies["doorstep_session"]
    assert "httponly" not in cookies["doorstep_csrf"]


async def test_cookies_are_secure_over_https(app: FastAPI, actors: Actors) -> None:
    actor = actors.resident()
    async with AsyncClient(transport=ASGITransport(app=app), base_url="https://hub.test") as tls:
        response = await tls.post(
            "/v1/auth/login", json={"email": actor.email, "password": PASSWORD}
        )
    for cookie in response.headers.get_list("set-cookie"):
        assert "secure" in cookie.lower()


async def test_browser_session_needs_csrf_on_unsafe_methods(
    client: AsyncClient, actors: Actors
) -> None:
    actor = actors.resident()
    csrf = await sign_in(client, actor.email)
    assert (await client.get("/v1/me")).json()["email"] == actor.email
    missing = await client.post("/v1/homes", json={"name": "Home"})
    assert missing.status_code == 403
    assert "X-CSRF-Token" in missing.json()["detail"]
    wrong = await client.post("/v1/homes", json={"name": "Home"}, headers={"X-CSRF-Token": "x"})
    assert wrong.status_code == 403
    assert (await client.get("/v1/homes")).json()["count"] == 0
    ok = await client.post("/v1/homes", json={"name": "Home"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201


async def test_logout_ends_the_session(client: AsyncClient, actors: Actors) -> None:
    actor = actors.resident()
    csrf = await sign_in(client, actor.email)
    stolen_cookie = client.cookies["doorstep_session"]
    assert (await client.post("/v1/auth/logout", headers={"X-CSRF-Token": csrf})).status_code == 204
    replay = await client.get("/v1/me", headers={"Cookie": f"doorstep_session={stolen_cookie}"})
    assert replay.status_code == 401


async def test_wrong_password_and_unknown_email_look_the_same(
    client: AsyncClient, actors: Actors
) -> None:
    actor = actors.resident()
    wrong = await client.post("/v1/auth/login", json={"email": actor.email, "password": "nope"})
    unknown = await client.post(
        "/v1/auth/login", json={"email": "ghost@doorstep.example", "password": "nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_lockout_after_failures_then_admin_unlock(
    client: AsyncClient, actors: Actors
) -> None:
    actor = actors.resident()
    for _ in range(5):
        failed = await client.post(
            "/v1/auth/login", json={"email": actor.email, "password": "wrong password"}
        )
        assert failed.status_code == 401
    locked = await client.post("/v1/auth/login", json={"email": actor.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert "limit 5" in locked.json()["detail"]
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    admin = actors.user(Role.ADMIN)
    unlock = await client.post(f"/v1/admin/users/{actor.user_id}/unlock", headers=admin.headers)
    assert unlock.status_code == 204
    await sign_in(client, actor.email)


async def test_tokens_are_shown_once_and_stored_hashed(
    client: AsyncClient, actors: Actors, hub: HubState
) -> None:
    actor = actors.resident()
    created = await client.post("/v1/auth/tokens", json={"name": "laptop"}, headers=actor.headers)
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("dst_")
    listed = await client.get("/v1/auth/tokens", headers=actor.headers)
    assert listed.json()["count"] == 2
    assert token not in listed.text
    with hub.sessions() as session:
        hashes = list(session.scalars(select(ApiToken.token_hash)))
    assert all(token not in value and len(value) == 64 for value in hashes)
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/v1/me", headers=bearer)).status_code == 200
    revoked = await client.delete(f"/v1/auth/tokens/{created.json()['id']}", headers=bearer)
    assert revoked.status_code == 204
    assert (await client.get("/v1/me", headers=bearer)).status_code == 401


async def test_tokens_of_others_cannot_be_revoked(client: AsyncClient, actors: Actors) -> None:
    owner, other = actors.resident(), actors.resident()
    created = await client.post("/v1/auth/tokens", json={"name": "cli"}, headers=owner.headers)
    response = await client.delete(f"/v1/auth/tokens/{created.json()['id']}", headers=other.headers)
    assert response.status_code == 404
    token = created.json()["token"]
    assert (await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})).is_success


async def test_password_change(client: AsyncClient, actors: Actors) -> None:
    actor = actors.resident()
    csrf = await sign_in(client, actor.email)
    headers = {"X-CSRF-Token": csrf}
    wrong = await client.post(
        "/v1/me/password",
        json={"current_password": "not it", "new_password": "a new long password"},
        headers=headers,
    )
    assert wrong.status_code == 401
    short = await client.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=headers,
    )
    assert short.status_code == 422
    assert short.json()["detail"].startswith("new_password")
    changed = await client.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "a new long password"},
        headers=headers,
    )
    assert changed.status_code == 204
    assert (await client.get("/v1/me")).status_code == 401
    await sign_in(client, actor.email, "a new long password")


async def test_guessing_the_current_password_locks_the_account_like_sign_in(
    client: AsyncClient, actors: Actors, hub: HubState
) -> None:
    actor = actors.resident()
    headers = {"X-CSRF-Token": await sign_in(client, actor.email)}
    limit = hub.settings.login_max_failures
    change = {"current_password": "not it", "new_password": "a new long password"}
    for _ in range(limit):
        wrong = await client.post("/v1/me/password", json=change, headers=headers)
        assert wrong.status_code == 401
    right = {**change, "current_password": PASSWORD}
    locked = await client.post("/v1/me/password", json=right, headers=headers)
    assert locked.status_code == 429 and "for this account" in locked.json()["detail"]
    signing_in = await client.post(
        "/v1/auth/login", json={"email": actor.email, "password": PASSWORD}
    )
    assert signing_in.status_code == 429
    with hub.sessions() as session:
        failed = session.scalars(
            select(AuditEntry.public).where(AuditEntry.action == "auth.password_change_failed")
        ).all()
    assert len(failed) == limit
    assert all(actor.email.encode() not in public for public in failed)
