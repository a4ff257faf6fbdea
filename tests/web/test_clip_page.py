"""The clip page over HTTPS in Chromium: the resident unlocks their key, the page decrypts
the snapshot and details, and plays the clip while it decrypts it; every byte the page
fetched is ciphertext or page code, and a resident of another home gets no page."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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
from tests.web.world import sign_in

WIDTH, HEIGHT, FPS, SECONDS = 320, 180, 15, 4
DETAILS = {"label": "person", "score": 0.91, "zones": ["porch"]}


def own_home(url: str) -> Home:
    """A home as make_home makes it, for an owner of its own: the hub serves the session."""
    return make_home(url, f"clip-page-{uuid.uuid4().hex[:8]}@doorstep.example")


@dataclass(frozen=True)
class Recorded:
    account: Account
    home: Home
    clip_id: uuid.UUID
    clip: bytes
    snapshot: bytes


@pytest.fixture(scope="module")
def recorded(https_hub: HttpsHub, tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """A home of its own with a paired edge that uploaded one real event."""
    folder = tmp_path_factory.mktemp("clip-page")
    frames = scene(
        width=WIDTH,
        height=HEIGHT,
        fps=FPS,
        duration_s=SECONDS,
        walkers=random_walkers(1, 4, seed=9),
    )
    write_h264(folder / "camera.mp4", frames, fps=FPS)
    clip = edge_clip(folder / "camera.mp4", folder / "clip.mp4", SECONDS)
    jpeg = io.BytesIO()
    Image.new("RGB", (WIDTH, HEIGHT), (90, 120, 60)).save(jpeg, format="JPEG")
    details = json.dumps(DETAILS).encode().ljust(2048)
    with https_hub.trusted():
        home = own_home(https_hub.url)
        device = pair_device(home)
        sealed = seal_clip(
            home,
            device.key,
            current_home_key(home),
            contents={"clip": clip, "snapshot": jpeg.getvalue(), "details": details},
            ended_at=datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1),
            seconds=SECONDS,
        )
        clip_id = upload_clip(folder, home, device, sealed)
    owner = home.owner
    account = Account(owner.email, owner.password, "resident", owner.user_id)
    return Recorded(account, home, clip_id, clip, jpeg.getvalue())


@pytest.fixture
def clip_page(page: Page, recorded: Recorded) -> Iterator[Page]:
    sign_in(page, recorded.account)
    yield page


def unlock(page: Page) -> None:
    dialog = page.get_by_role("dialog", name="Unlock your key")
    dialog.get_by_label("Passphrase").fill(PASSPHRASE)
    dialog.get_by_role("button", name="Unlock").click()


def test_the_page_decrypts_and_plays_and_only_ciphertext_travels(
    clip_page: Page, recorded: Recorded
) -> None:
    page = clip_page
    # Answers are kept as the hub sent them through a route: Response.body() of a streamed
    # part can be gone by the time the test reads it ("No data found for resource").
    answers: list[tuple[str, int, bytes]] = []
    sent: list[bytes] = []

    def record(route: Route) -> None:
        answer = route.fetch()
        body = answer.body()
        answers.append((route.request.url, answer.status, body))
        route.fulfill(response=answer, body=body)

    page.route("**/v1/**", record)
    page.on("request", lambda request: sent.append(request.post_data_buffer or b""))
    page.goto(f"/clips/{recorded.clip_id}")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Door: event at")
    unlock(page)

    page.wait_for_function("() => document.getElementById('detail-label').textContent === 'person'")
    assert page.text_content("#detail-score") == "91 %"
    assert page.text_content("#detail-zones") == "porch"
    page.wait_for_function("() => document.getElementById('clip-snapshot').naturalWidth > 0")
    assert page.is_visible("#clip-snapshot")

    page.get_by_role("button", name="Decrypt and play").click()
    page.wait_for_function(
        "() => document.getElementById('clip-progress').textContent.startsWith('The whole clip')",
        timeout=60_000,  # the whole suite runs beside this on two cores
    )
    page.wait_for_function("() => document.getElementById('clip-video').readyState >= 2")
    video = page.evaluate(
        "() => { const v = document.getElementById('clip-video');"
        " return {ready: v.readyState, width: v.videoWidth, src: v.getAttribute('src')}; }"
    )
    assert video["ready"] >= 2 and video["width"] == WIDTH
    assert video["src"].startswith("blob:")
    assert page.is_hidden("#clip-error")
    assert (
        page.get_by_role("link", name="Back to the Door timeline").get_attribute("href")
        == f"/cameras/{recorded.home.camera_id}"
    )

    page.wait_for_timeout(200)
    runs = plaintext_runs(recorded.clip) | plaintext_runs(recorded.snapshot)
    parts = {url.rsplit("/", 1)[1] for url, _, _ in answers if "/parts/" in url}
    assert parts == {"clip", "snapshot", "details"}
    found = {}
    for url, status, body in answers:
        body = body if status == 200 else b""
        where = leaks(body, runs) + (["details"] if b'"label"' in body else [])
        if where:
            found[url] = where
    assert found == {}
    assert [body for body in sent if leaks(body, runs) or b'"label"' in body] == []


def test_a_resident_of_another_home_gets_no_page(
    https_hub: HttpsHub, recorded: Recorded, page: Page
) -> None:
    with https_hub.trusted():
        other = own_home(https_hub.url).owner
    sign_in(page, Account(other.email, other.password, "resident", other.user_id))
    answer = page.goto(f"/clips/{recorded.clip_id}")
    assert answer is not None and answer.status == 404
    assert str(recorded.clip_id) in page.content()
    # The API answers the same: the page shows nothing the keys route would not.
    keys = page.request.get(f"/v1/clips/{recorded.clip_id}/keys")
    assert keys.status == 404
