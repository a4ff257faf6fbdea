"""The demo edge `doorstep up` runs: the demo home's cameras as generated scenes."""

from __future__ import annotations

import uuid
from pathlib import Path

from doorstep.edge.identity import write_secret

CONFIG = """\
# The demo edge of `doorstep up`: the demo home's cameras, played from generated scenes.
data_dir = "edge-data"

[hub]
url = "{hub_url}"
token_file = "edge-data/edge-token"

[live]
port = {live_port}
{cameras}"""

CAMERA = """
[[cameras]]
id = "{id}"
name = "{name}"
source = {{ type = "synthetic", people = 3, width = 960, height = 540, fps = 10, seed = {seed} }}
"""


def write_demo_edge(
    directory: Path,
    *,
    hub_url: str,
    token: str,
    cameras: list[tuple[uuid.UUID, str]],
    live_port: int,
) -> Path:
    """Write the demo edge's token (0600) and configuration; return the config's path."""
    write_secret(directory / "edge-data" / "edge-token", token.encode())
    body = "".join(
        CAMERA.format(id=camera_id, name=name.replace('"', "'"), seed=index)
        for index, (camera_id, name) in enumerate(cameras)
    )
    config = directory / "edge.toml"
    config.write_text(CONFIG.format(hub_url=hub_url, live_port=live_port, cameras=body))
    return config
