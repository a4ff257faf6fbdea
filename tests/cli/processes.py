"""Helpers for tests that run `doorstep` as a real process, or in this one."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_healthy(url: str, process: subprocess.Popen[str], limit: float = 20.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"/healthz did not answer within {limit} s")


def run(config: Path, *arguments: str, **env: str) -> tuple[int, str]:
    """The real command in a child process, with ``config`` as the client directory: its
    exit code, and stdout and stderr together."""
    result = subprocess.run(
        [sys.executable, "-m", "doorstep", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DOORSTEP_CONFIG_DIR": str(config), "COLUMNS": "200", **env},
    )
    return result.returncode, result.stdout + result.stderr


def run_here(config: Path, *arguments: str, **env: str) -> tuple[int, str]:
    """`doorstep ARGUMENTS` as the installed command runs it (``main()``, its error lines
    and exit codes) but in this process, with ``config`` as the client directory: its exit
    code, and stdout and stderr together. For tests of what a command does; each command
    also has a test that runs the real process."""
    # Imported here: tests/conftest.py imports this module before the CLI's consoles may be made.
    from doorstep.cli import main

    out, err = io.StringIO(), io.StringIO()
    environment: Mapping[str, str] = {
        "DOORSTEP_CONFIG_DIR": str(config),
        "COLUMNS": "200",
        **env,
    }
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(out), redirect_stderr(err):
        for name, value in environment.items():
            patch.setenv(name, value)
        patch.setattr(sys, "argv", ["doorstep", *arguments])
        try:
            main()
            code = 0
        except SystemExit as exited:
            code = exited.code if isinstance(exited.code, int) else int(exited.code is not None)
    return code, out.getvalue() + err.getvalue()
