"""`doorstep hub serve --workers 2`: workers share one fresh database and every session."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.cli.processes import free_port, wait_healthy


def test_two_workers_share_state(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "PATH": "/usr/bin:/bin",
        "DOORSTEP_ENVIRONMENT": "production",
        "DOORSTEP_DATA_DIR": str(tmp_path),
        "DOORSTEP_SECRET_KEY": "a-test-secret-key-that-is-long-enough",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "doorstep", "hub", "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        wait_healthy(url, process, limit=30)
        account = {"email": "pat@doorstep.example", "password": "a long enough password"}
        with httpx.Client(base_url=url) as http:
            created = http.post("/v1/accounts", json={**account, "display_name": "Pat"})
            assert created.status_code == 201, created.text
            login = http.post("/v1/auth/login", json=account)
            assert login.status_code == 200
            # New connections land on either worker; each must know the session.
            for _ in range(10):
                me = httpx.get(f"{url}/v1/me", cookies=http.cookies)
                assert me.status_code == 200
            assert http.get("/readyz").json()["status"] == "ready"
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert not (tmp_path / "secret.key").exists()  # production never invents a key
