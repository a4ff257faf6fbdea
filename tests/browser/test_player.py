"""static/player.js in Chromium: a sealed clip as the edge records it (fragmented MP4)
plays while it is still arriving, the page's traffic holds only ciphertext, and a
tampered chunk stops playback with the reason shown."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request, Route

from doorstep.crypto.tampering import flip, split
from doorstep.edge.record import MP4_OPTIONS, SegmentBuffer, cut_clip
from doorstep.edge.synthetic import random_walkers, scene, write_h264
from tests.browser.pages import Resource, Site
from tests.browser.test_clip_viewer import seal
from tests.edge.test_record import filled, write_street_with_audio

WIDTH, HEIGHT, FPS, SECONDS = 320, 180, 15, 6
CHUNK = 4096
RUN = 32  # any plaintext run this long in the traffic fails (so does any 64-byte one)
MP4_BOX = re.compile(rb"\x00[\x00-\xff]{3}(ftyp|moov|moof|mdat)")


def edge_clip(source: Path, out: Path, end_s: float) -> bytes:
    """A clip cut as the edge cuts it: stream copy through the segment buffer."""
    buffer = SegmentBuffer(keep_s=60)
    filled(source, buffer)
    return cut_clip(buffer, 0.0, end_s, out).path.read_bytes()


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("player")
    frames = scene(
        width=WIDTH,
        height=HEIGHT,
        fps=FPS,
        duration_s=SECONDS,
        walkers=random_walkers(2, SECONDS, seed=5),
    )
    write_h264(folder / "camera.mp4", frames, fps=FPS)
    return folder


@pytest.fixture(scope="module")
def clip(media: Path) -> bytes:
    """Six seconds from the edge's recorder: ftyp, moov, then a fragment per second."""
    return edge_clip(media / "camera.mp4", media / "clip.mp4", SECONDS)


@pytest.fixture
def player(browser: Browser, site: Site) -> Iterator[Page]:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{site.base_url}/player.html")
    page.evaluate("async () => { window.h = await import('/player-harness.js'); }")
    assert errors == []
    yield page
    page.close()


FIRST_FRAME = "() => window.h.state().firstFrameMs !== null"


def start(page: Page, site: Site, sealed: bytes, keys: dict[str, Any], **resource: Any) -> None:
    url = site.publish(f"/media/{uuid.uuid4()}.sealed", Resource(sealed, **resource))
    page.evaluate("(c) => window.h.arm(c)", {**keys, "url": url})
    page.click("#start")


def state(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate("() => window.h.state()")
    return result


def state_while_held(
    page: Page, site: Site, sealed: bytes, keys: dict[str, Any], *, split_at: int, until: str
) -> dict[str, Any]:
    """Play ``sealed`` with the server holding back all from ``split_at`` on; the player's
    state once ``until`` holds in the page, and then the rest is let through."""
    gate = threading.Event()
    start(page, site, sealed, keys, gate=gate, split_at=split_at)
    try:
        page.wait_for_function(until, timeout=10_000)
        return state(page)
    finally:
        gate.set()


def finished(page: Page) -> dict[str, Any]:
    page.wait_for_function("() => window.h.log.outcome !== null", timeout=10_000)
    return state(page)


def test_edge_clips_are_fragmented_for_the_player(player: Page, site: Site, clip: bytes) -> None:
    url = site.publish("/media/plain-clip.mp4", Resource(clip, "video/mp4"))
    described = player.evaluate("(url) => window.h.describe(url)", url)
    assert described["fragmented"] is True
    assert len(described["codecs"]) == 1 and described["codecs"][0].startswith("avc1.")
    assert described["supported"] is True


def test_audio_codec_is_read_from_the_init_segment(
    player: Page, site: Site, tmp_path: Path
) -> None:
    source = write_street_with_audio(tmp_path / "street.mp4")
    with_audio = edge_clip(source, tmp_path / "clip.mp4", 3.0)
    url = site.publish("/media/audio-clip.mp4", Resource(with_audio, "video/mp4"))
    described = player.evaluate("(url) => window.h.describe(url)", url)
    assert described["codecs"][0].startswith("avc1.")
    assert described["codecs"][1] == "mp4a.40.2"
    assert described["fragmented"] and described["supported"]


def test_playback_starts_before_the_clip_has_arrived(player: Page, site: Site, clip: bytes) -> None:
    sealed, keys = seal(clip, "clip", chunk_size=CHUNK)
    assert len(split(sealed)[2]) > 20
    half = len(sealed) // 2
    # The first frame is decoded while the server still holds back half the clip.
    during = state_while_held(player, site, sealed, keys, split_at=half, until=FIRST_FRAME)
    assert during["readyState"] >= 2
    assert during["videoWidth"] == WIDTH
    assert during["progress"]["mode"] == "stream"
    assert during["progress"]["received"] <= half < len(sealed)
    assert during["outcome"] is None
    assert during["src"] is not None and during["src"].startswith("blob:")

    after = finished(player)
    assert after["outcome"]["ok"]["mode"] == "stream"
    assert after["outcome"]["ok"]["bytes"] == len(clip)
    assert after["progress"]["received"] == after["progress"]["total"] == len(sealed)
    assert after["error"] is None
    assert after["duration"] == pytest.approx(SECONDS, abs=0.2)


def test_a_non_fragmented_clip_plays_only_once_verified_whole(
    player: Page, site: Site, media: Path
) -> None:
    faststart = (media / "camera.mp4").read_bytes()  # moov first, one mdat: no fragments
    sealed, keys = seal(faststart, "clip", chunk_size=CHUNK)
    during = state_while_held(
        player,
        site,
        sealed,
        keys,
        split_at=len(sealed) // 2,
        until="() => (window.h.state().progress?.chunks ?? 0) >= 4",
    )
    assert during["progress"]["mode"] == "blob"
    assert during["src"] is None and during["readyState"] == 0
    after = finished(player)
    assert after["outcome"]["ok"]["mode"] == "blob"
    player.wait_for_function("() => window.h.state().readyState >= 2", timeout=10_000)
    assert state(player)["videoWidth"] == WIDTH


def test_no_progress_is_reported_once_play_has_settled(
    player: Page, site: Site, clip: bytes
) -> None:
    """A media event that comes after play() resolved must not report progress again.

    The clip page writes its final "verified" line when play() resolves; a late report
    overwrote it with "decrypting". The video's loadeddata is held back here until the
    clip has verified, as it is on a busy machine, then let through.
    """
    player.evaluate(
        """() => {
          window.holdLoadeddata = true;
          document.getElementById('clip').addEventListener('loadeddata', (event) => {
            if (window.holdLoadeddata) event.stopImmediatePropagation();
          }, { capture: true });
        }"""
    )
    sealed, keys = seal(clip, "clip", chunk_size=CHUNK)
    start(player, site, sealed, keys)
    assert "ok" in finished(player)["outcome"]
    reported = player.evaluate("() => window.h.log.progress.length")
    player.evaluate(
        """() => {
          window.holdLoadeddata = false;
          document.getElementById('clip').dispatchEvent(new Event('loadeddata'));
        }"""
    )
    assert player.evaluate("() => window.h.log.progress.length") == reported


def plaintext_runs(plaintext: bytes) -> set[bytes]:
    return {plaintext[at : at + RUN] for at in range(0, len(plaintext) - RUN + 1, RUN)}


def leaks(body: bytes, runs: set[bytes]) -> list[str]:
    """Plaintext in ``body``: MP4 box headers, or any aligned RUN-byte run of the clip.

    A 64-byte run of the plaintext always holds one of the aligned 32-byte runs. A box
    header is a 32-bit size (under 16 MB here: a zero first byte) and the box's name.
    """
    found = [match.decode() for match in MP4_BOX.findall(body)]
    hits = sum(1 for at in range(len(body) - RUN + 1) if body[at : at + RUN] in runs)
    return found + ([f"{hits} plaintext runs"] if hits else [])


def test_the_network_log_of_playback_holds_only_ciphertext(
    player: Page, site: Site, clip: bytes
) -> None:
    sealed, keys = seal(clip, "clip", chunk_size=CHUNK)
    requests: list[Request] = []
    # Answers are kept as the server sent them through a route: Response.body() of a
    # streamed answer can be gone by the time the test reads it.
    answers: list[tuple[str, bytes]] = []

    def record(route: Route) -> None:
        answer = route.fetch()
        body = answer.body()
        answers.append((route.request.url, body))
        route.fulfill(response=answer, body=body)

    player.route("**/*", record)
    player.on("request", lambda request: requests.append(request))
    start(player, site, sealed, keys)
    assert "ok" in finished(player)["outcome"]

    runs = plaintext_runs(clip)
    assert leaks(clip[1000:3000], runs), "the check finds plaintext when there is some"
    assert leaks(clip[:24], set()) == ["ftyp"], "and the clip's first box header"
    network = [r for r in requests if r.url.startswith(("http:", "https:"))]
    checked = {r.url: leaks(r.post_data_buffer or b"", runs) for r in network}
    for url, body in answers:
        if url.startswith(("http:", "https:")):
            checked[url] = checked.get(url, []) + leaks(body, runs)
    assert any(url.endswith(".sealed") for url, _ in answers), [url for url, _ in answers]
    assert {url: found for url, found in checked.items() if found} == {}


def test_a_tampered_chunk_stops_playback_and_says_so(player: Page, site: Site, clip: bytes) -> None:
    sealed, keys = seal(clip, "clip", chunk_size=CHUNK)
    aad, block, chunks = split(sealed)
    bad = len(chunks) * 3 // 4
    chunks[bad] = flip(chunks[bad], 50)
    tampered = aad + block + b"".join(chunks)
    # Held back just before the tampered chunk, until the clip is seen playing.
    before = len(aad) + len(block) + bad * (CHUNK + 16)
    playing = state_while_held(player, site, tampered, keys, split_at=before, until=FIRST_FRAME)
    assert playing["readyState"] >= 2 and playing["src"] is not None

    after = finished(player)
    assert after["outcome"] == {
        "refused": {
            "name": "DoorstepCryptoError",
            "message": f"chunk {bad} does not authenticate: it was edited, reordered, "
            "dropped or spliced from another part",
        }
    }
    # Stopped and emptied: nothing more plays, and no frame of it stays on screen.
    assert after["src"] is None
    assert after["readyState"] == 0
    assert after["videoWidth"] == 0
    assert after["progress"]["chunks"] == bad


def broken_last_fragment(clip: bytes) -> bytes:
    """``clip`` with its last moof's first child box claiming more bytes than the moof."""
    at, last_moof = 0, -1
    while at + 8 <= len(clip):
        size = int.from_bytes(clip[at : at + 4], "big")
        if clip[at + 4 : at + 8] == b"moof":
            last_moof = at
        at += size
    assert last_moof > 0, "the clip has fragments"
    moof_size = int.from_bytes(clip[last_moof : last_moof + 4], "big")
    child = last_moof + 8
    return clip[:child] + (moof_size + 100).to_bytes(4, "big") + clip[child + 4 :]


def test_a_fragment_the_browser_refuses_rejects_play_and_empties_the_video(
    player: Page, site: Site, clip: bytes
) -> None:
    """Authentic bytes the browser can't parse: play() rejects, it does not wait forever."""
    sealed, keys = seal(broken_last_fragment(clip), "clip", chunk_size=CHUNK)
    start(player, site, sealed, keys)
    after = finished(player)
    assert after["outcome"]["refused"]["message"].startswith(
        "the browser could not play the decrypted clip"
    ), after["outcome"]
    assert after["src"] is None and after["readyState"] == 0


def test_mp4_options_are_the_fragmented_ones() -> None:
    assert "frag_keyframe" in MP4_OPTIONS["movflags"]
