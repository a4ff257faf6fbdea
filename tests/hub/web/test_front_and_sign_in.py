"""The front page, sign-in, sign-up and sign-out pages, on the account service."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import func, select

from doorstep.hub.accounts.models import BrowserSession, Role, User
from doorstep.hub.db import transaction
from doorstep.hub.state import HubState
from tests.hub.actors import PASSWORD, Actors
from tests.hub.web.pages import ORIGIN, alert_text, csrf_meta, web_client

PUBLIC_LINKS = ("/sign-in", "/sign-up", "/requests", "/agencies", "/transparency", "/audit")


async def test_front_page_signed_out_says_what_doorstep_promises(app: FastAPI) -> None:
    async with web_client(app) as http:
        response = await http.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    for promise in (
        "end-to-end",
        "cannot open them",
        "Requests are public and limited",
        "anonymously",
        "audit log",
        "No face recognition",
    ):
        assert promise in page, promise
    for link in PUBLIC_LINKS:
        assert f'href="{link}"' in page, link
    assert '<main id="main"' in page and 'href="#main"' in page  # landmark and skip link
    assert 'name="csrf-token"' not in page  # nobody is signed in


async def test_front_page_sends_each_role_to_its_home(app: FastAPI, actors: Actors) -> None:
    homes = {Role.RESIDENT: "/home", Role.AGENCY_MEMBER: "/agency", Role.ADMIN: "/admin"}
    for role, home in homes.items():
        actor = actors.user(role)
        async with web_client(app) as http:
            signed_in = await http.post(
                "/sign-in", data={"email": actor.email, "password": PASSWORD}
            )
            assert signed_in.status_code == 303, signed_in.text
            assert signed_in.headers["location"] == home, role
            front = await http.get("/")
        assert front.status_code == 303, role
        assert front.headers["location"] == home, role


async def test_sign_in_sets_the_apis_cookies_and_honours_next(
    app: FastAPI, actors: Actors, hub: HubState
) -> None:
    resident = actors.resident()
    async with web_client(app) as http:
        form = await http.get("/sign-in?next=/inbox")
        assert 'name="next" value="/inbox"' in form.text
        assert '<label for="email">Email</label>' in form.text
        assert '<label for="password">Password</label>' in form.text
        response = await http.post(
            "/sign-in", data={"email": resident.email, "password": PASSWORD, "next": "/inbox"}
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/inbox"
        session_cookie = http.cookies["doorstep_session"]
        assert http.cookies["doorstep_csrf"]
        set_cookie = response.headers.get_list("set-cookie")
        assert any("doorstep_session=" in c and "HttpOnly" in c for c in set_cookie)
        # The cookie is a session the JSON API accepts as well.
        me = await http.get("/v1/me")
        assert me.status_code == 200 and me.json()["email"] == resident.email
        # Another site as "next" is ignored: the role's home instead.
        again = await http.post(
            "/sign-in",
            data={"email": resident.email, "password": PASSWORD, "next": "//evil.example/x"},
        )
        assert again.headers["location"] == "/home"
    with transaction(hub.sessions) as session:
        count = session.scalar(
            select(func.count()).where(BrowserSession.user_id == resident.user_id)
        )
    assert count == 2
    assert session_cookie


async def test_wrong_password_is_shown_on_the_form(app: FastAPI, actors: Actors) -> None:
    resident = actors.resident()
    async with web_client(app) as http:
        response = await http.post(
            "/sign-in", data={"email": resident.email, "password": "not the password"}
        )
        assert response.status_code == 401
        assert "doorstep_session" not in http.cookies
    assert "email or the password is wrong" in alert_text(response.text)
    assert 'aria-invalid="true" aria-describedby="password-error"' in response.text
    assert f'value="{resident.email}"' in response.text  # the email is kept, the password not


async def test_bad_email_names_the_field(app: FastAPI) -> None:
    async with web_client(app) as http:
        response = await http.post("/sign-in", data={"email": "nobody", "password": "x"})
    assert response.status_code == 422
    assert "Email is not a valid email address" in alert_text(response.text)


async def test_lockout_is_shown_with_how_long_to_wait(app: FastAPI, actors: Actors) -> None:
    resident = actors.resident()
    limit = actors.hub.settings.login_max_failures
    async with web_client(app) as http:
        for _ in range(limit):
            wrong = await http.post("/sign-in", data={"email": resident.email, "password": "no"})
            assert wrong.status_code == 401
        # Even the right password waits now: the account is locked out, as on the API.
        locked = await http.post("/sign-in", data={"email": resident.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    message = alert_text(locked.text)
    assert "Signing in is paused" in message and "too many failed attempts" in message
    async with web_client(app) as http:
        api = await http.post(
            "/v1/auth/login", json={"email": resident.email, "password": PASSWORD}
        )
    assert api.status_code == 429


async def test_sign_up_makes_a_signed_in_resident_and_sends_them_to_keys(
    app: FastAPI, hub: HubState
) -> None:
    async with web_client(app) as http:
        form = await http.get("/sign-up")
        assert form.status_code == 200 and 'autocomplete="new-password"' in form.text
        response = await http.post(
            "/sign-up",
            data={"email": "Ann@Example.org", "display_name": "Ann", "password": PASSWORD},
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/keys/setup"
        me = await http.get("/v1/me")
    assert me.status_code == 200
    assert me.json()["email"] == "ann@example.org"
    with transaction(hub.sessions) as session:
        user = session.scalar(select(User).where(User.email == "ann@example.org"))
        assert user is not None and user.role == Role.RESIDENT and user.display_name == "Ann"


async def test_sign_up_errors_name_the_field(app: FastAPI, actors: Actors) -> None:
    taken = actors.resident()
    async with web_client(app) as http:
        short = await http.post(
            "/sign-up", data={"email": "bo@example.org", "display_name": "Bo", "password": "short"}
        )
        assert short.status_code == 422
        assert "Password must be at least 12 characters" in alert_text(short.text)
        assert 'aria-invalid="true"' in short.text and 'id="password-error"' in short.text
        duplicate = await http.post(
            "/sign-up", data={"email": taken.email, "display_name": "Bo", "password": PASSWORD}
        )
        assert duplicate.status_code == 409
        assert "exists already" in alert_text(duplicate.text)
        assert "doorstep_session" not in http.cookies


async def test_sign_out_needs_the_csrf_token_and_ends_the_session(
    app: FastAPI, actors: Actors
) -> None:
    resident = actors.resident()
    async with web_client(app) as http:
        await http.post("/sign-in", data={"email": resident.email, "password": PASSWORD})
        page = await http.get("/no-such-page")  # the 404 page has the signed-in header
        token = csrf_meta(page.text)
        assert f'name="csrf_token" value="{token}"' in page.text  # the header's sign-out form
        refused = await http.post("/sign-out", data={})
        assert refused.status_code == 403
        assert "csrf_token" in alert_text(refused.text)
        wrong = await http.post("/sign-out", data={"csrf_token": "x" + token})
        assert wrong.status_code == 403
        assert (await http.get("/v1/me")).status_code == 200  # still signed in
        cookie = http.cookies["doorstep_session"]
        out = await http.post("/sign-out", data={"csrf_token": token})
        assert out.status_code == 303 and out.headers["location"] == "/"
        assert "doorstep_session" not in http.cookies
    # The old cookie names no session any more.
    async with web_client(app) as http:
        http.cookies.set("doorstep_session", cookie)
        assert (await http.get("/v1/me")).status_code == 401
        assert (await http.get("/")).status_code == 200


async def test_htmx_style_header_token_is_accepted(app: FastAPI, actors: Actors) -> None:
    resident = actors.resident()
    async with web_client(app) as http:
        await http.post("/sign-in", data={"email": resident.email, "password": PASSWORD})
        token = http.cookies["doorstep_csrf"]
        out = await http.post(
            "/sign-out", headers={"X-CSRF-Token": token, "HX-Request": "true", "Origin": ORIGIN}
        )
    assert out.status_code == 303
