"""`doorstep edge pair` against a real hub: key and token files, a starter config."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import httpx
from typer.testing import CliRunner

from doorstep.cli import app
from doorstep.edge.config import load_edge_config
from tests.cli.processes import free_port
from tests.edge.hub_process import HubProcess, create_home


def test_pair_writes_private_files_and_a_config(tmp_path: Path, hub: HubProcess) -> None:
    home = create_home(hub.url)
    data, config = tmp_path / "edge-data", tmp_path / "conf" / "edge.toml"
    config.parent.mkdir()
    result = CliRunner().invoke(
        app,
        [
            "edge",
            "pair",
            home.pairing_code(hub.url),
            "--hub",
            hub.url,
            "--data",
            str(data),
            "--name",
            "Garage box",
            "--write-config",
            str(config),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["device"]["name"] == "Garage box"
    assert [c["id"] for c in answer["cameras"]] == [str(home.camera_id)]
    for secret in ("device.key", "edge-token"):
        assert stat.S_IMODE((data / secret).stat().st_mode) == 0o600
    token = (data / "edge-token").read_text()
    assert token not in result.output
    device = httpx.get(f"{hub.url}/v1/device", headers={"Authorization": f"Bearer {token}"})
    assert device.status_code == 200
    loaded = load_edge_config(config)
    assert loaded.cameras[0].id == home.camera_id
    assert loaded.hub.url == hub.url
    # Paths in the file are relative to it, wherever it was written from.
    assert (config.parent / loaded.hub.token_file).resolve() == (data / "edge-token").resolve()
    assert (config.parent / loaded.data_dir).resolve() == data.resolve()


def test_a_used_code_is_one_clear_error(tmp_path: Path, hub: HubProcess) -> None:
    home = create_home(hub.url)
    code = home.pairing_code(hub.url)
    runner = CliRunner()
    first = runner.invoke(
        app, ["edge", "pair", code, "--hub", hub.url, "--data", str(tmp_path / "a")]
    )
    assert first.exit_code == 0, first.output
    again = runner.invoke(
        app, ["edge", "pair", code, "--hub", hub.url, "--data", str(tmp_path / "b")]
    )
    assert again.exit_code == 1
    assert "used already" in again.output
    assert not (tmp_path / "b" / "edge-token").exists()


def test_an_unreachable_hub_is_one_clear_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(
        app, ["edge", "pair", "AAAAA-AAAAA", "--hub", url, "--data", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "can't reach the hub" in result.output
