"""Loads ``docs/crypto-vectors.json`` for the Python and browser tests."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

VECTORS_PATH = Path(__file__).resolve().parents[2] / "docs" / "crypto-vectors.json"


def load_vectors() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTORS_PATH.read_text())
    return data


def b64(text: str) -> bytes:
    return base64.b64decode(text)
