"""`doorstep up --lan`: HTTPS on every address of the machine with the local CA it made
(and says how to trust, with the fingerprint to compare); `up` without --lan refuses to
serve plain http to the network."""

from __future__ import annotations

import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from doorstep.cli import main
from doorstep.tls import fingerprint, load_certificate, machine_addresses
from tests.cli.processes import free_port


def wait_https(url: str, context: ssl.SSLContext, process: subprocess.Popen[str]) -> None:
    started = time.monotonic()
    while time.monotonic() - started < 60:
        assert process.poll() is None, process.communicate()[0]
        try:
            if httpx.get(f"{url}/healthz", verify=context, timeout=1).status_code == 200:
                return
        except httpx.ConnectError as exc:
            assert "CERTIFICATE" not in str(exc), exc
        except httpx.TimeoutException:
            pass  # the socket listens before the app has started
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer over HTTPS within 60 s")


def test_up_lan_serves_https_on_the_machine_addresses(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "doorstep", "up", "--lan", "--no-edge", "--port", str(port)]
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "200"}
    process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    ca = tmp_path / "doorstep-data" / "tls" / "doorstep-local-ca.crt"
    try:
        started = time.monotonic()
        while not ca.exists():
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() - started < 60
            time.sleep(0.2)
        trusting = ssl.create_default_context(cafile=str(ca))
        wait_https(f"https://127.0.0.1:{port}", trusting, process)
        lan = [address for address in machine_addresses() if address.version == 4]
        for address in lan[:1]:
            answer = httpx.get(f"https://{address}:{port}/healthz", verify=trusting, timeout=5)
            assert answer.headers["strict-transport-security"]
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"https://127.0.0.1:{port}/healthz", timeout=5)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert fingerprint(load_certificate(ca)) in output
    for where in ("Debian/Ubuntu", "macOS", "Windows", "Android", "iOS", "Firefox"):
        assert f"  {where}" in output
    if lan:
        assert f"https://{lan[0]}:{port}" in output


def test_up_on_the_network_without_lan_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        sys, "argv", ["doorstep", "up", "--data", str(tmp_path / "data"), "--host", "0.0.0.0"]
    )
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "refusing plain http on 0.0.0.0" in line and "doorstep up --lan" in line
    assert not (tmp_path / "data").exists()  # refused before anything was made
