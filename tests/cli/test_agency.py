"""`doorstep agency ...` against a real hub: the agency's key made on its machine, and a
package an owner shared downloaded, verified and opened offline."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from doorstep.crypto.decrypt import open_part
from doorstep.crypto.format import PARTS
from doorstep.crypto.keys import fingerprint, key_id, x25519_private
from doorstep.owner.api import HubApi
from doorstep.owner.keys import clip_access
from doorstep.owner.sharing import answer_request
from doorstep.settings import Settings
from tests.agencies import OFFICER, make_agency
from tests.cli.processes import run, run_here
from tests.edge.hub_process import HubProcess, pair_camera
from tests.owner.test_household import upload


def officer_password(hub: HubProcess) -> str:
    """A verified agency with one member on the hub's database; the member's password."""
    database_url = Settings(data_dir=hub.data_dir).resolved_database_url()
    return make_agency(database_url, hub.data_dir).password


def signed_in_officer(config: Path, hub: HubProcess, password: str) -> HubApi:
    code, output = run(
        config, "login", "--hub", hub.url, "--email", OFFICER, DOORSTEP_PASSWORD=password
    )
    assert code == 0, output
    token = json.loads((config / "credentials.json").read_text())["token"]
    return HubApi(hub.url, token)


def file_request(officer: HubApi, code: str) -> dict[str, Any]:
    """A request over the test camera for the last hour."""
    now = datetime.now(UTC).replace(microsecond=0)
    filed: dict[str, Any] = officer.call(
        "POST",
        "/v1/agency/requests",
        json={
            "investigation_code": code,
            "category": "burglary",
            "details": "A burglary on this block; looking for people leaving it.",
            "location": {"circle": {"latitude": 45.5, "longitude": -122.6, "radius_m": 200}},
            "window_start": (now - timedelta(hours=1)).isoformat(),
            "window_end": now.isoformat(),
            "retention_days": 90,
            "attests_purpose": True,
        },
    )
    return filed


def test_an_agency_makes_its_key_and_opens_what_an_owner_shared(
    tmp_path: Path, hub: HubProcess
) -> None:
    camera = pair_camera(hub.url)
    clip_id = upload(tmp_path, hub, camera)
    config = tmp_path / "agency-machine"
    password = officer_password(hub)
    with signed_in_officer(config, hub, password) as officer, camera.owner.api(hub.url) as owner:
        code, output = run(config, "agency", "key")
        assert code == 0, output
        key_file = config / "agency.key"
        assert key_file.stat().st_mode & 0o777 == 0o600
        raw = base64.b64decode(key_file.read_bytes())
        published = officer.call("GET", "/v1/agency")
        assert published["key_id"] == key_id(x25519_private(raw).public_key())
        assert fingerprint(published["key_id"]) in output.replace("\n", "")
        code, again = run_here(config, "agency", "key")
        assert code != 0 and "exists already" in again and len(again.strip().splitlines()) == 1
        assert base64.b64decode(key_file.read_bytes()) == raw
        assert officer.call("GET", "/v1/agency")["key_id"] == published["key_id"]

        request = file_request(officer, "CASE-CLI-1")
        [entry] = owner.call("GET", "/v1/inbox")["data"]
        share = answer_request(owner, uuid.UUID(entry["id"]), [clip_id], camera.owner.user_key)

        code, listed = run_here(config, "agency", "shares", request["id"], "--json")
        assert code == 0, listed
        assert [(row["id"], row["clips"]) for row in json.loads(listed)["data"]] == [
            (share["id"], 1)
        ]
        package = tmp_path / "evidence.zip"
        code, output = run(config, "agency", "package", share["id"], "--out", str(package))
        assert code == 0, output
        assert not package.with_name("evidence.zip.part").exists()
        opened = tmp_path / "opened"
        code, output = run_here(
            config, "evidence", "verify", str(package), "--key", str(key_file), "--out", str(opened)
        )
        assert code == 0, output
        # The agency opens exactly what the owner opens with the home's key.
        access = clip_access(owner, clip_id, camera.owner.user_key)
        as_owner = {
            part: open_part(
                owner.download(f"/v1/clips/{clip_id}/parts/{part}"),
                content_key=access.content_key,
                clip_id=clip_id,
                part=part,
                device_public=access.device_public,
            ).plaintext
            for part in PARTS
        }
        as_agency = {path.stem: path.read_bytes() for path in (opened / str(clip_id)).iterdir()}
        assert as_agency == as_owner

        code, output = run_here(config, "agency", "package", share["id"], "--out", str(package))
        assert code != 0 and "exists already" in output
        code, output = run_here(
            config, "agency", "package", str(uuid.uuid4()), "--out", str(tmp_path / "none.zip")
        )
        assert code != 0 and "404" in output and len(output.strip().splitlines()) == 1
        assert not (tmp_path / "none.zip").exists()
        assert not (tmp_path / "none.zip.part").exists()
