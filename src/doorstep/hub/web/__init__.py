"""The hub's browser assets: ``static/`` holds the clip viewer and its WebCrypto reader."""

from pathlib import Path

WEB_STATIC = Path(__file__).parent / "static"
