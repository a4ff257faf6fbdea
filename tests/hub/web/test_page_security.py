"""Security of the pages: CSP and HSTS, the same-origin check, CSRF, and HTML vs JSON errors."""

from __future__ import annotations

from fastapi import FastAPI

from doorstep.hub.web.csp import PAGE_CSP_DIRECTIVES
from tests.hub.actors import PASSWORD, Actors
from tests.hub.web.pages import ORIGIN, web_client

PAGES = ("/", "/sign-in", "/sign-up", "/no-such-page")


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


async def test_every_page_has_the_strict_csp(app: FastAPI, actors: Actors) -> None:
    resident = actors.resident()
    async with web_client(app) as http:
        responses = [await http.get(path) for path in PAGES]
        responses.append(await http.post("/sign-in", data={"email": "x", "password": "y"}))
        await http.post("/sign-in", data={"email": resident.email, "password": PASSWORD})
        responses.append(await http.post("/sign-out", data={}))  # the 403 page
        responses.append(await http.get("/no-such-page"))  # signed in
    for response in responses:
        where = f"{response.request.method} {response.request.url.path} {response.status_code}"
        assert response.headers["content-type"].startswith("text/html"), where
        csp = response.headers["content-security-policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval'" not in csp.replace(
            "'wasm-unsafe-eval'", ""
        ), where
        found = directives(csp)
        assert found["default-src"] == "'none'", where
        assert found["script-src"] == "'self' 'wasm-unsafe-eval'", where
        assert found["style-src"] == "'self'", where
        assert found["media-src"] == "blob:", where
        assert found["frame-ancestors"] == "'none'", where
        assert "upgrade-insecure-requests" not in found, where  # plain http here
        assert "strict-transport-security" not in response.headers, where
        assert response.headers["x-content-type-options"] == "nosniff", where
    assert len(PAGE_CSP_DIRECTIVES) == len(
        directives(responses[0].headers["content-security-policy"])
    )


async def test_json_and_the_transparency_page_keep_their_own_headers(app: FastAPI) -> None:
    async with web_client(app) as http:
        api = await http.get("/v1/transparency")
        report = await http.get("/transparency")
    assert "content-security-policy" not in api.headers
    assert "form-action 'none'" in report.headers["content-security-policy"]
    assert "script-src" not in report.headers["content-security-policy"]


async def test_https_adds_hsts_and_upgrades(app: FastAPI) -> None:
    async with web_client(app, base_url="https://hub.test") as http:
        page = await http.get("/")
        api = await http.get("/healthz")
    assert page.headers["strict-transport-security"].startswith("max-age=")
    assert "upgrade-insecure-requests" in page.headers["content-security-policy"]
    assert api.headers["strict-transport-security"].startswith("max-age=")


async def test_unknown_path_is_a_page_for_browsers_and_json_for_api_clients(
    app: FastAPI,
) -> None:
    async with web_client(app) as http:
        page = await http.get("/no-such-page")
        api_client = await http.get("/no-such-page", headers={"Accept": "application/json"})
        under_v1 = await http.get("/v1/no-such-route")  # Accept: text/html, still JSON
        static = await http.get("/static/no-such-file.js")
        htmx = await http.get("/no-such-page", headers={"HX-Request": "true"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in page.text and "no route /no-such-page" in page.text
    assert api_client.status_code == 404
    assert api_client.json() == {"error": "not_found", "detail": "no route /no-such-page"}
    assert under_v1.status_code == 404 and under_v1.json()["error"] == "not_found"
    assert static.status_code == 404 and not static.headers["content-type"].startswith("text/html")
    assert htmx.json()["error"] == "not_found"  # app.js shows its detail


async def test_cross_site_page_posts_are_refused(app: FastAPI, actors: Actors) -> None:
    resident = actors.resident()
    form = {"email": resident.email, "password": PASSWORD}
    async with web_client(app) as http:
        for headers in (
            {"Origin": "https://evil.example"},
            {"Origin": "null"},
            {"Sec-Fetch-Site": "cross-site"},
            {"Sec-Fetch-Site": "same-site", "Origin": ORIGIN},
        ):
            refused = await http.post("/sign-in", data=form, headers=headers)
            assert refused.status_code == 403, headers
            assert refused.json()["error"] == "permission_denied"
            assert "doorstep_session" not in http.cookies, headers
        detail = await http.post("/sign-in", data=form, headers={"Origin": "https://e.example"})
        assert "Origin: https://e.example" in detail.json()["detail"]
        # The same form from the hub's own page goes through.
        own = await http.post(
            "/sign-in",
            data=form,
            headers={"Origin": ORIGIN, "Sec-Fetch-Site": "same-origin"},
        )
        assert own.status_code == 303
        # The hub's own pages send "Origin: null" (Referrer-Policy: no-referrer); the
        # browser's Sec-Fetch-Site vouches for them. Without it, null is refused.
        vouched = await http.post(
            "/sign-in", data=form, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"}
        )
        assert vouched.status_code == 303
        # Default ports and letter case don't make an origin foreign.
        typed = await http.post(
            "/sign-in",
            data=form,
            headers={"Origin": "HTTP://Hub.Test:80", "Sec-Fetch-Site": "none"},
        )
        assert typed.status_code == 303


async def test_cross_site_api_calls_with_the_cookie_are_refused(
    app: FastAPI, actors: Actors
) -> None:
    resident = actors.resident()
    async with web_client(app) as http:
        login = await http.post(
            "/v1/auth/login", json={"email": resident.email, "password": PASSWORD}
        )
        csrf = login.json()["csrf_token"]
        before = (await http.get("/v1/auth/tokens")).json()["count"]
        body = {"name": "laptop"}
        for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
            refused = await http.post(
                "/v1/auth/tokens", json=body, headers={"X-CSRF-Token": csrf} | headers
            )
            assert refused.status_code == 403, headers
            assert refused.json()["error"] == "permission_denied"
            assert "refused a" in refused.json()["detail"]
        tokens = await http.get("/v1/auth/tokens", headers={"Sec-Fetch-Site": "cross-site"})
        # Reads pass (the cookie is SameSite=Lax anyway); the refused calls made no token.
        assert tokens.status_code == 200 and tokens.json()["count"] == before
        same = await http.post(
            "/v1/auth/tokens",
            json=body,
            headers={"X-CSRF-Token": csrf, "Origin": ORIGIN, "Sec-Fetch-Site": "same-origin"},
        )
        assert same.status_code == 201
    # A bearer-token client carries no cookie: its Origin header doesn't matter.
    async with web_client(app) as http:
        bearer = await http.post(
            "/v1/auth/tokens",
            json={"name": "cli"},
            headers=resident.headers | {"Origin": "https://elsewhere.example"},
        )
    assert bearer.status_code == 201


async def test_signed_in_page_post_needs_the_csrf_token(app: FastAPI, actors: Actors) -> None:
    resident = actors.resident()
    async with web_client(app) as http:
        await http.post("/sign-in", data={"email": resident.email, "password": PASSWORD})
        missing = await http.post("/sign-out", headers={"Origin": ORIGIN})
        json_missing = await http.post(
            "/sign-out", headers={"Origin": ORIGIN, "Accept": "application/json"}
        )
        still = await http.get("/v1/me")
    assert missing.status_code == 403
    assert "X-CSRF-Token" in missing.text and missing.headers["content-type"].startswith(
        "text/html"
    )
    assert json_missing.status_code == 403 and json_missing.json()["error"] == "permission_denied"
    assert still.status_code == 200


async def test_signed_in_responses_are_not_cached(app: FastAPI, actors: Actors) -> None:
    resident = actors.resident()
    async with web_client(app, base_url="https://hub.test") as http:
        signed_out = await http.get("/sign-in")
        sign_in = await http.post("/sign-in", data={"email": resident.email, "password": PASSWORD})
        home = await http.get("/home")
        missing = await http.get("/no-such-page")
        me = await http.get("/v1/me")
        style = await http.get("/static/app.css")
    # The session cookie: HttpOnly, SameSite=Lax and Secure over https.
    session_cookie = next(
        c for c in sign_in.headers.get_list("set-cookie") if c.startswith("doorstep_session=")
    ).lower()
    assert "httponly" in session_cookie and "samesite=lax" in session_cookie
    assert "; secure" in session_cookie
    # A private page must not outlive signing out in a browser's or proxy's cache.
    for response in (home, missing, me):
        where = f"{response.request.url.path} {response.status_code}"
        assert response.headers.get("cache-control") == "no-store", where
        assert response.headers["referrer-policy"] == "no-referrer", where
    assert home.status_code == 200 and "Sign out" in home.text
    assert "no-store" not in signed_out.headers.get("cache-control", "")
    assert "no-store" not in style.headers.get("cache-control", "")
    assert style.status_code == 200
