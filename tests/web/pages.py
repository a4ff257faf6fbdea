"""Every page of the web app, by the role that sees it (the spec's URL map), and one
signed-in browser page per role to visit them with.

Paths name the world's objects in braces (``{home_id}``: tests/web/world.py ``ids``).
A page that answers anything but its expected status fails the test that visits it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from playwright.sync_api import Browser, BrowserContext, Page, Response

from tests.web.hub import HttpsHub
from tests.web.world import WebWorld, sign_in

# (role, path): "public" is signed out.
PAGES: list[tuple[str, str]] = [
    ("public", "/"),
    ("public", "/sign-in"),
    ("public", "/sign-up"),
    ("public", "/requests"),
    ("public", "/agencies"),
    ("public", "/audit"),
    ("public", "/transparency"),
    ("public", "/no-such-page"),  # the 404 page
    ("resident", "/home"),
    ("resident", "/homes/{home_id}/settings"),
    ("resident", "/homes/new"),
    ("resident", "/homes/{home_id}/settings/cameras/{camera_id}/remove"),
    ("resident", "/homes/{home_id}/settings/members/{user_id}/remove"),
    ("resident", "/cameras/{camera_id}"),
    ("resident", "/clips/{clip_id}"),
    ("resident", "/inbox"),
    ("resident", "/inbox/{entry_id}"),
    ("resident", "/receipts"),
    ("resident", "/holdings"),
    ("resident", "/holdings/{share_id}/withdraw"),
    ("resident", "/keys/setup"),
    ("resident", "/keys/passphrase"),
    ("resident", "/keys"),
    ("resident", "/pair"),
    ("agency", "/agency"),
    ("agency", "/agency/requests/new"),
    ("agency", "/agency/requests/{request_id}"),
    ("agency", "/agency/shares"),
    ("agency", "/agency/members"),
    ("admin", "/admin"),
    ("admin", "/admin/agencies"),
    ("admin", "/admin/flags"),
    ("admin", "/admin/demands"),
    ("admin", "/admin/users"),
]
EXPECTED_STATUS = {"/no-such-page": 404}
PAGE_IDS = [f"{role} {path}" for role, path in PAGES]


@dataclass
class Visitor:
    """One browser context per role, signed in once, reused for every page of the role."""

    browser: Browser
    hub: HttpsHub
    world: WebWorld
    width: int = 1280
    height: int = 800
    contexts: dict[str, BrowserContext] = field(default_factory=dict)

    def page(self, role: str) -> Page:
        if role not in self.contexts:
            context = self.browser.new_context(
                base_url=self.hub.url, viewport={"width": self.width, "height": self.height}
            )
            self.contexts[role] = context
            page = context.new_page()
            account = self.world.account(role)
            if account is not None:
                sign_in(page, account)
        [page] = self.contexts[role].pages
        return page

    def visit(self, role: str, path: str) -> tuple[Page, Response]:
        """Open ``path`` as ``role`` and wait until its scripts have settled; assert the
        page answered as expected (a missing page fails here)."""
        page = self.page(role)
        url = path.format(**self.world.ids)
        response = page.goto(url)
        assert response is not None
        expected = EXPECTED_STATUS.get(path, 200)
        assert response.status == expected, f"{role} {url}: {response.status}, not {expected}"
        assert "/sign-in" not in page.url or path == "/sign-in", f"{url} sent {role} to sign in"
        page.wait_for_load_state("networkidle")
        return page, response

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()
        self.contexts.clear()


@contextmanager
def visiting(browser: Browser, hub: HttpsHub, world: WebWorld) -> Iterator[Visitor]:
    visitor = Visitor(browser, hub, world)
    try:
        yield visitor
    finally:
        visitor.close()
