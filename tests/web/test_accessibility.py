"""Every page of every role (tests/web/pages.py) in Chromium over HTTPS: axe-core with the
WCAG 2.0/2.1/2.2 A and AA rules finds nothing serious or critical, at desktop and at
phone width; at 360 px nothing scrolls sideways; and keyboard focus on the first link
is visible.

axe-core (tests/web/vendor, npm, MPL-2.0) is evaluated through the DevTools protocol, so
the pages keep their real Content-Security-Policy while it runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.web.hub import HttpsHub
from tests.web.pages import PAGE_IDS, PAGES, Visitor, visiting
from tests.web.world import WebWorld

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""
FOCUSED = """() => {
  const focused = document.activeElement;
  if (!focused || focused === document.body) return null;
  const style = getComputedStyle(focused);
  return {tag: focused.tagName, text: (focused.textContent || focused.name || "").trim(),
          style: style.outlineStyle, width: parseFloat(style.outlineWidth),
          modal: document.querySelector("dialog[open]") !== null};
}"""
# The elements reaching past the right edge of the window, to name in a failure.
OVERFLOWING = """() => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 &&
                 e.getBoundingClientRect().width > 0)
  .filter((e) => !e.parentElement || e.parentElement.getBoundingClientRect().right
                 <= window.innerWidth + 1)
  .slice(0, 3)
  .map((e) => {
    const classes = typeof e.className === "string" && e.className ? "." + e.className : "";
    const name = e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + classes;
    return `${name} (${Math.round(e.getBoundingClientRect().width)} px)`;
  })"""


@pytest.fixture(scope="module")
def visitor(browser: Browser, https_hub: HttpsHub, web_world: WebWorld) -> Iterator[Visitor]:
    with visiting(browser, https_hub, web_world) as visitor:
        yield visitor


def axe_violations(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE + "\n;undefined")
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE, TAGS)
    return [v for v in violations if v["impact"] in FAILING_IMPACTS]


def readable(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"    {violation['url']}")
        for node in violation["nodes"][:5]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    - {node['target']}: {summary}")
    return "\n".join(lines)


def focus_problems(page: Page) -> list[str]:
    """Tab from the top: the first element focused, and the first link, show an outline
    (a modal dialog open on load keeps focus inside, where there may be no link)."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    problems: list[str] = []
    first = True
    for _ in range(15):
        page.keyboard.press("Tab")
        focused: dict[str, Any] | None = page.evaluate(FOCUSED)
        if focused is None:
            continue
        if (first or focused["tag"] == "A") and (
            focused["style"] == "none" or not focused["width"] > 0
        ):
            problems.append(f"focus on {focused['tag']} {focused['text']!r} has no outline")
        first = False
        if focused["tag"] == "A" or focused["modal"]:
            return problems
    return [*problems, "Tab never reached a link"]


def width_problems(page: Page) -> list[str]:
    """axe at desktop and phone width, and sideways scrolling at 360 px (left at 360 px)."""
    page.set_viewport_size({"width": 1280, "height": 800})
    problems = []
    desktop = axe_violations(page)
    if desktop:
        problems.append(f"at 1280 px:\n{readable(desktop)}")

    page.set_viewport_size({"width": 360, "height": 740})
    page.wait_for_timeout(100)  # a layout that listens for resize settles
    phone = [v for v in axe_violations(page) if v["id"] not in {d["id"] for d in desktop}]
    if phone:
        problems.append(f"at 360 px:\n{readable(phone)}")
    widths = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    if widths[0] > widths[1]:
        wide = ", ".join(page.evaluate(OVERFLOWING))
        problems.append(f"at 360 px the page scrolls sideways: {widths[0]} px wide ({wide})")
    return problems


@pytest.mark.parametrize(("role", "path"), PAGES, ids=PAGE_IDS)
def test_page_is_accessible(visitor: Visitor, role: str, path: str) -> None:
    page, _ = visitor.visit(role, path)
    problems = width_problems(page) + focus_problems(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    assert not problems, f"{role} {path}\n" + "\n".join(problems)


def test_a_refused_form_is_accessible(visitor: Visitor) -> None:
    """The record-a-demand form sent empty comes back with a message at every field."""
    page, _ = visitor.visit("admin", "/admin/demands")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the demand").click()
    assert page.locator("#error-authority").inner_text().startswith("authority:")
    problems = width_problems(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    assert not problems, "admin /admin/demands refused\n" + "\n".join(problems)
