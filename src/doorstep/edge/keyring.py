"""The home key the edge wraps every clip key to, cached on disk for offline starts.

The edge only ever knows public keys. It asks the hub for the home's current key
and keeps the last one it saw, so it can record while the hub is unreachable.
A change of key is logged with both fingerprints: the owner can compare them with
`doorstep keys show` on their own client.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from doorstep.crypto.keys import fingerprint, key_id
from doorstep.durable import write_atomically
from doorstep.errors import ConfigurationError

logger = logging.getLogger("doorstep.edge.keyring")


@dataclass(frozen=True)
class HomeKey:
    id: str
    public_key: bytes


class HomeKeyCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._key = self._load()

    def current(self) -> HomeKey | None:
        with self._lock:
            return self._key

    def update(self, key: HomeKey) -> None:
        """Adopt the hub's current home key (after checking its id matches its bytes)."""
        if key_id(key.public_key) != key.id or len(key.public_key) != 32:
            raise ConfigurationError(f"the hub sent a home key whose id {key.id} doesn't match")
        with self._lock:
            previous = self._key
            if previous == key:
                return
            record = {"id": key.id, "public_key": key.public_key.hex()}
            write_atomically(self.path, json.dumps(record).encode(), mode=0o600)
            self._key = key
        if previous is None:
            logger.info("home key %s", fingerprint(key.id))
        else:
            logger.warning(
                "the home key changed from %s to %s", fingerprint(previous.id), fingerprint(key.id)
            )

    def _load(self) -> HomeKey | None:
        if not self.path.exists():
            return None
        try:
            record = json.loads(self.path.read_text())
            return HomeKey(id=record["id"], public_key=bytes.fromhex(record["public_key"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError(f"{self.path} is not a home key record; delete it") from exc
