"""The one place where an event's parts are sealed before they enter the outbox.

Every part (clip, snapshot, details) is encrypted and signed with the format of
``docs/crypto-format.md`` under one fresh content key per event, and that key is
wrapped to the home key. The blurred twin's parts (twin_clip, twin_snapshot), when the
event has them, are sealed under a second fresh key, wrapped the same way: whoever is
given only the twin's key can't open the event's own parts. Nothing leaves this module
in clear; the content keys are dropped when the event is sealed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from doorstep.crypto.envelope import clip_subject, wrap_key
from doorstep.crypto.format import TWIN_PARTS
from doorstep.crypto.keys import x25519_public
from doorstep.crypto.stream import PartContext, new_content_key, seal_part
from doorstep.edge.keyring import HomeKey
from doorstep.edge.outbox import WrappedKey


@dataclass(frozen=True)
class SealedEvent:
    parts: dict[str, bytes]
    keys: tuple[WrappedKey, ...]


def seal_event(
    parts: dict[str, bytes],
    *,
    clip_id: uuid.UUID,
    camera_id: uuid.UUID,
    started_at: datetime,
    ended_at: datetime,
    device_key: Ed25519PrivateKey,
    home_key: HomeKey,
) -> SealedEvent:
    keys = {"clip": new_content_key()}
    if any(name in TWIN_PARTS for name in parts):
        keys["twin"] = new_content_key()
    sealed = {
        name: seal_part(
            data,
            content_key=keys["twin" if name in TWIN_PARTS else "clip"],
            context=PartContext(clip_id, camera_id, name, started_at, ended_at),
            device_key=device_key,
        )
        for name, data in parts.items()
    }
    recipient = x25519_public(home_key.public_key)
    wrapped = tuple(
        WrappedKey(
            home_key.id,
            wrap_key(content_key, recipient=recipient, subject=clip_subject(clip_id)),
            scope,
        )
        for scope, content_key in keys.items()
    )
    return SealedEvent(parts=sealed, keys=wrapped)
