"""Audit entries: canonical JSON, and who did it, said publicly.

The public form of an entry is what the Merkle tree hashes and anyone may read:
``{"action", "actor", "at", "objects"}`` as canonical JSON (sorted keys, no spaces,
UTF-8). Agency members appear by name and agency — public accountability — and
residents only as a keyed-HMAC pseudonym, whose key never leaves the hub.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

ObjectValue = str | int | bool | None


_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8, no NaN: one encoding for one value."""
    return _CANONICAL.encode(value).encode("utf-8")


def pseudonym(key: bytes, subject: str) -> str:
    """The same resident always gets the same pseudonym, which says nothing about them."""
    return hmac.new(key, subject.encode(), hashlib.sha256).hexdigest()[:32]


def key_label(kind: str, value: object) -> str:
    """The public label of a key binding (kind ``user``, ``home`` or ``device`` and its id).

    Anyone who knows the id can derive it, to find the binding's entries in the log.
    """
    return hashlib.sha256(f"doorstep key label v1\0{kind}:{value}".encode()).hexdigest()[:32]


def public_entry(
    *, at: datetime, action: str, actor: Mapping[str, str], objects: Mapping[str, ObjectValue]
) -> bytes:
    moment = at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return canonical_json(
        {"action": action, "actor": dict(actor), "at": moment, "objects": dict(objects)}
    )
