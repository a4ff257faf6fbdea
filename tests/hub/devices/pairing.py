"""Pairing bodies for hub tests: the hub stores the tags of a code's secret part without
checking them (it never sees the secret), so any 32 bytes do where the tags don't matter."""

from __future__ import annotations

import base64
from typing import Any

ANY_TAG = base64.b64encode(bytes(range(100, 132))).decode()
CODE_BODY = {"owner_tag": ANY_TAG}


def pair_body(code: str, name: str, public_key: str) -> dict[str, Any]:
    return {"code": code, "name": name, "public_key": public_key, "device_tag": ANY_TAG}
