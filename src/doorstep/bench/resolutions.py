"""The frame sizes `doorstep bench edge` measures; apart so the CLI loads without video code."""

from __future__ import annotations

RESOLUTIONS = {"360p": (640, 360), "720p": (1280, 720), "1080p": (1920, 1080)}
GOAL_RESOLUTION = "720p"
