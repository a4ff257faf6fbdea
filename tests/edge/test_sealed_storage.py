"""After a real edge → hub run, no blob in the hub's storage holds anything in clear."""

from __future__ import annotations

import math
import re
import struct
import threading
from collections import Counter
from pathlib import Path

from doorstep.edge.config import load_edge_config
from doorstep.edge.daemon import EdgeDaemon
from doorstep.edge.synthetic import Walker, scene, write_h264
from tests.edge.hub_process import HubProcess, create_home, hub_clips, pair_with_cli
from tests.edge.test_daemon import wait_until

# A JPEG starts with SOI, an APP0/APP1 segment and its JFIF or Exif identifier: ten
# bytes, so random ciphertext can't match by chance (four bytes matched about once in
# 70 MB, which a few runs of this test's blobs reached).
JPEG_START = re.compile(rb"\xff\xd8\xff[\xe0\xe1]..(?:JFIF|Exif)", re.DOTALL)
MP4_BOX = re.compile(rb"(ftyp|moov|mdat|mvhd|trak)")


def plaintext_markers(blob: bytes) -> list[str]:
    """MP4 boxes (type with a plausible size before it) and JPEG starts anywhere in ``blob``."""
    found = [f"JPEG start at {m.start()}" for m in JPEG_START.finditer(blob)]
    for match in MP4_BOX.finditer(blob):
        if match.start() >= 4:
            (size,) = struct.unpack(">I", blob[match.start() - 4 : match.start()])
            if 8 <= size <= len(blob) or size == 1:
                found.append(f"MP4 {match[1].decode()} box at {match.start() - 4}")
    return found


def entropy(data: bytes) -> float:
    counts = Counter(data)
    return -sum(n / len(data) * math.log2(n / len(data)) for n in counts.values())


def test_the_hub_stores_no_plaintext_media(tmp_path: Path, hub: HubProcess) -> None:
    home = create_home(hub.url)
    pair_with_cli(hub.url, home, tmp_path / "edge-data")
    video = tmp_path / "street.mp4"
    walkers = [Walker(1.0, 4.0), Walker(14.0, 17.0, left_to_right=False), Walker(27.0, 30.0)]
    write_h264(video, scene(width=640, height=360, fps=15, duration_s=34, walkers=walkers), fps=15)
    config = tmp_path / "edge.toml"
    config.write_text(
        f"""
data_dir = "edge-data"
[hub]
url = "{hub.url}"
token_file = "edge-data/edge-token"
[live]
enabled = false
[[cameras]]
id = "{home.camera_id}"
name = "Street"
source = {{ type = "file", path = "{video}", realtime = false }}
"""
    )
    daemon = EdgeDaemon(load_edge_config(config), base_dir=tmp_path)
    stop = threading.Event()
    thread = threading.Thread(target=daemon.run, args=(stop,))
    thread.start()
    try:
        wait_until(lambda: len(hub_clips(hub.url, home.camera_id, home.cookies)) >= 3, 120)
    finally:
        stop.set()
        thread.join(timeout=60)
    blobs = [path.read_bytes() for path in (hub.data_dir / "blobs").rglob("*") if path.is_file()]
    assert len(blobs) >= 9  # three events, three parts each
    for blob in blobs:
        assert blob.startswith(b"DOORSTEP"), blob[:16]
        assert plaintext_markers(blob) == []
        if len(blob) >= 64 * 1024:
            assert entropy(blob) > 7.99
    assert entropy(b"".join(blobs)) > 7.99
    # The scan would have caught plaintext: the same checks on a clip in clear fail.
    assert plaintext_markers(video.read_bytes())
