"""Parts sealed by Python, opened and shown by the clip viewer in Chromium."""

from __future__ import annotations

import io
import json
import os
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from PIL import Image
from playwright.sync_api import Page
from skimage import data

from doorstep.crypto.envelope import clip_subject, home_subject, wrap_key
from doorstep.crypto.format import b64encode
from doorstep.crypto.keys import key_id, private_raw, public_raw
from doorstep.crypto.stream import PartContext, seal_part
from doorstep.crypto.tampering import flip, split
from doorstep.edge.synthetic import random_walkers, scene, write_h264
from tests.browser.pages import Resource, Site, call
from tests.crypto.vectors import b64

STARTED_AT = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
ENDED_AT = datetime(2026, 11, 24, 9, 30, 2, tzinfo=UTC)
WIDTH, HEIGHT, FPS, SECONDS = 320, 180, 15, 2
CHUNK = 4096  # small chunks, so that even a short clip is many of them


@pytest.fixture(scope="module")
def mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Two seconds of H.264 in an MP4, a person walking through."""
    path = tmp_path_factory.mktemp("media") / "clip.mp4"
    frames = scene(
        width=WIDTH,
        height=HEIGHT,
        fps=FPS,
        duration_s=SECONDS,
        walkers=random_walkers(1, SECONDS, seed=3),
    )
    write_h264(path, frames, fps=FPS)
    return path.read_bytes()


def seal(plaintext: bytes, part: str, **kwargs: Any) -> tuple[bytes, dict[str, Any]]:
    """Seal as an edge device would: a fresh content key and device key for each part."""
    device = Ed25519PrivateKey.generate()
    content_key = os.urandom(32)
    clip_id = uuid.uuid4()
    context = PartContext(clip_id, uuid.uuid4(), part, STARTED_AT, ENDED_AT)
    sealed = seal_part(
        plaintext, content_key=content_key, context=context, device_key=device, **kwargs
    )
    keys = {
        "content_key": b64encode(content_key),
        "clip_id": str(clip_id),
        "part": part,
        "device_public": b64encode(public_raw(device.public_key())),
    }
    return sealed, keys


def publish(site: Site, sealed: bytes, **kwargs: Any) -> str:
    return site.publish(f"/media/{uuid.uuid4()}.sealed", Resource(sealed, **kwargs))


def test_a_sealed_clip_streams_decrypts_and_plays(page: Page, site: Site, mp4: bytes) -> None:
    sealed, args = seal(mp4, "clip", chunk_size=CHUNK)
    aad, block, chunks = split(sealed)
    assert len(chunks) > 8
    # The server sends the first half, then stalls until the test has looked at the page.
    gate = threading.Event()
    half = len(sealed) // 2
    args["url"] = publish(site, sealed, gate=gate, split_at=half)
    call(page, "startClip", args)
    try:
        # Every chunk wholly in the first half can be opened: more bytes follow each.
        ready = (half - len(aad) - len(block) - 1) // (CHUNK + 16)
        page.wait_for_function(f"() => window.h.progress.chunks >= {ready}", timeout=5000)
        page.wait_for_timeout(100)  # and no more than those
        during = call(page, "pageState")
        decrypted = page.evaluate("() => window.h.progress.chunks")
    finally:
        gate.set()
    result = page.evaluate("() => window.viewing")

    # Chunks were authenticated from the first half alone, but nothing was shown before
    # the whole clip verified.
    assert decrypted == ready >= 2
    assert during["video"]["src"] is None
    assert during["blobUrls"] == 0
    assert "chunks authenticated" in during["status"]
    # Then the whole clip verified and plays from a Blob URL.
    assert "ok" in result, result
    opened = result["ok"]
    assert opened["canPlay"] == "probably"
    assert opened["chunks"] == len(chunks)
    assert opened["blobUrl"].startswith("blob:")
    video = opened["video"]
    assert video["src"] == opened["blobUrl"]
    assert video["error"] is None
    assert video["videoWidth"] == WIDTH
    assert video["duration"] == pytest.approx(SECONDS, abs=0.2)
    state = call(page, "pageState")
    assert state["status"] == "The clip is verified: signed by the camera and unaltered."
    assert not state["statusFailed"]


def test_a_sealed_snapshot_shows(page: Page, site: Site) -> None:
    jpeg = io.BytesIO()
    photo = data.astronaut()  # type: ignore[no-untyped-call]
    Image.fromarray(photo).save(jpeg, format="JPEG", quality=85)
    sealed, args = seal(jpeg.getvalue(), "snapshot", chunk_size=16 * 1024)
    args["url"] = publish(site, sealed)
    shown = call(page, "snapshot", args)["ok"]
    assert shown["naturalWidth"] == 512
    assert shown["naturalHeight"] == 512
    assert shown["blobUrl"].startswith("blob:")
    assert page.get_attribute("#snapshot", "src") == shown["blobUrl"]


def household(
    site: Site, *, for_clip: uuid.UUID | None = None, for_home: str | None = None
) -> dict[str, Any]:
    """A user, their home, and a clip wrapped to the home: what the hub hands a member."""
    user, home = X25519PrivateKey.generate(), X25519PrivateKey.generate()
    home_key_id = key_id(home.public_key())
    details = json.dumps({"label": "person", "score": 0.93}).encode()
    sealed, args = seal(details, "details")
    clip_id = uuid.UUID(args["clip_id"])
    content_key = b64(args["content_key"])
    wrapped_home = wrap_key(
        private_raw(home),
        recipient=user.public_key(),
        subject=home_subject(for_home or home_key_id),
    )
    wrapped_clip = wrap_key(
        content_key,
        recipient=home.public_key(),
        subject=clip_subject(for_clip or clip_id),
    )
    return {
        "user_private": b64encode(private_raw(user)),
        "home_key_id": home_key_id,
        "wrapped_home_key": b64encode(wrapped_home),
        "wrapped_content_key": b64encode(wrapped_clip),
        "clip_id": str(clip_id),
        "part": "details",
        "device_public": args["device_public"],
        "url": publish(site, sealed),
        "details": details.decode(),
    }


def test_a_member_opens_a_clip_from_their_user_key_alone(page: Page, site: Site) -> None:
    args = household(site)
    assert call(page, "household", args) == {"ok": args["details"]}


@pytest.mark.parametrize("moved", ["clip key", "home key"])
def test_keys_wrapped_for_another_clip_or_home_do_not_open(
    page: Page, site: Site, moved: str
) -> None:
    if moved == "clip key":
        args = household(site, for_clip=uuid.uuid4())
        subject = args["clip_id"]
    else:
        args = household(site, for_home="0" * 32)
        subject = f"home:{args['home_key_id']}"
    refused = call(page, "household", args)["refused"]
    assert refused["name"] == "DoorstepCryptoError"
    assert refused["message"].startswith("the wrapped key does not open with key ")
    assert f" for {subject}: " in refused["message"]


def test_a_tampered_clip_is_refused_and_never_shown(page: Page, site: Site, mp4: bytes) -> None:
    sealed, args = seal(mp4, "clip", chunk_size=CHUNK)
    aad, block, chunks = split(sealed)
    middle = len(chunks) // 2
    chunks[middle] = flip(chunks[middle], 100)
    args["url"] = publish(site, aad + block + b"".join(chunks))
    call(page, "startClip", args)
    refused = page.evaluate("() => window.viewing")["refused"]

    assert refused == {
        "name": "DoorstepCryptoError",
        "message": f"chunk {middle} does not authenticate: it was edited, reordered, "
        "dropped or spliced from another part",
    }
    state = call(page, "pageState")
    # The chunks before it were decrypted, and thrown away: no Blob URL, no video.
    assert page.evaluate("() => window.h.progress.chunks") == middle
    assert state["blobUrls"] == 0
    assert state["video"]["src"] is None
    assert state["video"]["videoWidth"] == 0
    assert state["statusFailed"]
    assert state["status"].startswith("The clip is not shown because it failed verification")
