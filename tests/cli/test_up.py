"""`doorstep up`: a demo neighbourhood, /healthz within 20 s, a demo edge feeding it events,
and a clean stop on Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.cli.processes import free_port, wait_healthy


def start(data: Path, port: int, live_port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "doorstep",
            "up",
            "--data",
            str(data),
            "--port",
            str(port),
            "--live-port",
            str(live_port),
        ],
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


def demo_password(output: str, email: str) -> str:
    line = next(line for line in output.splitlines() if email in line)
    return line.split("│")[3].strip()


def test_up_serves_the_demo_and_stops_cleanly(tmp_path: Path) -> None:
    port, live_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    process = start(tmp_path, port, live_port)
    try:
        assert wait_healthy(url, process) < 20
        assert httpx.get(f"{url}/readyz").json()["status"] == "ready"
        [request] = httpx.get(f"{url}/v1/requests").json()["data"]
    finally:
        output = stop(process, signal.SIGINT)
    assert "Doorstep stopped." in output
    assert url in output
    password = demo_password(output, "resident@doorstep.example")
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600
    # The demo neighbourhood has a public request from the demo police bureau, whose
    # private key stays with its client (here, a 0600 file beside the data).
    assert (request["agency"], request["status"]) == ("Demo City Police Bureau", "open")
    assert (tmp_path / "agency.key").stat().st_mode & 0o777 == 0o600

    # A second start keeps the data: the printed password still works, none is printed
    # again, and the demo edge's generated cameras bring events to the demo home.
    process = start(tmp_path, port, live_port)
    try:
        wait_healthy(url, process)
        with httpx.Client(base_url=url) as http:
            login = http.post(
                "/v1/auth/login",
                json={"email": "resident@doorstep.example", "password": password},
            )
            assert login.status_code == 200, login.text
            cameras = http.get("/v1/cameras").json()
            homes = http.get("/v1/homes").json()
            deadline = time.monotonic() + 120
            clips = 0
            while clips == 0 and time.monotonic() < deadline:
                time.sleep(2)
                clips = sum(
                    http.get(f"/v1/cameras/{camera['id']}/clips").json()["count"]
                    for camera in cameras["data"]
                )
    finally:
        output = stop(process, signal.SIGTERM)
    assert "resident@doorstep.example" not in output
    assert "Doorstep stopped." in output
    assert homes["count"] == 1
    assert cameras["count"] == 2
    assert {c["public_cell"][:2] for c in cameras["data"]} == {"88"}
    assert clips >= 1, "the demo edge recorded nothing in 2 minutes"
