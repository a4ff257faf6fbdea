"""Every command answers --help, and failures are one readable line with a non-zero exit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer.main
from typer.testing import CliRunner

from doorstep.cli import app


def command_paths() -> list[list[str]]:
    root = typer.main.get_command(app)
    paths: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        paths.append(path)
        for name, child in getattr(command, "commands", {}).items():
            walk(child, [*path, name])

    walk(root, [])
    return paths


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "doorstep", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_every_command_has_help() -> None:
    paths = command_paths()
    assert ["up"] in paths and ["hub", "serve"] in paths and ["bench", "api"] in paths
    # The installed program answers; then each command, in this process (a process each
    # took about a second and a half of CPU for the same help).
    result = run("--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    for path in paths:
        answered = CliRunner().invoke(app, [*path, "--help"])
        assert answered.exit_code == 0, (path, answered.output)
        assert "Usage:" in answered.stdout


def test_configuration_errors_are_one_line(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DOORSTEP_ENVIRONMENT": "production"}
    result = run("up", "--data", str(tmp_path), env=env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: DOORSTEP_SECRET_KEY or DOORSTEP_SECRET_KEY_FILE must be set in production"
    ]
    result = run("up", "--data", str(tmp_path), env={**env, "DOORSTEP_MAX_BODY_BYTES": "lots"})
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "DOORSTEP_MAX_BODY_BYTES" in result.stderr
