"""`doorstep admin create`: a hub's first admin, made on its own machine, on both backends."""

from __future__ import annotations

import fcntl
import functools
import json
import os
import pty
import subprocess
import sys
import termios
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr
from sqlalchemy import select

from doorstep.cli import main
from doorstep.hub.accounts.models import Role, User
from doorstep.hub.app import create_app
from doorstep.hub.audit.models import AuditEntry
from doorstep.hub.state import HubState
from doorstep.settings import Settings, get_settings

EMAIL = "ops@hub.example"
PASSWORD = "a long and secret passphrase"
SECRET_KEY = "admin-test-secret-key-" + "k" * 32


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "hub",
        database_url=database_url,
        storage_url=(tmp_path / "blobs").as_uri(),
        bus_url="memory://",
        secret_key=SecretStr(SECRET_KEY),
    )


def hub_environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The DOORSTEP_* settings `doorstep hub serve` would get, and nothing of the caller's."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
    return {
        **inherited,
        "DOORSTEP_DATA_DIR": str(settings.data_dir),
        "DOORSTEP_DATABASE_URL": settings.resolved_database_url(),
        "DOORSTEP_SECRET_KEY": SECRET_KEY,
        **extra,
    }


def admin_create(
    settings: Settings, *arguments: str, password: str | None = PASSWORD
) -> subprocess.CompletedProcess[str]:
    """The real command, with no terminal: stdin is /dev/null."""
    extra = {"DOORSTEP_PASSWORD": password} if password is not None else {}
    return subprocess.run(
        [sys.executable, "-m", "doorstep", "admin", "create", *arguments],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        env=hub_environment(settings, **extra),
    )


@pytest.fixture
def admin_create_here(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """The same command in this process, with the same settings and no terminal (pytest's
    stdin): it runs what ``admin_create`` runs but for the interpreter start and the
    production password hash, which the tests that run the real process cover."""

    def run(*arguments: str, **extra: str) -> subprocess.CompletedProcess[str]:
        argv = ["doorstep", "admin", "create", *arguments]
        with monkeypatch.context() as patch:
            for name in [name for name in os.environ if name.startswith("DOORSTEP_")]:
                patch.delenv(name)
            for name, value in hub_environment(settings, **extra).items():
                patch.setenv(name, value)
            patch.setattr(sys, "argv", argv)
            get_settings.cache_clear()
            try:
                main()
                code = 0
            except SystemExit as exited:
                code = 0 if exited.code is None else int(exited.code)
            finally:
                get_settings.cache_clear()
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(argv, code, captured.out, captured.err)

    return run


def refused(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    """Exit 1 and one readable line on stderr, naming what was wrong; no secret shown."""
    assert result.returncode == 1, result
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ")
    for needle in needles:
        assert needle in line, line
    assert PASSWORD not in result.stdout + result.stderr


@asynccontextmanager
async def running_hub(settings: Settings) -> AsyncIterator[tuple[HubState, AsyncClient]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, client=("198.51.100.9", 50000))
        async with AsyncClient(transport=transport, base_url="http://hub.test") as http:
            yield app.state.hub, http


def admins(hub: HubState) -> list[str]:
    with hub.sessions() as session:
        return sorted(session.scalars(select(User.email).where(User.role == Role.ADMIN)))


async def test_the_first_admin_can_sign_in_and_administer(settings: Settings) -> None:
    result = admin_create(settings, "--email", EMAIL.upper(), "--name", "Robin Ops")

    assert result.returncode == 0, result.stderr
    assert EMAIL in result.stdout and PASSWORD not in result.stdout + result.stderr
    async with running_hub(settings) as (hub, http):
        wrong = await http.post("/v1/auth/login", json={"email": EMAIL, "password": "x" * 20})
        assert wrong.status_code == 401
        signed_in = await http.post("/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["user"]["role"] == "admin"
        users = await http.get("/v1/admin/users")
        assert users.status_code == 200, users.text
        assert [user["email"] for user in users.json()["data"]] == [EMAIL]
        with hub.sessions() as session:
            [entry] = session.scalars(
                select(AuditEntry).where(AuditEntry.action == "account.admin_created")
            )
        public = json.loads(entry.public)
        assert public["actor"] == {"kind": "system"}
        assert public["objects"]["admin"] == "Robin Ops"
        assert EMAIL not in entry.public.decode() and EMAIL in (entry.private or "")


async def test_a_second_admin_only_when_asked_for(
    settings: Settings, admin_create_here: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    create = functools.partial(admin_create_here, DOORSTEP_PASSWORD=PASSWORD)
    first = create("--email", EMAIL)
    assert first.returncode == 0, first.stderr

    refused(create("--email", "second@hub.example"), "1 admin", "--another")
    refused(create("--email", EMAIL, "--another"), EMAIL, "exists already")
    added = create("--email", "second@hub.example", "--another")
    assert added.returncode == 0, added.stderr

    async with running_hub(settings) as (hub, http):
        assert admins(hub) == [EMAIL, "second@hub.example"]
        signed_in = await http.post(
            "/v1/auth/login", json={"email": "second@hub.example", "password": PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text


async def test_bad_passwords_and_emails_are_refused(
    settings: Settings, admin_create_here: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    short = "x" * (settings.password_min_length - 1)
    # The installed command's exit code and one line, then the other refusals in-process.
    refused(admin_create(settings, "--email", EMAIL, password=short), "at least 12 characters")
    refused(admin_create_here("--email", EMAIL), "DOORSTEP_PASSWORD")
    refused(
        admin_create_here("--email", "not-an-address", DOORSTEP_PASSWORD=PASSWORD),
        "--email",
        "not-an-address",
    )
    stricter = admin_create_here(
        "--email", EMAIL, DOORSTEP_PASSWORD=PASSWORD, DOORSTEP_PASSWORD_MIN_LENGTH="40"
    )
    refused(stricter, "at least 40 characters")

    async with running_hub(settings) as (hub, _):
        assert admins(hub) == []


def test_a_fresh_hub_asks_on_the_terminal_without_echo(tmp_path: Path) -> None:
    """No database yet and no DOORSTEP_PASSWORD: the terminal is asked, twice, silently."""
    data_dir = tmp_path / "fresh"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
    environment |= {"DOORSTEP_DATA_DIR": str(data_dir), "DOORSTEP_SECRET_KEY": SECRET_KEY}
    controller, terminal = pty.openpty()

    def own_the_terminal() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        [sys.executable, "-m", "doorstep", "admin", "create", "--email", EMAIL],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=environment,
        start_new_session=True,
        preexec_fn=own_the_terminal,
    )
    os.close(terminal)
    seen = b""

    def read(until: bytes | None) -> None:
        """Read the terminal until ``until`` shows, or to the end (EIO once the child exits)."""
        nonlocal seen
        while until is None or until not in seen:
            try:
                chunk = os.read(controller, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                assert until is None, seen
                return
            seen += chunk

    try:
        for prompt in (b"Password: ", b"Repeat for confirmation: "):
            read(prompt)
            os.write(controller, PASSWORD.encode() + b"\n")
        read(None)
    finally:
        os.close(controller)
    assert process.wait(timeout=120) == 0, seen
    assert b"Created admin " + EMAIL.encode() in seen
    assert PASSWORD.encode() not in seen
    assert (data_dir / "doorstep.db").exists()
