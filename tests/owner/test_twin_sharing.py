"""A twin from the edge's outbox to an agency: the owner's client shares the twin alone."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest

from doorstep.agency.keys import load_agency_key, publish_agency_key
from doorstep.audit.checkpoint import LogKey
from doorstep.crypto.decrypt import open_part
from doorstep.crypto.format import PARTS, TWIN_PARTS
from doorstep.errors import CryptoError
from doorstep.evidence.verify import verify_package
from doorstep.owner.keys import clip_access, open_clip_part
from doorstep.owner.sharing import answer_request
from tests.cli.test_agency import file_request
from tests.hub.shares.officers import served_officer
from tests.lying_hub import ServedHub
from tests.owner.residents import current_home_key, make_home, pair_device, seal_clip, upload_clip

CONTENTS = {
    "clip": b"the clip",
    "snapshot": b"the snapshot",
    "details": b"{}",
    "twin_clip": b"the clip, faces blurred",
    "twin_snapshot": b"the snapshot, faces blurred",
}


def test_the_owner_shares_the_twin_and_the_agency_opens_only_it(
    served_hub: ServedHub, tmp_path: Path
) -> None:
    home = make_home(served_hub.url)
    device = pair_device(home)
    clip = seal_clip(home, device.key, current_home_key(home), contents=CONTENTS)
    clip_id = upload_clip(tmp_path, home, device, clip)  # through the outbox and uploader
    user_key = home.owner.user_key
    with home.owner.api() as owner:
        twin = clip_access(owner, clip_id, user_key, twin=True)
        own = clip_access(owner, clip_id, user_key)
        assert twin.content_key != own.content_key
        for part in ("details", "twin_snapshot"):  # each with its own key (keys decrypt)
            assert open_clip_part(owner, clip_id, part, user_key).plaintext == CONTENTS[part]
    with served_officer(served_hub, tmp_path) as officer:
        key_file = tmp_path / "agency.key"
        publish_agency_key(officer, key_file)
        file_request(officer, "CASE-TWIN-1")
        with home.owner.api() as owner:
            [entry] = owner.call("GET", "/v1/inbox")["data"]
            shared = answer_request(owner, entry["id"], [clip_id], user_key, twin=True)
        assert [row["twin"] for row in shared["clips"]] == [True]
        package = officer.download(f"/v1/agency/shares/{shared['id']}/package")
    vkey = httpx.get(f"{served_hub.url}/v1/audit/key").json()["vkey"]
    out = tmp_path / "out"
    agency_key = load_agency_key(key_file)
    verify_package(
        io.BytesIO(package), hub_key=LogKey.from_vkey(vkey), agency_key=agency_key, out_dir=out
    )
    opened = {path.stem: path.read_bytes() for path in (out / str(clip_id)).iterdir()}
    assert opened == {name: CONTENTS[name] for name in TWIN_PARTS}
    # The twin's key, which the agency now holds, opens none of the clip's own parts.
    with home.owner.api() as owner:
        for part in PARTS:
            sealed = owner.download(f"/v1/clips/{clip_id}/parts/{part}")
            with pytest.raises(CryptoError):
                open_part(
                    sealed,
                    content_key=twin.content_key,
                    clip_id=clip_id,
                    part=part,
                    device_public=twin.device_public,
                )
