"""``doorstep screenshots``: each role's main pages, at desktop and phone width, as PNGs.

Without ``--url`` a demo hub is made in a temporary directory (the demo accounts of
``doorstep up``) and served on 127.0.0.1, a secure context. With ``--url`` an existing hub
is used, signing in with the accounts in ``--accounts`` (lines of ``role email password``).
Debian's Chromium is driven by Playwright (a test dependency: ``pip install
'doorstep[test]'``); Playwright never downloads a browser here.
"""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from doorstep.browser import chromium, require_chromium, sign_in
from doorstep.cli.output import console, fail

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SIZES = ((1280, 800), (360, 740))
# Per role: (page name in the file name, path or "timeline" for the first camera's page).
PAGES: dict[str, list[tuple[str, str]]] = {
    "public": [("front", "/"), ("requests", "/requests")],
    "resident": [("home", "/home"), ("timeline", "timeline")],
    "agency": [("home", "/agency")],
    "admin": [("overview", "/admin")],
}
# The demo's role names, as `doorstep up` prints them, to the file names' roles.
ROLES = {"resident": "resident", "agency_member": "agency", "admin": "admin"}


@dataclass(frozen=True)
class Login:
    email: str
    password: str


def screenshots(
    out: Annotated[Path, typer.Option(help="Folder for the PNG files.")] = Path("docs/screenshots"),
    url: Annotated[
        str | None, typer.Option(help="Use this running hub instead of a fresh demo one.")
    ] = None,
    accounts: Annotated[
        Path | None,
        typer.Option(
            help="With --url: a file of lines 'role email password' (role: "
            "resident, agency or admin)."
        ),
    ] = None,
) -> None:
    """Save each role's main pages at 1280×800 and 360×740 as <role>-<page>-<width>.png."""
    require_chromium()
    if url is None and accounts is not None:
        fail("--accounts goes with --url (the demo hub makes its own accounts)")
    out.mkdir(parents=True, exist_ok=True)
    with _hub(url, accounts) as (base_url, logins), chromium() as browser:
        for role, pages in PAGES.items():
            login = logins.get(role)
            if role != "public" and login is None:
                console.print(f"No account for {role}: its pages are left out.")
                continue
            _shoot_role(browser, base_url, role, login, pages, out)
    console.print(f"Screenshots in {out}.")


def _shoot_role(
    browser: Browser,
    base_url: str,
    role: str,
    login: Login | None,
    pages: list[tuple[str, str]],
    out: Path,
) -> None:
    for width, height in SIZES:
        context = browser.new_context(
            base_url=base_url, viewport={"width": width, "height": height}
        )
        try:
            page = context.new_page()
            if login is not None:
                sign_in(page, login.email, login.password)
            for name, path in pages:
                target = _first_camera(page) if path == "timeline" else path
                page.goto(target)
                page.wait_for_load_state("networkidle")
                file = out / f"{role}-{name}-{width}.png"
                page.screenshot(path=str(file))
                console.print(f"Saved {file} ({width}×{height}, {target})", highlight=False)
        finally:
            context.close()


def _first_camera(page: Page) -> str:
    answer = page.request.get("/v1/cameras")
    cameras = answer.json()["data"] if answer.ok else []
    if not cameras:
        fail("the resident has no camera to show the timeline of")
    return f"/cameras/{cameras[0]['id']}"


@contextmanager
def _hub(url: str | None, accounts: Path | None) -> Iterator[tuple[str, dict[str, Login]]]:
    if url is not None:
        yield url.rstrip("/"), _read_accounts(accounts) if accounts else {}
        return
    with tempfile.TemporaryDirectory(prefix="doorstep-screenshots-") as directory:
        yield from _demo_hub(Path(directory))


def _read_accounts(path: Path) -> dict[str, Login]:
    logins: dict[str, Login] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split(maxsplit=2)
        if len(parts) != 3 or parts[0] not in PAGES or parts[0] == "public":
            fail(
                f"--accounts: line {number} is not 'role email password' (resident, agency, admin)"
            )
        logins[parts[0]] = Login(parts[1], parts[2])
    return logins


def _demo_hub(directory: Path) -> Iterator[tuple[str, dict[str, Login]]]:
    """A fresh demo hub (the accounts `doorstep up` makes, no edge) on a free port."""
    from doorstep.demo.start import prepare_demo
    from doorstep.hub.app import create_app
    from doorstep.local_server import serve_in_thread
    from doorstep.settings import Settings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(data_dir=directory / "data")
    console.print("Making a demo hub for the screenshots…")
    made = prepare_demo(settings, hub_url=base_url, live_port=port)
    logins = {ROLES[a.role]: Login(a.email, a.password) for a in made if a.role in ROLES}
    with serve_in_thread(create_app(settings), port=port, name="the demo hub"):
        yield base_url, logins
