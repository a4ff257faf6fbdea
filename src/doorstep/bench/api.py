"""``doorstep bench api``: the hub's HTTP speed against a bare Starlette app, in one run.

Both run as ``python -m uvicorn --factory`` in a child process on 127.0.0.1, away from the
load generator's GIL. The load is a closed loop: workers on their own keep-alive
connections send requests back to back for a fixed time after a short warm-up, through
raw HTTP/1.1 on asyncio; httpx costs more per request than the baseline does.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from doorstep.errors import DoorstepError
from doorstep.hub.accounts.models import Role
from doorstep.hub.accounts.service import create_user, issue_token
from doorstep.hub.db import make_engine, make_session_factory, transaction
from doorstep.hub.homes.service import create_camera, create_home
from doorstep.hub.migrate import upgrade_database
from doorstep.settings import Settings

HUB_FACTORY = "doorstep.hub.app:create_app"
BASELINE_FACTORY = "doorstep.bench.api:baseline_app"
# Rows in the order they are measured: name, server, path, authenticated.
TARGETS = (
    ("baseline", BASELINE_FACTORY, "/healthz", False),
    ("healthz", HUB_FACTORY, "/healthz", False),
    ("cameras", HUB_FACTORY, "/v1/cameras", True),
)


def baseline_app() -> Starlette:
    """The yardstick: one route that returns a constant, and nothing else."""

    async def constant(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/healthz", constant)])


@dataclass(frozen=True)
class TargetResult:
    path: str
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


@dataclass(frozen=True)
class ApiBenchResult:
    seconds: float
    concurrency: int
    targets: dict[str, TargetResult]

    @property
    def ratio(self) -> float:
        """The hub's ``/healthz`` requests/s as a fraction of the baseline's."""
        baseline = self.targets["baseline"].rps
        return self.targets["healthz"].rps / baseline if baseline > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "doorstep_rps": self.targets["healthz"].rps,
            "baseline_rps": self.targets["baseline"].rps,
            "ratio": self.ratio,
            "seconds": self.seconds,
            "concurrency": self.concurrency,
            "targets": {name: asdict(target) for name, target in self.targets.items()},
        }


def run_api_bench(
    *, seconds: float = 5.0, concurrency: int = 16, progress: Callable[[str], None] | None = None
) -> ApiBenchResult:
    """Seed a throwaway hub, serve it and the baseline, and load each target in turn."""
    report = progress or (lambda message: None)
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as tmp:
        data_dir = Path(tmp)
        settings, env = hub_config(data_dir)
        report("seeding a throwaway hub: 1 resident, 1 home, 3 cameras, 1 token")
        token = seed_hub(settings)
        report("starting the hub and the baseline")
        with serve([HUB_FACTORY, BASELINE_FACTORY], env, data_dir) as ports:
            results: dict[str, TargetResult] = {}
            for name, factory, path, authenticated in TARGETS:
                report(f"loading {name} (GET {path}) for {seconds:g} s, {concurrency} workers")
                auth = f"Authorization: Bearer {token}\r\n" if authenticated else ""
                load = _load(ports[factory], path, auth, seconds, concurrency)
                results[name] = asyncio.run(load)
        return ApiBenchResult(seconds=seconds, concurrency=concurrency, targets=results)


def hub_config(data_dir: Path) -> tuple[Settings, dict[str, str]]:
    """A throwaway hub's settings in ``data_dir``, and the environment giving them to a child.

    Every setting is spelled out, so none leaks in from the caller's DOORSTEP_* variables.
    """
    config = {
        "environment": "development",
        "data_dir": str(data_dir),
        "database_url": f"sqlite:///{data_dir / 'doorstep.db'}",
        "storage_url": (data_dir / "blobs").as_uri(),
        "bus_url": "memory://",
        "secret_key": secrets.token_urlsafe(36),
    }
    env = {key: value for key, value in os.environ.items() if not key.startswith("DOORSTEP_")}
    env |= {f"DOORSTEP_{key.upper()}": value for key, value in config.items()}
    return Settings.model_validate(config), env


def seed_hub(settings: Settings) -> str:
    """Migrate and fill the database so ``GET /v1/cameras`` returns real rows."""
    engine = make_engine(settings.resolved_database_url())
    try:
        upgrade_database(engine)
        with transaction(make_session_factory(engine)) as session:
            user = create_user(
                session,
                settings=settings,
                email="bench@example.com",
                password=secrets.token_urlsafe(24),
                display_name="Bench",
                role=Role.RESIDENT,
            )
            home = create_home(session, user=user, name="Bench home", retention_days=30)
            for number in range(3):
                create_camera(
                    session,
                    user=user,
                    home_id=home.id,
                    name=f"Camera {number + 1}",
                    latitude=51.5 + number / 1000,
                    longitude=-0.12,
                    audio_enabled=False,
                )
            _, token = issue_token(
                session, secret_key=settings.resolved_secret_key(), name="bench", user_id=user.id
            )
    finally:
        engine.dispose()
    return token


@contextmanager
def serve(factories: list[str], env: dict[str, str], log_dir: Path) -> Iterator[dict[str, int]]:
    """Run each app factory under uvicorn in a child process; yield their ports once all answer."""
    with ExitStack() as stack:
        started: dict[str, tuple[int, subprocess.Popen[bytes]]] = {}
        for factory in factories:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = int(probe.getsockname()[1])
            command = [sys.executable, "-m", "uvicorn", "--factory", factory, "--port", str(port)]
            command += ["--host", "127.0.0.1", "--log-level", "warning", "--no-access-log"]
            with (log_dir / f"{port}.log").open("wb") as log:
                process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            stack.callback(_stop, process)
            started[factory] = port, process
        for factory, (port, process) in started.items():
            _wait_until_up(factory, port, process, log_dir / f"{port}.log")
        yield {factory: port for factory, (port, _) in started.items()}


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until_up(factory: str, port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30.0  # the hub applies its migrations first
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    state = "exited" if process.poll() is not None else "did not answer in time"
    output = log.read_text(errors="replace")[-2000:].strip() or "no output"
    raise DoorstepError(f"{factory} {state}: {output}")


async def _load(port: int, path: str, headers: str, seconds: float, workers: int) -> TargetResult:
    """Closed loop: each worker sends on its own connection until the time is up."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode()
    measured_from = time.perf_counter() + min(1.0, seconds / 5)  # warm-up before this
    deadline = measured_from + seconds
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        writer = None
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            while (started := time.perf_counter()) < deadline:
                status = await _fetch(reader, writer, request)
                if started < measured_from:
                    continue
                if 200 <= status < 300:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors += 1
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            errors += 1  # the connection broke: count it and retire this worker
        finally:
            if writer is not None:
                writer.close()

    await asyncio.gather(*(worker() for _ in range(workers)))
    elapsed = max(time.perf_counter(), deadline) - measured_from  # past the last response
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return TargetResult(
        path=path,
        requests=len(latencies),
        rps=len(latencies) / elapsed,
        p50_ms=cuts[49] * 1000,
        p99_ms=cuts[98] * 1000,
        errors=errors,
    )


async def _fetch(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """Send one request on a keep-alive connection, read the whole response, return its status."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            await reader.readexactly(int(value))
            return int(head[9:12])
    raise ValueError("response without Content-Length")  # both servers always send one
