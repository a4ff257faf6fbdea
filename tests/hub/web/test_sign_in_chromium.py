"""Chromium against a real hub (uvicorn on 127.0.0.1): sign in through the form, and the
CSRF header app.js adds to an htmx POST. The pages load with no CSP violation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page
from pydantic import SecretStr

from doorstep.browser import chromium
from doorstep.hub.accounts.models import Role
from doorstep.hub.accounts.service import create_user
from doorstep.hub.app import create_app
from doorstep.hub.db import transaction
from doorstep.hub.state import HubState
from doorstep.local_server import serve_in_thread
from doorstep.settings import Settings

PASSWORD = "correct horse battery staple"


@dataclass
class LiveHub:
    url: str
    state: HubState

    def resident(self, email: str) -> str:
        with transaction(self.state.sessions) as session:
            create_user(
                session,
                settings=self.state.settings,
                email=email,
                password=PASSWORD,
                display_name="Rosa",
                role=Role.RESIDENT,
            )
        return email


@pytest.fixture(scope="module")
def live_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHub]:
    data = tmp_path_factory.mktemp("hub")
    settings = Settings(
        data_dir=data,
        database_url=f"sqlite:///{data / 'hub.db'}",
        storage_url=(data / "blobs").as_uri(),
        bus_url="memory://",
        secret_key=SecretStr("test-secret-key-" + "x" * 32),
    )
    app = create_app(settings)
    with serve_in_thread(app, name="the hub") as url:
        yield LiveHub(url=url, state=app.state.hub)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser, live_hub: LiveHub) -> Iterator[Page]:
    context = browser.new_context(base_url=live_hub.url)
    page = context.new_page()
    yield page
    context.close()


def csp_violations(page: Page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def test_sign_in_form_leads_to_the_resident_home(page: Page, live_hub: LiveHub) -> None:
    email = live_hub.resident("rosa@doorstep.example")
    violations = csp_violations(page)
    page.goto("/")
    assert page.evaluate("window.htmx.config.allowEval") is False
    assert page.locator("style").count() == 0  # htmx injected no indicator styles
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("a wrong password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").inner_text().startswith("The email or the password is wrong")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/home")
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert cookies["doorstep_session"]["httpOnly"] is True
    assert page.evaluate("document.cookie").count("doorstep_session") == 0
    assert violations == []


def test_app_js_sends_the_csrf_header_on_htmx_posts(page: Page, live_hub: LiveHub) -> None:
    email = live_hub.resident("omar@doorstep.example")
    violations = csp_violations(page)
    page.goto("/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/home")
    page.goto("/no-such-page")  # a page of ours with the signed-in header
    token = page.get_attribute('meta[name="csrf-token"]', "content")
    assert token
    # An htmx button as a page would render it (added through the DevTools protocol).
    page.evaluate(
        """() => {
            const button = document.createElement("button");
            button.id = "htmx-sign-out";
            button.setAttribute("hx-post", "/sign-out");
            button.setAttribute("hx-swap", "none");
            button.textContent = "Sign out with htmx";
            document.querySelector("main").append(button);
            window.htmx.process(button);
        }"""
    )
    with page.expect_request(
        lambda request: request.url.endswith("/sign-out") and request.method == "POST"
    ) as posted:
        page.click("#htmx-sign-out")
    request = posted.value
    assert request.headers["x-csrf-token"] == token
    assert request.headers["hx-request"] == "true"
    response = request.response()
    assert response is not None and response.status == 303  # accepted: the session ended
    page.wait_for_function(
        "() => fetch('/v1/me').then((r) => r.status === 401)", polling=100, timeout=5000
    )
    assert violations == []


def test_api_helper_reports_the_hubs_detail(page: Page, live_hub: LiveHub) -> None:
    email = live_hub.resident("lee@doorstep.example")
    page.goto("/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/home")
    page.goto("/no-such-page")
    result = page.evaluate(
        """async () => {
            const { api } = await import("/static/app.js");
            const made = await api("/v1/auth/tokens", { method: "POST", body: { name: "web" } });
            let refused = null;
            try {
                await api("/v1/auth/tokens", { method: "POST", body: { name: "" } });
            } catch (error) {
                refused = { name: error.name, status: error.status, message: error.message };
            }
            return { made: made.name, refused };
        }"""
    )
    assert result["made"] == "web"
    assert result["refused"]["name"] == "ApiError"
    assert result["refused"]["status"] == 422
    assert "name" in result["refused"]["message"]
