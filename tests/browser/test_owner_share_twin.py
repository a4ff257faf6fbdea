# ruff: noqa: F811  (world, imported as a fixture, is a test argument)
"""Sharing only a clip's blurred twin from the resident's inbox page, in Chromium.

The owner ticks a clip and "Share only the blurred copy" on /inbox/{entry} and presses
Share: the page does what doorstep.owner.sharing.answer_request(twin=True) does. The
agency's package holds the twin's two parts, which verify and decrypt; the one key it
holds is the twin's and opens no part of the original.
"""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Response
from sqlalchemy import select

from doorstep.audit.checkpoint import LogKey
from doorstep.crypto.decrypt import open_part
from doorstep.crypto.envelope import clip_subject
from doorstep.crypto.format import PARTS, TWIN_PARTS
from doorstep.crypto.unwrap import unwrap_key
from doorstep.errors import CryptoError
from doorstep.evidence.verify import verify_package
from doorstep.hub.db import make_engine
from doorstep.hub.shares.models import SharedClip
from doorstep.owner.keys import clip_access
from tests.browser.owner_web import signed_in
from tests.hub.shares.test_sealed_sharing import World, world  # noqa: F401 (a fixture)
from tests.owner import residents
from tests.owner.test_twin_sharing import CONTENTS

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def twinned_clip(world: World, tmp_path: Path) -> uuid.UUID:
    """A clip with a blurred twin, recorded in the window of the world's request."""
    home = world.home
    device = residents.pair_device(home)
    ended = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    key = residents.current_home_key(home)
    clip = residents.seal_clip(home, device.key, key, contents=CONTENTS, ended_at=ended)
    return residents.upload_clip(tmp_path, home, device, clip)


def share_on_the_page(page: Page, clip_id: uuid.UUID) -> tuple[dict[str, Any], str]:
    """Unlock, tick the clip and its blurred copy, press Share: the share, the status line."""
    page.evaluate(
        """async (passphrase) => {
          const session = await import('/static/owner-session.js');
          await session.unlock(passphrase);
        }""",
        residents.PASSPHRASE,
    )
    page.check(f"#clip-{clip_id}")
    page.check(f"#twin-{clip_id}")
    posted: list[Response] = []
    page.on("response", lambda r: posted.append(r) if r.request.method == "POST" else None)
    page.click("#share-button")
    status = page.locator("#inbox-status")
    status.filter(has_text=re.compile(r"^(Shared|Nothing was shared)")).wait_for()
    said = status.inner_text()
    assert len(posted) == 1, said
    shared: dict[str, Any] = posted[0].json()
    return shared, said


def test_sharing_only_the_blurred_copy_hands_the_agency_the_twin_and_nothing_of_the_clip(
    browser: Browser, world: World, twinned_clip: uuid.UUID, tmp_path: Path
) -> None:
    clip_id = twinned_clip
    with signed_in(browser, world.home.owner, f"/inbox/{world.entry_id}") as page:
        refused = page.evaluate(
            """async ([entryId, clipId, twinId]) => {
              const { shareClips } = await import('/static/owner-share.js');
              return shareClips(entryId, [clipId], { twinIds: [twinId] })
                .then(() => 'shared', (error) => error.message);
            }""",
            [str(world.entry_id), str(world.clip_id), str(clip_id)],
        )
        assert refused == "a clip shared as its blurred copy must be one of the clips chosen"
        shared, said = share_on_the_page(page, clip_id)
    assert [clip["twin"] for clip in shared["clips"]] == [True]
    assert said.startswith("Shared 1 clip(s) (1 as the blurred copy only) with"), said

    package = world.officer.download(f"/v1/agency/shares/{shared['id']}/package")
    vkey = httpx.get(f"{world.served.url}/v1/audit/key").json()["vkey"]
    out = tmp_path / "out"
    report = verify_package(
        io.BytesIO(package),
        hub_key=LogKey.from_vkey(vkey),
        agency_key=world.agency_key,
        out_dir=out,
    )
    assert [clip.clip_id for clip in report.clips] == [clip_id]
    assert sorted(part.name for clip in report.clips for part in clip.parts) == sorted(TWIN_PARTS)
    assert all(part.attested for clip in report.clips for part in clip.parts)
    opened = {path.stem: path.read_bytes() for path in (out / str(clip_id)).iterdir()}
    assert opened == {name: CONTENTS[name] for name in TWIN_PARTS}

    # The key the agency holds is the twin's: it opens none of the original's parts.
    engine = make_engine(world.served.database_url)
    with engine.connect() as connection:
        wrapped = connection.scalar(
            select(SharedClip.wrapped_key).where(SharedClip.clip_id == clip_id)
        )
    engine.dispose()
    assert wrapped is not None
    held = unwrap_key(wrapped, recipient=world.agency_key, subject=clip_subject(clip_id))
    owner = world.home.owner
    with owner.api() as api:
        twin = clip_access(api, clip_id, owner.user_key, twin=True)
        assert held == twin.content_key
        for part in PARTS:
            sealed = api.download(f"/v1/clips/{clip_id}/parts/{part}")
            with pytest.raises(CryptoError):
                open_part(
                    sealed,
                    content_key=held,
                    clip_id=clip_id,
                    part=part,
                    device_public=twin.device_public,
                )
