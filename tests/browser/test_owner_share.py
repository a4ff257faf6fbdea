# ruff: noqa: F811  (world, imported as a fixture, is a test argument)
"""Sharing from the resident's browser (static/owner-share.js) against a real hub.

The world of tests/hub/shares/test_sealed_sharing.py (an owner made by the Python
client, a paired device, a recorded clip, a verified agency's request delivered to the
home): the owner signs in in Chromium, unlocks the key with the passphrase, and shares.
The agency's package passes `evidence verify`; no plaintext digest or device signature
reaches the hub; a swapped agency key is refused before any clip key is fetched.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Request

from doorstep.audit.checkpoint import LogKey
from doorstep.evidence.verify import verify_package
from doorstep.owner.keys import clip_access, rotate_home_key
from tests.browser.owner_web import signed_in
from tests.hub.shares.test_sealed_sharing import (  # noqa: F401 (world is a fixture)
    AGENCY_SWAPS,
    INBOX_ENTRY,
    World,
    _secrets,
    _share_rows,
    _spellings,
    _stored,
    world,
)
from tests.owner.residents import PASSPHRASE, pair_device, record_clip

# What these tests check happens in the browser: one database backend is enough (the
# hub side of each flow runs on both in tests/hub and tests/owner).
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def owner_page(browser: Browser, world: World) -> Iterator[tuple[Page, list[Request]]]:
    """The owner signed in on a hub page, and every request the page sends from then on."""
    with signed_in(browser, world.home.owner, "/keys/setup") as page:
        sent: list[Request] = []
        page.on("request", lambda request: sent.append(request))
        yield page, sent


def share(page: Page, world: World, clip_ids: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(
        """async ([passphrase, entryId, clipIds]) => {
          const session = await import('/static/owner-session.js');
          const { shareClips } = await import('/static/owner-share.js');
          try {
            await session.unlock(passphrase);
            return { ok: await shareClips(entryId, clipIds) };
          } catch (error) {
            return { refused: { name: error.name, message: error.message } };
          }
        }""",
        [PASSPHRASE, str(world.entry_id), clip_ids],
    )
    return result


def test_a_share_made_in_the_browser_verifies_as_evidence_and_leaks_no_digest(
    owner_page: tuple[Page, list[Request]], world: World
) -> None:
    page, sent = owner_page
    secrets = _secrets(world)
    shared = share(page, world, [str(world.clip_id)])["ok"]
    posted = [r for r in sent if r.method == "POST"]
    assert [r.url.removeprefix(world.served.url) for r in posted] == [
        f"/v1/inbox/{world.entry_id}/share"
    ]
    bodies = [(r.post_data_buffer or b"") for r in sent]
    stored = _stored(world)
    leaks = [
        name
        for name, raw in secrets.items()
        for spelling in _spellings(raw)
        if any(spelling in body for body in bodies) or any(spelling in v for v in stored)
    ]
    assert leaks == []
    package = world.officer.download(f"/v1/agency/shares/{shared['id']}/package")
    vkey = httpx.get(f"{world.served.url}/v1/audit/key").json()["vkey"]
    report = verify_package(
        io.BytesIO(package), hub_key=LogKey.from_vkey(vkey), agency_key=world.agency_key
    )
    assert report.key_list is not None and report.key_list.home_id == world.home.home_id
    assert [clip.clip_id for clip in report.clips] == [world.clip_id]
    assert all(part.attested for clip in report.clips for part in clip.parts)
    # The attestation sealed in the browser holds what the owner's Python client opens.
    assert {part.name: part.plaintext_sha256 for clip in report.clips for part in clip.parts} == {
        name: secrets[f"{name} plaintext_sha256"].hex() for name in ("clip", "snapshot", "details")
    }


@pytest.mark.parametrize("case", sorted(AGENCY_SWAPS))
def test_a_swapped_agency_key_is_refused_in_the_browser_before_any_key_is_wrapped(
    owner_page: tuple[Page, list[Request]], world: World, case: str
) -> None:
    page, sent = owner_page
    swap, words = AGENCY_SWAPS[case]
    world.served.lying.rewrite(
        "GET", INBOX_ENTRY, lambda entry: {**entry, "agency": {**entry["agency"], **swap}}
    )
    refused = share(page, world, [str(world.clip_id)])["refused"]
    assert refused["name"] == "KeyRefused"
    assert words in refused["message"]
    paths = [r.url.removeprefix(world.served.url) for r in sent]
    assert not [p for p in paths if p.startswith("/v1/clips/")]
    assert [r for r in sent if r.method != "GET"] == []
    assert _share_rows(world) == 0


def test_a_clip_from_a_device_the_owner_never_signed_is_refused_in_the_browser(
    owner_page: tuple[Page, list[Request]], world: World
) -> None:
    page, sent = owner_page
    refused = share(page, world, [str(world.clip_id), str(world.rogue_clip_id)])["refused"]
    assert "not in home" in refused["message"] and "owner-signed key list" in refused["message"]
    assert [r for r in sent if r.method != "GET"] == []
    assert _share_rows(world) == 0


def test_a_published_fingerprint_other_than_the_key_is_refused(
    owner_page: tuple[Page, list[Request]], world: World
) -> None:
    page, sent = owner_page
    world.served.lying.rewrite(
        "GET",
        "/v1/agencies",
        lambda listing: {
            **listing,
            "data": [{**a, "key_fingerprint": "0000 " * 7 + "0000"} for a in listing["data"]],
        },
    )
    refused = share(page, world, [str(world.clip_id)])["refused"]
    assert refused["name"] == "KeyRefused"
    assert "is not the key it publishes" in refused["message"]
    assert not [r for r in sent if r.url.removeprefix(world.served.url).startswith("/v1/clips/")]
    assert _share_rows(world) == 0


def test_declining_in_the_browser_shares_nothing(
    owner_page: tuple[Page, list[Request]], world: World
) -> None:
    page, sent = owner_page
    answered = page.evaluate(
        """async (entryId) => {
          const { declineRequest } = await import('/static/owner-share.js');
          return declineRequest(entryId);
        }""",
        str(world.entry_id),
    )
    assert answered["answer"] == "declined"
    assert [r.method for r in sent if r.method != "GET"] == ["POST"]
    assert _share_rows(world) == 0


def test_clip_access_sees_a_new_device_and_home_key_on_the_same_page(
    owner_page: tuple[Page, list[Request]], world: World, tmp_path: Path
) -> None:
    page, _ = owner_page
    access = """async ([passphrase, clipId]) => {
      const session = await import('/static/owner-session.js');
      const { clipAccess } = await import('/static/owner-clips.js');
      const { toBase64 } = await import('/static/doorstep-crypto.js');
      if (!session.isUnlocked()) await session.unlock(passphrase);
      const found = await clipAccess(clipId);
      return toBase64(found.contentKey);
    }"""
    owner = world.home.owner
    with owner.api() as api:
        first = clip_access(api, world.clip_id, owner.user_key).content_key
    assert page.evaluate(access, [PASSPHRASE, str(world.clip_id)]) == b64(first)
    with owner.api() as api:  # meanwhile: a new home key, a new device, a new clip
        rotate_home_key(api, world.home.home_id, owner.user_key)
    later = record_clip(tmp_path, world.home, pair_device(world.home))
    with owner.api() as api:
        second = clip_access(api, later, owner.user_key).content_key
    assert page.evaluate(access, [PASSPHRASE, str(later)]) == b64(second)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
