"""``doorstep bench web`` part (b): click to first decoded frame, sealed against plain.

One H.264 clip of about ``options.playback_mb`` MB (720p at 4.4 Mbit/s) is encoded
with PyAV as the edge records it (fragmented MP4, ``edge.record.MP4_OPTIONS``), from
the synthetic street scene with sensor-like noise so that it weighs what a real
camera's does, and sealed as the edge seals it (64 KiB chunks, a device signature). A
plain ``http.server`` on 127.0.0.1 serves both (no artificial delay: loopback
throughput, HTTP/1.1, Content-Length, Range for the plain file), with the hub's own
static files.

In Debian's Chromium (Playwright, headless), each run opens a fresh browser context,
clicks Play, and the page times from the click event to the first frame the video
element presents (``requestVideoFrameCallback``):

- sealed: static/player.js fetches the sealed part, opens each chunk with WebCrypto and
  appends it to a MediaSource, as the clip page does;
- plain: the same clip unsealed, as ``<video src>`` from a plain URL;
- plain_mse: the same clip unsealed through the same MediaSource path as the player,
  without the crypto (its ratio to sealed is what decrypting and checking cost).

Runs take turns, ``options.playback_runs`` of each; the figures are the medians
(``playback_sealed_ms``, ``playback_plain_ms``, ``playback_plain_mse_ms``) and the ratios
(``playback_ratio`` = sealed / plain, goal at most 1.5; ``playback_ratio_mse``).
Autoplay is allowed by a launch flag, so that both start on the click alone.
"""

from __future__ import annotations

import os
import statistics
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING, Any

import av
import numpy as np
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from doorstep.browser import chromium, require_chromium
from doorstep.crypto.format import b64encode
from doorstep.crypto.keys import public_raw
from doorstep.crypto.stream import PartContext, seal_part
from doorstep.edge.record import MP4_OPTIONS
from doorstep.edge.synthetic import random_walkers, scene
from doorstep.errors import DoorstepError

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from doorstep.bench.web import Report, WebBenchOptions, WebHub

GOAL_PLAYBACK_RATIO = 1.5
WIDTH, HEIGHT, FPS = 1280, 720, 15
BIT_RATE = 4_400_000  # a 720p camera's: 16 MB is about 30 s
STATIC_DIR = Path(str(files("doorstep.hub.web") / "static"))
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; script-src 'self'; connect-src 'self'; media-src 'self' blob:">
<title>Doorstep playback bench</title>
<script type="module" src="/bench.js"></script></head>
<body><main><button id="start" type="button">Play</button>
<video id="clip" controls playsinline></video></main></body></html>
"""

SCRIPT = """import { fromBase64 } from '/static/doorstep-crypto.js';
import { describeMovie, initSegment, play } from '/static/player.js';
const video = document.getElementById('clip');
let armed = null;
window.bench = { firstFrameMs: null, error: null, mode: null };
const failed = (error) => { window.bench.error = `${error.name}: ${error.message}`; };
const appended = (buffer, data) => new Promise((resolve, reject) => {
  buffer.addEventListener('updateend', resolve, { once: true });
  buffer.addEventListener('error', reject, { once: true });
  buffer.appendBuffer(data);
});
// The plain clip through the same MediaSource path as the player, without the crypto.
async function plainMse(url) {
  const source = new MediaSource();
  video.src = URL.createObjectURL(source);
  await new Promise((resolve) => source.addEventListener('sourceopen', resolve, { once: true }));
  const reader = (await fetch(url, { cache: 'no-store' })).body.getReader();
  let [buffer, head] = [null, []];
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    if (buffer) { await appended(buffer, read.value); continue; }
    head.push(read.value);
    const data = new Uint8Array(await new Blob(head).arrayBuffer());
    const init = initSegment(data);
    if (!init) continue;
    const { codecs } = describeMovie(data, init.moov);
    buffer = source.addSourceBuffer(`video/mp4; codecs="${codecs.join(', ')}"`);
    await appended(buffer, data);
    video.play().catch(() => {});
  }
  source.endOfStream();
}
document.getElementById('start').addEventListener('click', (event) => {
  const clicked = event.timeStamp;
  video.requestVideoFrameCallback((now) => { window.bench.firstFrameMs = now - clicked; });
  if (armed.plain) {
    video.src = armed.plain;
    video.play().catch(failed);
  } else if (armed.plainMse) {
    plainMse(armed.plainMse).catch(failed);
  } else {
    play(video, armed).then((ok) => { window.bench.mode = ok.mode; }, failed);
  }
});
window.arm = (c) => {
  armed = c.url ? {
    url: c.url, contentKey: fromBase64(c.contentKey), clipId: c.clipId,
    devicePublicKey: fromBase64(c.devicePublic),
  } : c;
};
"""


def measure_playback(hub: WebHub, options: WebBenchOptions, report: Report) -> dict[str, Any]:
    """Median ms from click to first frame: the sealed clip via player.js, the plain one."""
    del hub  # the hub never holds plaintext to serve; both come from one plain server
    require_chromium()  # before the clip is encoded, not after
    with TemporaryDirectory(prefix="doorstep-bench-playback-") as tmp:
        report(f"playback: encoding a clip of about {options.playback_mb:g} MB")
        plain = encode_clip(Path(tmp) / "clip.mp4", megabytes=options.playback_mb)
        sealed, keys = seal_clip(plain)
        media = {"/media/clip.mp4": (plain, "video/mp4"), "/media/clip.sealed": (sealed, "")}
        with serving(media) as base:
            report(f"playback: {options.playback_runs} runs each in Chromium")
            times = time_first_frames(base, keys, runs=options.playback_runs)
    sealed_ms, plain_ms = statistics.median(times["sealed"]), statistics.median(times["plain"])
    mse_ms = statistics.median(times["plain_mse"])
    return {
        "playback_clip_bytes": len(plain),
        "playback_sealed_bytes": len(sealed),
        "playback_runs": options.playback_runs,
        "playback_sealed_ms": sealed_ms,
        "playback_plain_ms": plain_ms,
        "playback_ratio": sealed_ms / plain_ms if plain_ms > 0 else 0.0,
        "playback_plain_mse_ms": mse_ms,
        "playback_ratio_mse": sealed_ms / mse_ms if mse_ms > 0 else 0.0,
        "playback_sealed_all_ms": times["sealed"],
        "playback_plain_all_ms": times["plain"],
        "playback_plain_mse_all_ms": times["plain_mse"],
        "goal_playback_ratio": GOAL_PLAYBACK_RATIO,
    }


def encode_clip(path: Path, *, megabytes: float) -> bytes:
    """H.264 at a camera's bit rate, as long as makes ``megabytes``, fragmented as an edge's."""
    rate, seconds = BIT_RATE, max(2, round(megabytes * 8e6 / BIT_RATE))
    frames = scene(
        width=WIDTH,
        height=HEIGHT,
        fps=FPS,
        duration_s=seconds,
        walkers=random_walkers(3, seconds, seed=22),
    )
    noise = np.random.default_rng(22)
    with av.open(str(path), mode="w", format="mp4", options=MP4_OPTIONS) as container:
        stream = container.add_stream("libx264", rate=Fraction(FPS))
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.bit_rate = rate
        stream.codec_context.gop_size = FPS  # a fragment a second, as cameras send keyframes
        stream.codec_context.options = {"preset": "ultrafast", "maxrate": str(rate)}
        for image in frames:
            grain = noise.integers(-12, 13, size=image.shape, dtype=np.int16)
            noisy = np.clip(image.astype(np.int16) + grain, 0, 255).astype(np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(noisy, format="bgr24")))
        container.mux(stream.encode(None))
    return path.read_bytes()


def seal_clip(plain: bytes) -> tuple[bytes, dict[str, str]]:
    """Sealed as an edge seals a clip: a fresh content key, a device signature."""
    device, content_key, clip_id = Ed25519PrivateKey.generate(), os.urandom(32), uuid.uuid4()
    started = datetime.now(UTC)
    context = PartContext(clip_id, uuid.uuid4(), "clip", started, started + timedelta(seconds=1))
    sealed = seal_part(plain, content_key=content_key, context=context, device_key=device)
    return sealed, {
        "contentKey": b64encode(content_key),
        "clipId": str(clip_id),
        "devicePublic": b64encode(public_raw(device.public_key())),
    }


def time_first_frames(base: str, keys: dict[str, str], *, runs: int) -> dict[str, list[float]]:
    arms = {
        "sealed": {**keys, "url": f"{base}/media/clip.sealed"},
        "plain": {"plain": f"{base}/media/clip.mp4"},
        "plain_mse": {"plainMse": f"{base}/media/clip.mp4"},
    }
    times: dict[str, list[float]] = {kind: [] for kind in arms}
    with chromium("--autoplay-policy=no-user-gesture-required") as browser:
        for run in range(runs + 1):  # the first round warms the browser up, uncounted
            kinds = list(arms)  # in turn, each first as often as the others
            for kind in kinds[run % 3 :] + kinds[: run % 3]:
                took = _first_frame(browser, base, arms[kind])
                if run:
                    times[kind].append(took)
    return times


def _first_frame(browser: Browser, base: str, arm: dict[str, str]) -> float:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{base}/bench.html")
        page.wait_for_function("() => typeof window.arm === 'function'")
        page.evaluate("(c) => window.arm(c)", arm)
        page.click("#start")
        page.wait_for_function(
            "() => window.bench.firstFrameMs !== null || window.bench.error !== null",
            timeout=60_000,
        )
        state = page.evaluate("() => window.bench")
        if state["error"]:
            raise DoorstepError(f"playback failed in Chromium: {state['error']}")
        if "url" in arm and state["mode"] not in (None, "stream"):
            raise DoorstepError(f"the player fell back to {state['mode']}: not streaming")
        return float(state["firstFrameMs"])
    finally:
        context.close()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a browser dropping a connection it no longer needs (a seek) is no error


@contextmanager
def serving(media: dict[str, tuple[bytes, str]]) -> Iterator[str]:
    """A loopback HTTP server for the bench page, the hub's static files and ``media``."""
    server = _QuietServer(("127.0.0.1", 0), _handler(media))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _find(media: dict[str, tuple[bytes, str]], path: str) -> tuple[bytes, str] | None:
    if path in media:
        body, kind = media[path]
        return body, kind or "application/octet-stream"
    if path in ("/bench.html", "/bench.js"):
        return (PAGE if path.endswith("html") else SCRIPT).encode(), TYPES[Path(path).suffix]
    name = path.removeprefix("/static/")
    if path.startswith("/static/") and "/" not in name and not name.startswith("."):
        file = STATIC_DIR / name
        if file.is_file():
            return file.read_bytes(), TYPES.get(file.suffix, "application/octet-stream")
    return None


def _handler(media: dict[str, tuple[bytes, str]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            found = _find(media, self.path.split("?", 1)[0])
            if found is None:
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            body, kind = found
            start, end = 0, len(body)
            ranged = self.headers.get("Range", "")
            if ranged.startswith("bytes=") and "," not in ranged:
                first, _, last = ranged.removeprefix("bytes=").partition("-")
                start = int(first or 0)
                end = min(len(body), int(last) + 1) if last else len(body)
                self.send_response(HTTPStatus.PARTIAL_CONTENT)
                self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(body)}")
            else:
                self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(end - start))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            try:
                self.wfile.write(memoryview(body)[start:end])
            except (BrokenPipeError, ConnectionResetError):
                pass  # the browser had what it needed

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
