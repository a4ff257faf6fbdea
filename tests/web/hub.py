"""A real hub over HTTPS for the web tests: `doorstep hub serve --tls-cert --tls-key` in a
child process, on SQLite, with a test CA made by ``doorstep.tls``; and accounts of each
role made on it (residents through the API as their client does, agency members and
admins on the database as an admin does)."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import httpx
from sqlalchemy.orm import Session

from doorstep.hub.accounts.admin_service import create_admin
from doorstep.hub.agencies.models import AgencyKind
from doorstep.hub.agencies.service import add_agency_member, create_agency, verify_agency
from doorstep.hub.audit.service import session_info
from doorstep.hub.db import make_engine, make_session_factory, transaction
from doorstep.settings import Settings
from doorstep.tls import LocalTls, ensure_local_tls, load_certificate, spki_pin
from tests.cli.processes import free_port
from tests.hub.actors import JURISDICTION
from tests.owner.residents import Resident, sign_up, with_key

SECRET_KEY = "web-tests-secret-key-long-enough-0123456"
_serial = count(1)


@dataclass(frozen=True)
class Account:
    """Who signs in on a page: any role."""

    email: str
    password: str
    role: str  # "resident", "agency_member" or "admin"
    user_id: uuid.UUID
    agency_id: uuid.UUID | None = None


class HttpsHub:
    """``url`` is https://127.0.0.1:<port>; ``ca`` the test CA (PEM) a client trusts;
    ``pin`` the server key's SPKI hash that Chromium is told to accept."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.data_dir = directory / "hub"
        self.tls: LocalTls = ensure_local_tls(directory / "tls", hostname="localhost", addresses=[])
        self.ca = self.tls.ca
        self.pin = spki_pin(load_certificate(self.tls.certificate))
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.database_url = f"sqlite:///{self.data_dir / 'doorstep.db'}"
        self.settings = Settings(data_dir=self.data_dir, database_url=self.database_url)
        self.process: subprocess.Popen[str] | None = None
        self.log = directory / "hub.log"

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))

    def start(self) -> None:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DOORSTEP_DATA_DIR": str(self.data_dir),
            "DOORSTEP_SECRET_KEY": SECRET_KEY,
            "DOORSTEP_AUDIT_CHECKPOINT_INTERVAL_S": "1",
        }
        if "PYTHONPATH" in os.environ:  # a mutation run's copy of the source
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        tls = ["--tls-cert", str(self.tls.certificate), "--tls-key", str(self.tls.key)]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "doorstep", "hub", "serve", "--port", str(self.port), *tls],
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
                env=env,
            )
        started = time.monotonic()
        context = self.ssl_context()
        while time.monotonic() - started < 60:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.url}/healthz", verify=context, timeout=2).is_success:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError(f"the HTTPS hub did not answer within 60 s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.process = None

    @contextmanager
    def trusted(self) -> Iterator[None]:
        """While inside: httpx clients made with default settings (the owner's and the
        agency's clients) trust the test CA, and the owner's client keeps its trust
        store under this hub's directory."""
        saved = {name: os.environ.get(name) for name in ("SSL_CERT_FILE", "DOORSTEP_CONFIG_DIR")}
        os.environ["SSL_CERT_FILE"] = str(self.ca)
        os.environ["DOORSTEP_CONFIG_DIR"] = str(self.directory / "client-config")
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    # Accounts: each call makes a new one with its own email.

    def resident(self, *, keys: bool = True) -> Resident:
        """A resident signed up through the API (with a published key unless ``keys`` is
        False); ``.email``/``.password`` sign in, ``.api()`` calls the hub as their client."""
        number = next(_serial)
        with self.trusted():
            made = sign_up(self.url, f"resident{number}@web.doorstep.example", f"Resident {number}")
            return with_key(made) if keys else made

    def resident_account(self, resident: Resident) -> Account:
        return Account(resident.email, resident.password, "resident", resident.user_id)

    def agency_member(self) -> Account:
        """The member of a new verified agency (police, the test jurisdiction)."""
        number = next(_serial)
        email = f"officer{number}@web.doorstep.example"
        with self._transaction() as session:
            agency = create_agency(
                session,
                actor=None,
                name=f"Web Test Police {number}",
                kind=AgencyKind.POLICE,
                contact_email="records@web.doorstep.example",
                jurisdiction=JURISDICTION,
            )
            verify_agency(session, actor=None, agency_id=agency.id)
            officer, password = add_agency_member(
                session,
                actor=None,
                settings=self.settings,
                agency_id=agency.id,
                email=email,
                display_name=f"Officer {number}",
            )
            return Account(email, password, "agency_member", officer.id, agency.id)

    def admin(self) -> Account:
        number = next(_serial)
        email, password = f"admin{number}@web.doorstep.example", f"admin password {number:04d}"
        with self._transaction() as session:
            user = create_admin(
                session,
                settings=self.settings,
                email=email,
                password=password,
                display_name=f"Admin {number}",
            )
            return Account(email, password, "admin", user.id)

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        engine = make_engine(self.database_url)
        try:
            sessions = make_session_factory(engine, info=session_info(SECRET_KEY.encode()))
            with transaction(sessions) as session:
                yield session
        finally:
            engine.dispose()
