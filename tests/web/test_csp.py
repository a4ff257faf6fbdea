"""The Content-Security-Policy at work on every page (tests/web/pages.py), in Chromium over
HTTPS: nothing is fetched from anywhere but the hub, an inline script, event handler and
style slipped into the page as served (its own headers kept) don't run, and the page's
JavaScript stays within 150 KB gzipped.

Each page's HTML is intercepted and an inline ``<script>``, an ``onload`` handler and a
``<style>`` are added before it reaches the browser, under the hub's own headers; only
the policy stops them. ``test_the_injection_runs_without_a_policy`` shows they would run.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request, Response, Route

from tests.web.hub import HttpsHub
from tests.web.pages import PAGE_IDS, PAGES, Visitor, visiting
from tests.web.world import WebWorld

JS_BUDGET_BYTES = 150 * 1024
INJECTED = (
    b"<script>window.__inlineScript = 1</script>"
    b'<svg width="1" height="1" onload="window.__inlineHandler = 1"></svg>'
    b"<style>:root { --inline-style: 1 }</style>"
)
RAN = """() => ({
  script: window.__inlineScript === 1,
  handler: window.__inlineHandler === 1,
  style: getComputedStyle(document.documentElement).getPropertyValue("--inline-style") !== "",
})"""


def inject(route: Route, *, keep_policy: bool = True) -> None:
    """Serve the hub's own answer with the inline code added just after <head>."""
    if route.request.resource_type != "document":
        route.continue_()
        return
    answer = route.fetch()
    headers = dict(answer.headers)
    if not keep_policy:
        headers.pop("content-security-policy", None)
    body = answer.body().replace(b"<head>", b"<head>" + INJECTED, 1)
    assert INJECTED in body, "the page has no <head> to inject into"
    route.fulfill(response=answer, headers=headers, body=body)


@pytest.fixture(scope="module")
def visitor(browser: Browser, https_hub: HttpsHub, web_world: WebWorld) -> Iterator[Visitor]:
    with visiting(browser, https_hub, web_world) as visitor:
        yield visitor


@pytest.mark.parametrize(("role", "path"), PAGES, ids=PAGE_IDS)
def test_page_loads_only_the_hub_s_code_and_no_inline_code_runs(
    visitor: Visitor, https_hub: HttpsHub, role: str, path: str
) -> None:
    page = visitor.page(role)
    requests: list[Request] = []
    scripts: list[Response] = []

    def asked(request: Request) -> None:
        requests.append(request)

    def seen(response: Response) -> None:
        if response.request.resource_type == "script":
            scripts.append(response)

    page.on("request", asked)
    page.on("response", seen)
    page.route("**/*", inject)
    try:
        _, document = visitor.visit(role, path)
        ran = page.evaluate(RAN)
        for response in scripts:
            response.finished()
        sizes = {response.url: len(gzip.compress(response.body(), 9)) for response in scripts}
    finally:
        page.unroute("**/*", inject)
        page.remove_listener("request", asked)
        page.remove_listener("response", seen)

    policy = document.headers["content-security-policy"]
    directives = dict((d.strip() + " ").split(" ", 1) for d in policy.split(";") if d.strip())
    script_src = directives.get("script-src", directives["default-src"])
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, policy
    assert ran == {"script": False, "handler": False, "style": False}, ran

    hub = urlsplit(https_hub.url)
    foreign = [
        f"{request.resource_type} {request.url}"
        for request in requests
        if urlsplit(request.url).scheme not in ("data", "blob")
        and urlsplit(request.url)[:2] != hub[:2]
    ]
    assert foreign == [], f"{path} fetched from elsewhere than the hub"
    assert {r.resource_type for r in requests} <= {
        "document",
        "script",
        "stylesheet",
        "image",
        "fetch",
        "xhr",
        "font",
        "media",
        "other",
    }
    total = sum(sizes.values())
    listing = "\n".join(f"  {size:>7} {url}" for url, size in sorted(sizes.items()))
    assert total <= JS_BUDGET_BYTES, f"{path}: {total} bytes of gzipped JS\n{listing}"
    if script_src.strip() != "'none'":  # the transparency page runs no script at all
        assert sizes, f"{path} loaded no script at all (app.js is on every page)"


def test_the_injection_runs_without_a_policy(page: Page) -> None:
    """The control: the same injection, with the page's policy taken off, does run; so the
    test above fails if the policy ever allowed inline code."""
    page.route("**/*", lambda route: inject(route, keep_policy=False))
    page.goto("/sign-in")
    assert page.evaluate(RAN) == {"script": True, "handler": True, "style": True}
