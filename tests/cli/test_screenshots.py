"""`doorstep screenshots`: a fresh demo hub's main page of each role, at desktop and phone
width, as PNG files of exactly those sizes."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

EXPECTED = {
    f"{page}-{width}.png": (width, height)
    for page in (
        "public-front",
        "public-requests",
        "resident-home",
        "resident-timeline",
        "agency-home",
        "admin-overview",
    )
    for width, height in ((1280, 800), (360, 740))
}


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_screenshots_of_every_role_at_two_widths(tmp_path: Path) -> None:
    out = tmp_path / "shots"
    done = subprocess.run(
        [sys.executable, "-m", "doorstep", "screenshots", "--out", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert {path.name for path in out.iterdir()} == set(EXPECTED)
    for name, size in EXPECTED.items():
        assert png_size(out / name) == size, name
        assert (out / name).stat().st_size > 10_000, name  # a page, not a blank image
        assert f"Saved {out / name}" in done.stdout
    # The phone and desktop pictures of a page differ (a real layout at each width).
    assert (out / "public-front-360.png").read_bytes() != (
        out / "public-front-1280.png"
    ).read_bytes()
