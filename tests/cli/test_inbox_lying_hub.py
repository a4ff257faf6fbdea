"""`doorstep inbox share` against a hub that lies about the agency's key, on both
backends: one readable line, exit 1, and no share reaches the hub."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import text

from doorstep.agency.keys import publish_agency_key
from doorstep.crypto.keys import public_raw
from doorstep.hub.db import make_engine
from tests.cli.processes import run_here
from tests.cli.test_agency import file_request
from tests.cli.test_keys import client
from tests.hub.shares.officers import served_officer
from tests.lying_hub import ServedHub
from tests.owner.residents import make_home, pair_device, record_clip

HUB_KEY = base64.b64encode(public_raw(X25519PrivateKey.generate().public_key())).decode()


def test_a_share_to_a_swapped_agency_key_fails_in_one_line(
    served_hub: ServedHub, tmp_path: Path
) -> None:
    home = make_home(served_hub.url)
    clip_id = record_clip(tmp_path, home, pair_device(home))
    with served_officer(served_hub, tmp_path) as officer:
        publish_agency_key(officer, tmp_path / "agency.key")
        file_request(officer, "CASE-SWAP-1")
    with home.owner.api() as owner:
        [entry] = owner.call("GET", "/v1/inbox")["data"]
    entry_id = uuid.UUID(entry["id"])
    served_hub.lying.rewrite(
        "GET",
        f"/v1/inbox/{entry_id}",
        lambda body: {**body, "agency": {**body["agency"], "public_key": HUB_KEY}},
    )
    config = client(tmp_path / "home-machine", home.owner)
    code, output = run_here(config, "inbox", "share", str(entry_id), str(clip_id))
    lines = output.strip().splitlines()
    assert (code, len(lines)) == (1, 1), output
    assert lines[0].startswith("error: agency Test Police's key does not match its id"), output
    engine = make_engine(served_hub.database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM shared_clips")).scalar_one() == 0
    engine.dispose()
