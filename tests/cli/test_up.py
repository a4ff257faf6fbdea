"""`doorstep up`: a demo neighbourhood, /healthz within 20 s, and the whole loop —
the demo edge's clips bring the demo police bureau's request to the demo resident's
inbox, and the README's tour walks it as written — then a clean stop on Ctrl-C or
SIGTERM, and a restart on the same data."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.cli.processes import free_port, wait_healthy
from tests.cli.tour import Tour, tour_commands

# Each tour command that must show something, and what (the tour's own words).
TOUR_SHOWS = {
    "/v1/auth/login": "csrf_token",
    "/v1/cameras": '"count":2',
    "keys recover": "Recovered key",
    "inbox list": "theft",
    "inbox show": "parcel",
    "keys decrypt": "Wrote",
    "inbox share": "Shared 1 clip(s) with Demo City Police Bureau",
    "verify-receipt": "The receipt receipt.json verifies.",
    "/v1/requests": '"clips_shared":1',
    "/v1/transparency": '"requests_with_share":1',
    "agency package": "Saved",
    "evidence verify evidence.zip": "The evidence package evidence.zip verifies.",
}
ACCOUNTS = ("resident@doorstep.example", "officer@police.doorstep.example")


def start(directory: Path, port: int, live_port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "doorstep",
            "up",
            "--data",
            "doorstep-data",
            "--port",
            str(port),
            "--live-port",
            str(live_port),
        ],
        cwd=directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )


def stop(process: subprocess.Popen[str], how: signal.Signals) -> str:
    process.send_signal(how)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    return output


def printed_passwords(process: subprocess.Popen[str]) -> dict[str, str]:
    """The demo passwords from the table ``up`` prints before it serves."""
    assert process.stdout is not None
    passwords: dict[str, str] = {}
    for line in process.stdout:
        cells = [cell.strip() for cell in line.split("│")]
        if len(cells) == 5 and cells[2] in ACCOUNTS:
            passwords[cells[2]] = cells[3]
        if "Doorstep hub on" in line:
            return passwords
    raise AssertionError("up ended before it served")


def wait_for_inbox(
    url: str, passwords: dict[str, str], process: subprocess.Popen[str], started: float
) -> float:
    """Seconds from ``started`` until the demo resident's inbox has a request: the
    acceptance is within two minutes of a fresh `doorstep up`."""
    with httpx.Client(base_url=url) as http:
        login = http.post(
            "/v1/auth/login", json={"email": ACCOUNTS[0], "password": passwords[ACCOUNTS[0]]}
        )
        assert login.status_code == 200, login.text
        while time.monotonic() - started < 120:
            assert process.poll() is None
            if http.get("/v1/inbox").json()["count"]:
                return time.monotonic() - started
            time.sleep(0.25)
    raise AssertionError("no request reached the demo resident's inbox within 2 minutes")


def test_up_plays_the_whole_loop_as_the_readme_tour_says(tmp_path: Path) -> None:
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    port, live_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    process = start(tmp_path, port, live_port)
    try:
        passwords = printed_passwords(process)
        assert set(passwords) == set(ACCOUNTS)
        assert wait_healthy(url, process) < 20
        assert httpx.get(f"{url}/readyz").json()["status"] == "ready"
        wait_for_inbox(url, passwords, process, started)
        tour = Tour(tmp_path, url, passwords)
        outputs = {command: tour.run(command) for command in tour_commands()}
    finally:
        output = stop(process, signal.SIGINT)
    assert "Doorstep stopped." in output
    assert "The demo police bureau filed request" in output
    for shown_by, expected in TOUR_SHOWS.items():
        [shown] = [out for command, out in outputs.items() if shown_by in command]
        assert expected in shown, (shown_by, shown)
    [shares] = [out for command, out in outputs.items() if "agency shares" in command]
    assert tour.found["SHARE_ID"] in shares
    assert (tmp_path / "clip.mp4").read_bytes()[4:8] == b"ftyp"
    assert [path.suffix for path in (tmp_path / "opened").rglob("*.mp4")]
    data = tmp_path / "doorstep-data"
    assert (data / "secret.key").stat().st_mode & 0o777 == 0o600
    assert (data / "agency.key").stat().st_mode & 0o777 == 0o600

    # A second start keeps the data: the printed password still works, none is printed
    # again, and the demo request is not filed again.
    process = start(tmp_path, port, live_port)
    try:
        wait_healthy(url, process)
        with httpx.Client(base_url=url) as http:
            login = http.post(
                "/v1/auth/login", json={"email": ACCOUNTS[0], "password": passwords[ACCOUNTS[0]]}
            )
            assert login.status_code == 200, login.text
            homes = http.get("/v1/homes").json()
            cameras = http.get("/v1/cameras").json()
    finally:
        output = stop(process, signal.SIGTERM)
    assert "resident@doorstep.example" not in output
    assert "Using the existing data" in output and "Doorstep stopped." in output
    assert homes["count"] == 1
    assert {camera["public_cell"][:2] for camera in cameras["data"]} == {"88"}
