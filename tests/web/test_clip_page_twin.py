"""The clip page's blurred copy over HTTPS in Chromium: a clip with a blurred twin shows
the twin's snapshot and plays the twin, each opened with the twin's own key after the one
unlock; every byte the page fetched is ciphertext; a twin part that fails verification
is refused; a clip without a twin has no blurred copy; the inbox links to it."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, Route

from doorstep.edge.synthetic import random_walkers, scene, write_h264
from tests.browser.test_player import edge_clip, leaks, plaintext_runs
from tests.owner.residents import (
    PASSPHRASE,
    Home,
    current_home_key,
    make_home,
    pair_device,
    seal_clip,
    upload_clip,
)
from tests.web.hub import Account, HttpsHub
from tests.web.world import WebWorld, sign_in

FPS, SECONDS = 15, 4
# The twin is another size and colour than the original, so that what the page shows
# says which of the two it opened.
ORIGINAL_SIZE, TWIN_SIZE = (320, 180), (256, 144)
ORIGINAL_COLOUR, TWIN_COLOUR = (90, 120, 60), (40, 60, 200)
DETAILS = {"label": "person", "score": 0.91, "zones": ["porch"]}


@dataclass(frozen=True)
class Twinned:
    account: Account
    home: Home
    clip_id: uuid.UUID  # with a blurred twin
    plain_id: uuid.UUID  # without one
    contents: dict[str, bytes]  # the twinned clip's parts in clear


def video(folder: Path, name: str, size: tuple[int, int], seed: int) -> bytes:
    """A fragmented MP4 cut as the edge cuts it, of a synthetic scene."""
    width, height = size
    frames = scene(
        width=width,
        height=height,
        fps=FPS,
        duration_s=SECONDS,
        walkers=random_walkers(1, SECONDS, seed=seed),
    )
    write_h264(folder / f"{name}-camera.mp4", frames, fps=FPS)
    return edge_clip(folder / f"{name}-camera.mp4", folder / f"{name}.mp4", SECONDS)


def jpeg(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def twinned(https_hub: HttpsHub, tmp_path_factory: pytest.TempPathFactory) -> Twinned:
    """A home of its own whose paired edge uploaded an event with a blurred twin and one
    without."""
    folder = tmp_path_factory.mktemp("clip-page-twin")
    contents = {
        "clip": video(folder, "clip", ORIGINAL_SIZE, seed=9),
        "snapshot": jpeg(ORIGINAL_SIZE, ORIGINAL_COLOUR),
        "details": json.dumps(DETAILS).encode().ljust(2048),
        "twin_clip": video(folder, "twin", TWIN_SIZE, seed=4),
        "twin_snapshot": jpeg(TWIN_SIZE, TWIN_COLOUR),
    }
    ended = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    with https_hub.trusted():
        home = make_home(https_hub.url, f"clip-twin-{uuid.uuid4().hex[:8]}@doorstep.example")
        device = pair_device(home)
        key = current_home_key(home)
        sealed = seal_clip(home, device.key, key, contents=contents, ended_at=ended, seconds=4)
        clip_id = upload_clip(folder, home, device, sealed)
        plain = seal_clip(home, device.key, key, ended_at=ended - timedelta(minutes=5))
        plain_id = upload_clip(folder, home, device, plain)
    owner = home.owner
    account = Account(owner.email, owner.password, "resident", owner.user_id)
    return Twinned(account, home, clip_id, plain_id, contents)


@dataclass
class Network:
    """What the page fetched under /v1 (kept as the hub sent it) and every body it sent."""

    answers: list[tuple[str, int, bytes]]
    sent: list[bytes]

    def urls(self, part: str = "") -> list[str]:
        return [url for url, _, _ in self.answers if part in url]


@pytest.fixture
def twin_page(page: Page, twinned: Twinned) -> Iterator[tuple[Page, Network]]:
    sign_in(page, twinned.account)
    network = Network([], [])

    def record(route: Route) -> None:
        # Through a route: a streamed part's Response.body() can be gone when read later.
        answer = route.fetch()
        body = answer.body()
        network.answers.append((route.request.url, answer.status, body))
        route.fulfill(response=answer, body=body)

    page.route("**/v1/**", record)
    page.on("request", lambda request: network.sent.append(request.post_data_buffer or b""))
    yield page, network


def unlock(page: Page) -> None:
    dialog = page.get_by_role("dialog", name="Unlock your key")
    dialog.get_by_label("Passphrase").fill(PASSPHRASE)
    dialog.get_by_role("button", name="Unlock").click()


CENTRE_COLOUR = """(id) => {
  const img = document.getElementById(id);
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [img.naturalWidth, img.naturalHeight];
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  const pixel = context.getImageData(img.naturalWidth / 2, img.naturalHeight / 2, 1, 1).data;
  return {width: img.naturalWidth, rgb: [pixel[0], pixel[1], pixel[2]]};
}"""
VIDEO_STATE = """(id) => { const v = document.getElementById(id);
  return {ready: v.readyState, width: v.videoWidth, src: v.getAttribute('src')}; }"""


def near(rgb: list[int], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 8 for a, b in zip(rgb, colour, strict=True))


def test_the_blurred_copy_shows_and_plays_and_only_ciphertext_travels(
    twin_page: tuple[Page, Network], twinned: Twinned
) -> None:
    page, network = twin_page
    page.goto(f"/clips/{twinned.clip_id}")
    section = page.locator("#blurred-copy")
    assert section.get_by_role("heading", level=2).inner_text() == "Blurred copy"
    assert "It is what an agency gets when you share only the blurred copy" in (
        section.inner_text()
    )
    unlock(page)

    page.wait_for_function("() => document.getElementById('twin-snapshot').naturalWidth > 0")
    page.wait_for_function("() => document.getElementById('clip-snapshot').naturalWidth > 0")
    assert page.is_visible("#twin-snapshot")
    assert page.text_content("#twin-snapshot-status") == (
        "Verified: signed by the camera and unaltered."
    )
    twin_image = page.evaluate(CENTRE_COLOUR, "twin-snapshot")
    assert twin_image["width"] == TWIN_SIZE[0] and near(twin_image["rgb"], TWIN_COLOUR)
    original_image = page.evaluate(CENTRE_COLOUR, "clip-snapshot")
    assert near(original_image["rgb"], ORIGINAL_COLOUR)

    page.get_by_role("button", name="Play the blurred copy").click()
    page.wait_for_function(
        "() => document.getElementById('twin-progress').textContent"
        ".startsWith('The whole blurred copy is verified')",
        timeout=60_000,  # the whole suite runs beside this on two cores
    )
    page.wait_for_function("() => document.getElementById('twin-video').readyState >= 2")
    twin_video = page.evaluate(VIDEO_STATE, "twin-video")
    assert twin_video["width"] == TWIN_SIZE[0] and twin_video["src"].startswith("blob:")
    assert page.is_hidden("#twin-error")
    assert page.evaluate("document.getElementById('twin-meter').value") == 100
    # The original was not played: its video is untouched.
    assert page.evaluate(VIDEO_STATE, "clip-video")["src"] is None

    # One unlock for the page, each key fetched once: the twin's with ?scope=twin.
    assert page.get_by_role("dialog").count() == 0
    keys = network.urls(f"/v1/clips/{twinned.clip_id}/keys")
    assert sorted(url.rsplit("/", 1)[1] for url in keys) == ["keys", "keys?scope=twin"]
    parts = {url.rsplit("/", 1)[1] for url in network.urls("/parts/")}
    assert parts == {"snapshot", "details", "twin_snapshot", "twin_clip"}

    page.wait_for_timeout(200)
    runs = set().union(*(plaintext_runs(data) for data in twinned.contents.values()))
    found = {}
    for url, status, body in network.answers:
        body = body if status == 200 else b""
        where = leaks(body, runs) + (["details"] if b'"label"' in body else [])
        if where:
            found[url] = where
    assert found == {}
    assert [body for body in network.sent if leaks(body, runs) or b'"label"' in body] == []


def test_a_clip_without_a_twin_has_no_blurred_copy(
    twin_page: tuple[Page, Network], twinned: Twinned
) -> None:
    page, network = twin_page
    page.goto(f"/clips/{twinned.plain_id}")
    unlock(page)
    page.wait_for_function("() => document.getElementById('details-status').textContent !== ''")
    assert page.locator("#blurred-copy").count() == 0
    assert page.get_by_role("heading", name="Blurred copy").count() == 0
    assert page.get_by_role("button", name="Play the blurred copy").count() == 0
    assert network.urls("scope=twin") == []
    assert network.urls("/parts/twin") == []


def swapped_for_the_original(route: Route) -> bytes:
    """The original's sealed clip where the twin's is asked for."""
    return route.fetch(url=route.request.url.replace("/twin_clip", "/clip")).body()


def flipped_at_the_end(route: Route) -> bytes:
    body = bytearray(route.fetch().body())
    body[-20] ^= 1
    return bytes(body)


@pytest.mark.parametrize(
    ("served", "reason"),
    [
        (swapped_for_the_original, "the part is a clip, not a twin_clip"),
        (flipped_at_the_end, "does not authenticate"),
    ],
    ids=["original-clip-bytes", "flipped-byte"],
)
def test_a_twin_clip_that_fails_verification_is_refused(
    page: Page, twinned: Twinned, served: Callable[[Route], bytes], reason: str
) -> None:
    sign_in(page, twinned.account)
    page.route("**/parts/twin_clip", lambda route: route.fulfill(status=200, body=served(route)))
    page.goto(f"/clips/{twinned.clip_id}")
    unlock(page)
    page.wait_for_function("() => document.getElementById('twin-snapshot').naturalWidth > 0")
    page.get_by_role("button", name="Play the blurred copy").click()
    alert = page.locator("#twin-error")
    alert.wait_for(state="visible", timeout=60_000)
    assert alert.inner_text().startswith(
        "The blurred copy is not shown because it failed verification: "
    )
    assert reason in alert.inner_text()
    assert page.text_content("#twin-progress") == "Playback stopped."
    emptied = page.evaluate(VIDEO_STATE, "twin-video")
    assert emptied["src"] is None and emptied["ready"] == 0
    assert page.get_by_role("button", name="Play the blurred copy").is_enabled()


def test_a_twin_snapshot_that_fails_verification_is_not_shown(page: Page, twinned: Twinned) -> None:
    sign_in(page, twinned.account)
    page.route(
        "**/parts/twin_snapshot",
        lambda route: route.fulfill(
            status=200, body=route.fetch(url=route.request.url.replace("twin_", "")).body()
        ),
    )
    page.goto(f"/clips/{twinned.clip_id}")
    unlock(page)
    status = page.locator("#twin-snapshot-status")
    page.wait_for_function(
        "() => document.getElementById('twin-snapshot-status').textContent.includes('not shown')"
    )
    assert status.inner_text() == (
        "The blurred copy's snapshot is not shown because it failed verification: "
        "the part is a snapshot, not a twin_snapshot"
    )
    assert page.is_hidden("#twin-snapshot")
    assert page.evaluate("document.getElementById('twin-snapshot').getAttribute('src')") is None


def test_the_inbox_links_to_the_blurred_copy(page: Page, web_world: WebWorld) -> None:
    sign_in(page, web_world.resident)
    page.goto(f"/inbox/{web_world.entry_id}")
    link = page.get_by_role("link", name="Watch the blurred copy of ")
    assert link.get_attribute("href") == f"/clips/{web_world.clip_id}#blurred-copy"
    box = link.bounding_box()
    assert box is not None and box["height"] >= 24
    link.click()
    page.wait_for_url(f"**/clips/{web_world.clip_id}#blurred-copy")
    assert page.get_by_role("heading", name="Blurred copy").is_visible()
