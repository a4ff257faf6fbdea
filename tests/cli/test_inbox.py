"""`doorstep inbox ...` against a real hub: a resident reads a request, shares one clip
from their own machine, keeps the receipt, withdraws, and declines another request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from doorstep.owner.credentials import Credentials, save_credentials, save_user_key
from tests.cli.processes import run, run_here
from tests.cli.test_agency import file_request, officer_password, signed_in_officer
from tests.edge.hub_process import HubProcess, pair_camera
from tests.owner.test_household import upload


def test_a_resident_answers_requests_from_the_command_line(
    tmp_path: Path, hub: HubProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    camera = pair_camera(hub.url)
    first, second = upload(tmp_path, hub, camera), upload(tmp_path, hub, camera)
    agency_config, home_config = tmp_path / "agency-machine", tmp_path / "home-machine"
    monkeypatch.setenv("DOORSTEP_CONFIG_DIR", str(home_config))
    save_credentials(Credentials(hub=hub.url, token=camera.owner.token))
    save_user_key(camera.owner.user_key)
    with signed_in_officer(agency_config, hub, officer_password(hub)) as officer:
        code, output = run(agency_config, "agency", "key")
        assert code == 0, output
        shared_request = file_request(officer, "CASE-INBOX-1")
        declined_request = file_request(officer, "CASE-INBOX-2")

    code, listed = run(home_config, "inbox", "list", "--json")
    assert code == 0, listed
    entries = {entry["request"]["id"]: entry for entry in json.loads(listed)["data"]}
    assert set(entries) == {shared_request["id"], declined_request["id"]}
    entry = entries[shared_request["id"]]["id"]
    code, shown = run_here(home_config, "inbox", "show", entry)
    assert code == 0, shown
    assert "Test Police" in shown and "CASE-INBOX-1" in shown
    assert str(first) in shown and str(second) in shown

    code, output = run(home_config, "inbox", "share", entry)
    assert code != 0 and "--all" in output and len(output.strip().splitlines()) == 1
    code, output = run_here(home_config, "inbox", "share", entry, str(first), "--days", "30")
    assert code == 0, output
    code, mine = run_here(home_config, "inbox", "shares", "--json")
    [share] = json.loads(mine)["data"]
    assert [clip["clip_id"] for clip in share["clips"]] == [str(first)]
    assert share["id"] in output.replace("\n", "")

    receipt = tmp_path / "receipt.json"
    code, output = run_here(home_config, "inbox", "receipt", share["id"], "--out", str(receipt))
    assert code == 0, output
    code, output = run_here(home_config, "evidence", "verify-receipt", str(receipt))
    assert code == 0, output
    assert "CASE-INBOX-1" in output

    code, output = run_here(home_config, "inbox", "withdraw", share["id"])
    assert code == 0, output
    package = tmp_path / "late.zip"
    code, output = run_here(agency_config, "agency", "package", share["id"], "--out", str(package))
    assert code != 0 and "409" in output and not package.exists()

    code, output = run_here(home_config, "inbox", "decline", entries[declined_request["id"]]["id"])
    assert code == 0, output
    code, listed = run_here(home_config, "inbox", "list", "--json")
    answers = {row["request"]["id"]: row["answer"] for row in json.loads(listed)["data"]}
    assert answers == {shared_request["id"]: "shared", declined_request["id"]: "declined"}
