"""Bad configurations and unreachable cameras: one clear line, a non-zero exit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.processes import free_port
from tests.edge.hub_process import HubProcess, create_home, pair_with_cli

CAMERA = """
[[cameras]]
id = "6f1c1c1e-0000-4000-8000-000000000001"
name = "Door"
source = {{ type = "rtsp", url = "{url}" }}
"""


def doorstep(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "doorstep", *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "\n[cameras.motion]\nthreshhold = 20\n",
            "edge.toml:8: cameras.0.motion.threshhold: unknown key",
        ),
        (
            '\n[[cameras.zones]]\nname = "path"\npolygon = [[0, 0], [1, 1], [1, 0], [0, 1]]\n',
            "cameras.0.zones.0.polygon: the polygon crosses itself",
        ),
        (
            "\n[[cameras.privacy_zones]]\npolygon = [[0, 0], [1.5, 0], [1, 1]]\n",
            "cameras.0.privacy_zones.0.polygon: polygon points are fractions of the frame",
        ),
        ("\n[twins]\nthreads = 0\n", "edge.toml:8: twins.threads: Input should be greater"),
        (
            "\n[cameras.track]\nmax_gap_s = 3\nquiet_s = 2\n",
            "edge.toml:7: cameras.0.track: max_gap_s is the old name of quiet_s: keep only quiet_s",
        ),
    ],
)
def test_bad_configuration_is_one_line_naming_the_key(
    tmp_path: Path, extra: str, expected: str
) -> None:
    config = tmp_path / "edge.toml"
    config.write_text(CAMERA.format(url="rtsp://127.0.0.1:1/x") + extra)
    result = doorstep("edge", "run", "--config", str(config))
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert expected in line, line
    assert not (tmp_path / "edge-data").exists()  # nothing half-written


def test_check_names_an_unreachable_camera(tmp_path: Path, hub: HubProcess) -> None:
    home = create_home(hub.url)
    data = tmp_path / "edge-data"
    config = tmp_path / "edge.toml"
    pair_with_cli(hub.url, home, data, write_config=config)
    port = free_port()  # nothing listens there
    text = config.read_text().replace(
        "rtsp://camera.local/stream", f"rtsp://user:secret@127.0.0.1:{port}/live"
    )
    config.write_text(text)
    result = doorstep("edge", "check", "--config", str(config), "--json")
    assert result.returncode == 1
    assert "secret" not in result.stdout + result.stderr
    assert f"127.0.0.1:{port}" in result.stdout
