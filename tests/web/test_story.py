"""The whole story in Chromium over HTTPS, driven through the pages as people do it, at a
desktop and at a phone viewport.

A resident signs up, makes their keys, pairs a real edge (`doorstep edge pair` with the
code the page shows, then `doorstep edge run` on a generated camera video with a person
walking through it), sees the event and plays the clip their browser decrypts. An agency
member files a request over the camera (a too-large area and a fourth request under one
investigation code are refused on the page, naming the limit); the resident previews and
shares the clip and saves the receipt; the agency downloads the evidence package, which
`doorstep evidence verify` passes; the public log and the transparency report show the
request and the share. The resident makes the home on /homes/new and adds its camera on
the home's settings page. Only account set-up goes around the pages: the agency and its
member are made as an administrator makes them, and the agency's key with its client (no
page makes either).

Nothing waits for a clock: the composer takes times to the second, so the request over
the clip is filed as soon as the clip is seen, and the event is waited for on the hub's
answer, not on a timer.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, Request, Route, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from typer.testing import CliRunner

from doorstep.agency.keys import publish_agency_key
from doorstep.cli import app
from doorstep.edge.synthetic import Walker, scene, write_h264
from doorstep.owner.api import HubApi
from doorstep.owner.keys import open_clip_part, recover_user_key
from tests.browser.test_player import leaks, plaintext_runs
from tests.hub.shares.officers import _token
from tests.web.hub import Account, HttpsHub
from tests.web.world import sign_in

WIDTH, HEIGHT, FPS = 640, 360, 15
AREA_LIMIT = "the largest area of a request is 0.5 km²"
CODE_LIMIT = "the budget of requests per investigation code is 3 requests"
VIEWPORTS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True},
}
# Where each story's camera stands (inside the test agencies' jurisdiction, apart from
# each other and from the other web tests' cameras at 45.5, -122.6).
SPOTS = {"desktop": (45.44, -122.71), "phone": (45.61, -122.49)}


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    """Crypto in the browser (Argon2id, key lists) takes seconds on a loaded machine."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture(scope="module")
def camera_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the edge's camera sees: a generated scene a person walks through at 2–6 s."""
    video = tmp_path_factory.mktemp("story-camera") / "porch.mp4"
    frames = scene(width=WIDTH, height=HEIGHT, fps=FPS, duration_s=9, walkers=[Walker(2.0, 6.0)])
    write_h264(video, frames, fps=FPS)
    return video


@dataclass
class Person:
    """One person's browser: a context of its own at the story's viewport."""

    page: Page
    touch: bool
    problems: list[str] = field(default_factory=list)

    def press(self, target: Locator) -> None:
        """Tap on a phone, click on a desktop."""
        if self.touch:
            target.tap()
        else:
            target.click()

    def unlock(self, passphrase: str) -> None:
        dialog = self.page.get_by_role("dialog", name="Unlock your key")
        dialog.get_by_label("Passphrase").fill(passphrase)
        self.press(dialog.get_by_role("button", name="Unlock"))


@contextmanager
def person(browser: Browser, hub: HttpsHub, device: str) -> Iterator[Person]:
    context = browser.new_context(base_url=hub.url, accept_downloads=True, **VIEWPORTS[device])
    page = context.new_page()
    page.set_default_timeout(20_000)
    who = Person(page, touch=device == "phone")
    page.on("pageerror", lambda error: who.problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            who.problems.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    try:
        yield who
    finally:
        context.close()
    assert who.problems == [], who.problems


def doorstep(hub: HttpsHub, home: Path, *arguments: str) -> str:
    """Run the CLI as its user would (in this process: it starts in no time), trusting
    the hub's test CA; return its output."""
    env = {"SSL_CERT_FILE": str(hub.ca), "DOORSTEP_CONFIG_DIR": str(home / "config")}
    result = CliRunner().invoke(app, list(arguments), env=env)
    assert result.exit_code == 0, f"doorstep {' '.join(arguments)}:\n{result.output}"
    return result.output


def to_the_second(moment: datetime) -> str:
    """A datetime-local value to the second (the composer's times are UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def transparency_count(page: Page, metric: str, name: str | None = None) -> int:
    page.goto("/transparency")
    selector = f'td[data-period="total"][data-metric="{metric}"]'
    if name is not None:
        selector += f'[data-name="{name}"]'
    cell = page.locator(selector)
    return int(cell.inner_text()) if cell.count() else 0


# ---------------------------------------------------------------- the resident, first part


def sign_up_and_make_keys(resident: Person, email: str, password: str) -> str:
    """Sign up on /sign-up, make keys on /keys/setup; return the passphrase."""
    page = resident.page
    page.goto("/sign-up")
    page.get_by_label("Your name").fill("Rosa Quint")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    resident.press(page.get_by_role("button", name="Create account"))
    page.wait_for_url(re.compile(r"/keys/setup$"))
    expect(page.get_by_role("heading", name="What your keys are")).to_be_visible()
    resident.press(page.get_by_role("button", name="Suggest a passphrase"))
    expect(page.locator("#suggestion")).to_contain_text("Suggested: ")
    shown = page.locator("#suggestion").inner_text()
    passphrase = shown.removeprefix("Suggested: ").removesuffix(" (write it down now)")
    assert len(passphrase.split()) == 6, shown
    page.get_by_label("Your sign-in password").fill(password)
    page.get_by_label("I wrote my passphrase down").check()
    resident.press(page.get_by_role("button", name="Make my keys"))
    expect(page.get_by_role("heading", name="Your keys are ready")).to_be_visible(timeout=60_000)
    return passphrase


def make_home_and_camera(resident: Person, spot: tuple[float, float]) -> None:
    """From /home's prompt, make the home on /homes/new, then add its camera on the home's
    settings page."""
    page = resident.page
    page.goto("/home")
    resident.press(page.get_by_role("link", name="Make a home"))
    page.wait_for_url(re.compile(r"/homes/new$"))
    page.get_by_label("Name (1 to 100 characters)").fill("Larch Lane")
    expect(page.get_by_label("Keep clips for (days, 1 to 365)")).to_have_value("30")
    resident.press(page.get_by_role("button", name="Make the home"))
    page.wait_for_url(re.compile(r"/home$"))
    resident.press(page.get_by_role("link", name="Settings for Larch Lane"))
    page.wait_for_url(re.compile(r"/homes/[0-9a-f-]{36}/settings(#.*)?$"))
    page.get_by_label("Name (1 to 100 characters)").fill("Porch")
    page.get_by_label("Latitude (degrees, -90 to 90)").fill(str(spot[0]))
    page.get_by_label("Longitude (degrees, -180 to 180)").fill(str(spot[1]))
    resident.press(page.get_by_role("button", name="Add the camera"))
    expect(page.locator("#cameras li")).to_have_text(
        re.compile(rf"^Porch \({spot[0]:.5f}, {spot[1]:.5f}\)")
    )


def pair_a_real_edge(
    resident: Person, hub: HttpsHub, folder: Path, passphrase: str, video: Path
) -> subprocess.Popen[str]:
    """From /home's prompt to /pair; the edge pairs with the code the page shows, and
    records the camera once the page has signed it into the home's key list."""
    page = resident.page
    page.goto("/home")
    resident.press(page.get_by_role("link", name="Pair an edge"))
    page.wait_for_url(re.compile(r"/pair$"))
    resident.press(page.get_by_role("button", name="Make a pairing code"))
    resident.unlock(passphrase)
    code = page.locator("#code")
    expect(code).to_have_text(re.compile(r"^[0-9A-Z]{5}-[0-9A-Z]{5}(-[0-9A-Z]{4}){3}$"))
    config = folder / "edge.toml"
    paired = doorstep(
        hub,
        folder,
        "edge",
        "pair",
        code.inner_text(),
        "--hub",
        hub.url,
        "--data",
        str(folder / "edge-data"),
        "--name",
        "Porch box",
        "--write-config",
        str(config),
    )
    paired = " ".join(paired.split())
    fingerprint = re.search(r"Device key fingerprint: ((?:[0-9a-f]{4} ?){8})", paired)
    assert fingerprint, paired
    status = page.locator("#pair-status")
    expect(status).to_contain_text("Paired: Porch box", timeout=30_000)
    # The page and the edge show the same device key, for the person to compare.
    expect(status).to_contain_text(fingerprint.group(1).strip())
    # Set the camera's source, as the written file asks, and start recording.
    text = config.read_text()
    placeholder = 'source = { type = "rtsp", url = "rtsp://camera.local/stream" }'
    assert placeholder in text, text
    source = f'source = {{ type = "file", path = "{video}", realtime = false }}'
    config.write_text(text.replace(placeholder, source) + "\n[live]\nenabled = false\n")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "SSL_CERT_FILE": str(hub.ca),
    }
    with (folder / "edge.log").open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "doorstep", "edge", "run", "--config", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=folder,
        )


# True once the hub lists a clip of one of the resident's cameras. Playwright polls a
# predicate without awaiting it, so each poll starts a count (unless one is under way) and
# answers with the last count.
CLIP_UPLOADED = """() => {
  const watch = (globalThis.clipWatch ??= { clips: 0, counting: null });
  watch.counting ??= (async () => {
    let clips = 0;
    for (const camera of (await (await fetch('/v1/cameras')).json()).data) {
      clips += (await (await fetch(`/v1/cameras/${camera.id}/clips`)).json()).count;
    }
    watch.clips = clips;
  })().catch(() => {}).finally(() => { watch.counting = null; });
  return watch.clips > 0;
}"""


def see_the_event(resident: Person, edge: subprocess.Popen[str], log: Path) -> tuple[str, str]:
    """/home lists the edge's event once it is uploaded; return (clip id, started at)."""
    page = resident.page
    try:
        page.wait_for_function(CLIP_UPLOADED, polling=200, timeout=60_000)
    except PlaywrightTimeout as exc:
        edge_state = f"edge exit code {edge.poll()}"
        raise AssertionError(f"no clip uploaded ({edge_state}):\n{log.read_text()}") from exc
    page.goto("/home")
    events = page.locator(".event-list a[href^='/clips/']")
    expect(events).to_have_count(1)
    expect(page.locator(".home-facts strong")).to_have_text("1")
    href = events.first.get_attribute("href") or ""
    started = events.first.locator("time").get_attribute("datetime") or ""
    return href.removeprefix("/clips/"), started


def play_the_clip(resident: Person, clip_id: str, passphrase: str) -> list[tuple[str, bytes]]:
    """Open the event: details and video decrypted here; return what went over the
    network meanwhile: each API answer's body by its address, and each request's body."""
    page = resident.page
    answers: list[tuple[str, bytes]] = []
    sent: list[bytes] = []

    # The API's answers are kept as the hub sends them (Chromium may drop the body of a
    # streamed response from its buffers before a test reads it); and every request body.
    def record(route: Route) -> None:
        answer = route.fetch()
        body = answer.body()
        if answer.ok:
            answers.append((route.request.url, body))
        route.fulfill(response=answer, body=body)

    def keep_sent(request: Request) -> None:
        sent.append(request.post_data_buffer or b"")

    page.route("**/v1/**", record)
    page.on("request", keep_sent)
    resident.press(page.locator(f".event-list a[href='/clips/{clip_id}']"))
    page.wait_for_url(re.compile(f"/clips/{clip_id}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Porch: event at")
    resident.unlock(passphrase)
    expect(page.locator("#detail-label")).to_have_text("person")
    resident.press(page.get_by_role("button", name="Decrypt and play"))
    expect(page.locator("#clip-progress")).to_contain_text("The whole clip", timeout=30_000)
    # The first frame is decoded once the video has data for its current frame (the
    # decoder may finish it a moment after the last chunk was decrypted).
    page.wait_for_function(
        "() => document.getElementById('clip-video').readyState >= 2", timeout=10_000
    )
    video = page.evaluate(
        "() => { const v = document.getElementById('clip-video');"
        " return {ready: v.readyState, width: v.videoWidth, src: v.getAttribute('src')}; }"
    )
    assert video["ready"] >= 2 and video["width"] == WIDTH, video
    assert video["src"].startswith("blob:")
    expect(page.locator("#clip-error")).to_be_hidden()
    page.unroute("**/v1/**", record)
    page.remove_listener("request", keep_sent)
    return answers + [(f"sent #{n}", body) for n, body in enumerate(sent) if body]


# ---------------------------------------------------------------- the agency


@dataclass(frozen=True)
class Agency:
    account: Account
    name: str
    key_file: Path


def an_agency(hub: HttpsHub, folder: Path) -> Agency:
    """A verified agency's member (made as an admin makes them) with the agency's key."""
    account = hub.agency_member()
    with hub.trusted():
        with HubApi(hub.url, _token(hub.url, account.email, account.password)) as api:
            publish_agency_key(api, folder / "agency.key")
            me = api.call("GET", "/v1/agency")
    return Agency(account, me["name"], folder / "agency.key")


def compose(
    officer: Person,
    code: str,
    centre: tuple[float, float],
    radius_m: int,
    start: datetime,
    end: datetime,
) -> None:
    page = officer.page
    page.goto("/agency/requests/new")
    expect(page.locator("#area-map input[name=location]")).to_be_attached()
    page.get_by_label("Window start").fill(to_the_second(start))
    page.get_by_label("Window end").fill(to_the_second(end))
    page.get_by_label("Investigation code").fill(code)
    page.get_by_label("Incident category").select_option("burglary")
    page.get_by_label("Details").fill("A parcel taken from a porch; looking for who took it.")
    page.get_by_label("I attest").check()
    for label, value in (
        ("Centre latitude", str(centre[0])),
        ("Centre longitude", str(centre[1])),
        ("Radius (metres)", str(radius_m)),
    ):
        page.get_by_label(label).fill(value)
        page.get_by_label(label).press("Tab")


def file_it(officer: Person) -> str:
    page = officer.page
    expect(page.locator("#check-summary")).to_contain_text("Within every limit: ready to file.")
    officer.press(page.get_by_role("button", name="File the request"))
    page.wait_for_url(re.compile(r"/agency/requests/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[1]


def elsewhere(spot: tuple[float, float]) -> tuple[float, float]:
    """A place 2 km north of the camera, in the same jurisdiction."""
    return (round(spot[0] + 0.02, 5), spot[1])


def an_hour_ago() -> tuple[datetime, datetime]:
    now = datetime.now(UTC)
    return now - timedelta(hours=2), now - timedelta(hours=1)


def first_requests(officer: Person, spot: tuple[float, float], code: str) -> None:
    """Over the camera, too large an area is refused; two requests elsewhere are filed."""
    page = officer.page
    compose(officer, code, spot, 450, *an_hour_ago())
    expect(page.locator("#error-location")).to_contain_text(AREA_LIMIT)
    expect(page.locator("#check-summary")).to_contain_text("This request would be refused.")
    officer.press(page.get_by_role("button", name="File the request"))
    expect(page.locator("#error-location")).to_contain_text(AREA_LIMIT)
    assert page.url.endswith("/agency/requests/new")
    for _ in range(2):
        compose(officer, code, elsewhere(spot), 100, *an_hour_ago())
        file_it(officer)


def request_over_the_camera(
    officer: Person,
    spot: tuple[float, float],
    code: str,
    clip_started: datetime,
    lap: Callable[[str], None],
) -> str:
    """The code's third request, over the camera's clip; a fourth is refused. Returns
    the third's id."""
    page = officer.page
    # The window holds the clip: it ends the second after the clip began, which is past
    # already (a window can't end in the future): the clip was uploaded and played since.
    end = clip_started.replace(microsecond=0) + timedelta(seconds=1)
    assert end < datetime.now(UTC), f"the clip's start {clip_started} is not past yet"
    compose(officer, code, spot, 150, end - timedelta(minutes=30), end)
    expect(page.locator("#code-budget")).to_contain_text("1 of 3 requests")
    request_id = file_it(officer)
    compose(officer, code, elsewhere(spot), 100, *an_hour_ago())
    expect(page.locator("#error-investigation_code")).to_contain_text(CODE_LIMIT)
    officer.press(page.get_by_role("button", name="File the request"))
    expect(page.locator("#error-investigation_code")).to_contain_text(CODE_LIMIT)
    assert page.url.endswith("/agency/requests/new")
    lap("agency")
    return request_id


# ---------------------------------------------------------------- the resident answers


def share_from_the_inbox(resident: Person, agency: str, clip_id: str, passphrase: str) -> None:
    page = resident.page
    page.goto("/inbox")
    resident.press(page.get_by_role("link", name=re.compile(re.escape(agency))))
    expect(page.get_by_role("heading", name=f"Request from {agency}")).to_be_visible()
    resident.press(page.get_by_role("button", name="Show previews (decrypted in this browser)"))
    resident.unlock(passphrase)
    status = page.locator("#inbox-status")
    expect(status).to_have_text("1 of 1 previews decrypted and verified in your browser.")
    preview = page.locator(f'img[data-clip-id="{clip_id}"]')
    expect(preview).to_be_visible()
    assert (preview.get_attribute("src") or "").startswith("blob:")
    page.locator(f"#clip-{clip_id}").check()
    resident.press(page.get_by_role("button", name=f"Share chosen clips with {agency}"))
    expect(status).to_contain_text(f"Shared 1 clip(s) with {agency} until", timeout=30_000)
    expect(page.locator("#entry-answer")).to_have_text("You shared clips")


def download(person: Person, link: Locator, path: Path) -> Path:
    with person.page.expect_download() as downloading:
        person.press(link)
    downloading.value.save_as(path)
    return path


# ---------------------------------------------------------------- the story


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_the_whole_story_through_the_pages(
    device: str,
    browser: Browser,
    https_hub: HttpsHub,
    camera_video: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    laps: dict[str, float] = {}
    last = began = time.monotonic()

    def lap(name: str) -> None:
        nonlocal last
        now = time.monotonic()
        laps[name] = laps.get(name, 0.0) + now - last
        last = now

    spot = SPOTS[device]
    email = f"rosa-{uuid.uuid4().hex[:8]}@web.doorstep.example"
    password = "rosa's sign-in password 1234"
    hub_key = httpx.get(f"{https_hub.url}/v1/audit/key", verify=https_hub.ssl_context()).json()
    (tmp_path / "hub.vkey").write_text(hub_key["vkey"])
    agency = an_agency(https_hub, tmp_path)
    lap("set-up")
    with (
        person(browser, https_hub, device) as resident,
        person(browser, https_hub, device) as officer,
        person(browser, https_hub, device) as public,
    ):
        passphrase = sign_up_and_make_keys(resident, email, password)
        lap("sign-up+keys")
        make_home_and_camera(resident, spot)
        lap("home")
        edge = pair_a_real_edge(resident, https_hub, tmp_path, passphrase, camera_video)
        lap("pair")
        code = f"CASE-{uuid.uuid4().hex[:6].upper()}"
        try:
            # The agency works while the edge records: two people, two browsers.
            sign_in(officer.page, agency.account)
            first_requests(officer, spot, code)
            lap("agency")
            clip_id, started = see_the_event(resident, edge, tmp_path / "edge.log")
        finally:
            edge.terminate()
            edge.wait(timeout=30)
        lap("edge event")
        fetched = play_the_clip(resident, clip_id, passphrase)
        lap("playback")

        shared_before = transparency_count(public.page, "clips_shared")
        clip_started = datetime.fromisoformat(started)
        request_id = request_over_the_camera(officer, spot, code, clip_started, lap)

        share_from_the_inbox(resident, agency.name, clip_id, passphrase)
        lap("share")
        resident.page.goto("/receipts")
        receipt = download(
            resident,
            resident.page.get_by_role("link", name=re.compile("Download the signed receipt")),
            tmp_path / "receipt.json",
        )
        assert json.loads(receipt.read_text())
        doorstep(
            https_hub,
            tmp_path,
            "evidence",
            "verify-receipt",
            str(receipt),
            "--hub-key",
            str(tmp_path / "hub.vkey"),
        )

        officer.page.goto("/agency/shares")
        package = download(
            officer,
            officer.page.get_by_role("link", name=re.compile("Download package")),
            tmp_path / "evidence.zip",
        )
        with zipfile.ZipFile(io.BytesIO(package.read_bytes())) as opened:
            assert opened.namelist()
        verified = doorstep(
            https_hub,
            tmp_path,
            "evidence",
            "verify",
            str(package),
            "--key",
            str(agency.key_file),
            "--hub-key",
            str(tmp_path / "hub.vkey"),
            "--out",
            str(tmp_path / "opened"),
            "--json",
        )
        report = json.loads(verified)
        assert report["verified"] and report["hub_key_pinned"], report
        assert [clip["clip_id"] for clip in report["clips"]] == [clip_id]
        # With the agency's key every part opened: the clip is the video the edge recorded.
        assert report["decrypted"], report
        lap("receipt+package+verify")

        public.page.goto("/requests")
        row = public.page.locator(f"#request-{request_id}")
        expect(row).to_contain_text(agency.name)
        expect(row.locator("td").last).to_have_text("1")
        assert transparency_count(public.page, "requests_by_agency", agency.name) == 3
        assert transparency_count(public.page, "clips_shared") == shared_before + 1
    lap("public pages")
    ended = time.monotonic()

    # The browser decrypted: nothing the clip page fetched or sent holds the clip's
    # plaintext (tests/browser/test_player.py's check) or its details.
    with https_hub.trusted():
        with HubApi(https_hub.url, _token(https_hub.url, email, password)) as api:
            key = recover_user_key(api, passphrase)
            plain = open_clip_part(api, uuid.UUID(clip_id), "clip", key).plaintext
    assert plain[4:8] == b"ftyp"
    runs = plaintext_runs(plain)
    parts = {url.rsplit("/", 1)[1] for url, _ in fetched if "/parts/" in url}
    assert {"clip", "details"} <= parts, [url for url, _ in fetched]
    found = {}
    for url, body in fetched:
        where = leaks(body, runs) + (["details"] if b'"label"' in body else [])
        if where:
            found[url] = where
    assert found == {}
    with capsys.disabled():  # the runtime, for the record
        sys.stdout.write(
            f"\nstory at {device}: {ended - began:.1f} s ("
            + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in laps.items())
            + ")\n"
        )
