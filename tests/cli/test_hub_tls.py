"""`doorstep hub serve` over HTTPS: a client that trusts the local CA gets /healthz, one
that doesn't is refused; plain http on an address other machines reach is refused in one
line; the key file must be 0600; HSTS only over HTTPS."""

from __future__ import annotations

import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from doorstep.cli import main
from doorstep.hub.app import create_app
from doorstep.settings import Settings
from doorstep.tls import ensure_local_tls
from tests.cli.processes import free_port

ENV = {
    "PATH": "/usr/bin:/bin",
    "COLUMNS": "200",
    "DOORSTEP_SECRET_KEY": "a-test-secret-key-that-is-long-enough",
}


def serve(tmp_path: Path, *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "doorstep", "hub", "serve", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**ENV, "DOORSTEP_DATA_DIR": str(tmp_path / "hub")},
    )


def refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *options: str
) -> str:
    """The one line `doorstep hub serve` refuses ``options`` with (run in this process:
    the refusal comes before uvicorn starts)."""
    monkeypatch.setattr(sys, "argv", ["doorstep", "hub", "serve", *options])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code != 0
    errors = capsys.readouterr().err
    lines = errors.strip().splitlines()
    assert len(lines) == 1, errors
    return lines[0]


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20"])
def test_plain_http_off_loopback_is_refused(
    host: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    line = refused(capsys, monkeypatch, "--host", host)
    assert line.startswith(f"error: refusing plain http on {host}:")
    assert "WebCrypto" in line and "--tls-cert" in line and "doorstep up --lan" in line


def test_tls_options_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tls = ensure_local_tls(tmp_path / "tls", hostname="localhost", addresses=[])
    alone = refused(capsys, monkeypatch, "--tls-cert", str(tls.certificate))
    assert "--tls-cert and --tls-key go together" in alone
    tls.key.chmod(0o644)
    readable = refused(
        capsys, monkeypatch, "--tls-cert", str(tls.certificate), "--tls-key", str(tls.key)
    )
    assert "--tls-key" in readable and "must have mode 0600 (it is 644)" in readable


def test_hub_serves_https_to_clients_that_trust_the_ca(tmp_path: Path) -> None:
    tls = ensure_local_tls(tmp_path / "tls", hostname="localhost", addresses=[])
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    process = serve(
        tmp_path,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--tls-cert",
        str(tls.certificate),
        "--tls-key",
        str(tls.key),
    )
    trusting = ssl.create_default_context(cafile=str(tls.ca))
    try:
        started = time.monotonic()
        while True:
            assert process.poll() is None, process.communicate()
            try:
                healthz = httpx.get(f"{url}/healthz", verify=trusting, timeout=1)
                break
            except httpx.ConnectError as exc:
                assert "CERTIFICATE" not in str(exc), exc
                assert time.monotonic() - started < 30, "no answer over HTTPS within 30 s"
                time.sleep(0.2)
        assert healthz.status_code == 200
        assert healthz.headers["strict-transport-security"] == "max-age=31536000"
        # A client with only the public roots refuses the local certificate.
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{url}/healthz", timeout=5)
        # Plain http to the TLS port gets no page.
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        # The name localhost is in the certificate too.
        with httpx.Client(verify=trusting) as http:
            assert http.get(f"https://localhost:{port}/healthz").status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    # uvicorn stops cleanly, then re-raises SIGTERM for the default handler.
    assert process.returncode in (0, -signal.SIGTERM)


async def test_hsts_only_over_https(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, secret_key=SecretStr("hsts-tests-secret-key-long-enough-0123")
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        for scheme, expected in (("https", True), ("http", False)):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url=f"{scheme}://hub.test"
            ) as http:
                answer = await http.get("/healthz")
            assert answer.status_code == 200
            assert ("strict-transport-security" in answer.headers) is expected, scheme
