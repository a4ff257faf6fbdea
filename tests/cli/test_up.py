"""`doorstep up` starts a demo neighbourhood, answers /healthz quickly, and stops cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.cli.processes import free_port, wait_healthy


def start(data: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "doorstep", "up", "--data", str(data), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    return output


def demo_password(output: str, email: str) -> str:
    line = next(line for line in output.splitlines() if email in line)
    return line.split("│")[3].strip()


def test_up_serves_the_demo_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start(tmp_path, port)
    try:
        wait_healthy(url, process)
        assert httpx.get(f"{url}/readyz").json()["status"] == "ready"
    finally:
        output = stop(process)
    assert "Doorstep stopped." in output
    assert url in output
    password = demo_password(output, "resident@doorstep.example")
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600

    # A second start keeps the data: the printed password still works, none is printed again.
    process = start(tmp_path, port)
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
    finally:
        output = stop(process)
    assert "resident@doorstep.example" not in output
    assert homes["count"] == 1
    assert cameras["count"] == 2
    assert {c["public_cell"][:2] for c in cameras["data"]} == {"88"}
