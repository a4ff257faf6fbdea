"""The home key the edge seals every clip to: the newest one the home's owner signed.

At pairing the edge pins its owner's signing key and the audit log's key (``trust.json``).
From then on it follows the home's key lists from the hub and adopts a list only when it
is signed by an owner (the pinned one for the home's first list, an owner of the list
before it afterwards), continues the list before it (the next version, no home key
dropped, no retired key brought back), and is proven in the audit log to a checkpoint no
older than one the edge has seen. The first list it pins must also list this device: the
owner signs it in after pairing, so no list from before the pairing can be passed off as
the newest. Anything else is a key alarm and changes nothing: clips stay sealed to the
key pinned before. The alarm lasts until a newer list is adopted (or the edge restarts
and finds nothing wrong). The home key the hub serves at ``/v1/device`` is not used.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from doorstep.audit.keyproof import CheckpointMemory, KeyProof, check_key_proof
from doorstep.crypto.keylist import KeyList, SignedKeyList, parse_list, verify_list
from doorstep.crypto.keys import fingerprint
from doorstep.edge.trust import EdgeTrust, load_trust, save_trust
from doorstep.errors import ConfigurationError, DoorstepError

logger = logging.getLogger("doorstep.edge.keyring")

# The hub's page size for key lists: a shorter page is the last one.
PAGE = 100


@dataclass(frozen=True)
class HomeKey:
    id: str
    public_key: bytes


class KeyListSource(Protocol):
    """The hub, as far as the keyring needs it."""

    def key_lists(self, after: int) -> list[dict[str, Any]]:
        """Signed lists newer than version ``after``, each with its ``proof``, ascending."""
        ...

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        """The audit log's consistency proof between two tree sizes."""
        ...


class HomeKeyring:
    """The pinned key list and its current home key; refreshed from the hub."""

    def __init__(
        self,
        trust_path: Path,
        memory: CheckpointMemory,
        *,
        device_public: bytes,
        on_alarm: Callable[[str | None], None] = lambda alarm: None,
    ) -> None:
        self.trust_path = trust_path
        self.memory = memory
        self.device_public = device_public
        self.on_alarm = on_alarm
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        self._trust = load_trust(trust_path)
        self._list = self._pinned_list(self._trust)
        # The newest list verified: the pinned one, or until one lists this device, the
        # newest of the chain from the home's first list.
        self._head = self._list
        self._alarm: str | None = None

    def current(self) -> HomeKey | None:
        """The home key to seal to, or None before any list was verified."""
        with self._lock:
            if self._list is None:
                return None
            key = self._list.current_home_key()
            return HomeKey(id=key.id, public_key=key.public_key)

    @property
    def alarm(self) -> str | None:
        with self._lock:
            return self._alarm

    def refresh(self, hub: KeyListSource) -> None:
        """Adopt the owner-signed lists the hub has beyond the pinned one, in order.

        A list that fails a check raises the alarm and stops there: the lists before it
        that passed are kept. The hub being unreachable raises its own error, no alarm.
        """
        with self._refreshing:
            self._refresh(hub)

    def _refresh(self, hub: KeyListSource) -> None:
        while True:
            head = self._head
            page = hub.key_lists(head.version if head is not None else 0)
            for record in page:
                try:
                    verified = self._verify(record, head, hub)
                except DoorstepError as exc:
                    self._raise_alarm(self._refusal(record, exc.detail))
                    return
                self._head = head = verified
                if self._list is not None or self._lists_this_device(verified):
                    self._pin(record, verified)
            if len(page) < PAGE:
                return

    def _lists_this_device(self, key_list: KeyList) -> bool:
        """A list older than this device's pairing can't name it: it is never the first."""
        device = key_list.device(self.device_public)
        return device is not None and not device.revoked

    def _verify(
        self, record: dict[str, Any], previous: KeyList | None, hub: KeyListSource
    ) -> KeyList:
        proof = KeyProof.from_json(record.get("proof"))
        signed = SignedKeyList.from_json(record)
        trust = self._trust
        key_list = verify_list(
            signed,
            home_id=trust.home_id,
            previous=previous,
            trusted_owners=trust.owner_signing_keys if previous is None else (),
        )
        check_key_proof(
            proof,
            log_key=self.memory.log_key(trust.log_vkey),
            action="home_keys.signed",
            objects={"version": key_list.version, "list_sha256": key_list.digest()},
            memory=self.memory,
            consistency=hub.consistency,
        )
        return key_list

    def _pin(self, record: dict[str, Any], key_list: KeyList) -> None:
        signed = SignedKeyList.from_json(record).to_json()
        trust = dataclasses.replace(self._trust, key_list=signed)
        save_trust(self.trust_path, trust)
        with self._lock:
            previous, self._list, self._trust = self._list, key_list, trust
            cleared, self._alarm = self._alarm, None
        key = key_list.current_home_key()
        if previous is None or previous.current_home_key() != key:
            logger.info(
                "home key %s (version %d) from the owner-signed key list version %d",
                fingerprint(key.id),
                key.version,
                key_list.version,
            )
        if cleared is not None:
            logger.warning(
                "key alarm over: the owner-signed key list version %d is adopted", key_list.version
            )
            self.on_alarm(None)

    def _refusal(self, record: dict[str, Any], detail: str) -> str:
        served = record.get("version")
        what = f"version {served}" if isinstance(served, int) else "a key list"
        pinned = self._list
        if pinned is None:
            kept = "no clip is recorded until one verifies"
        else:
            key = pinned.current_home_key()
            kept = (
                f"clips stay sealed to home key {fingerprint(key.id)} "
                f"(list version {pinned.version})"
            )
        return f"the hub served home key list {what}, refused: {detail}; {kept}"

    def _raise_alarm(self, text: str) -> None:
        with self._lock:
            repeated, self._alarm = self._alarm == text, text
        if not repeated:
            logger.error("KEY ALARM: %s", text)
            self.on_alarm(text)

    @staticmethod
    def _pinned_list(trust: EdgeTrust) -> KeyList | None:
        if trust.key_list is None:
            return None
        try:
            key_list = parse_list(SignedKeyList.from_json(trust.key_list))
        except DoorstepError as exc:
            raise ConfigurationError(f"the pinned key list is unreadable: {exc.detail}") from exc
        if key_list.home_id != trust.home_id:
            raise ConfigurationError("the pinned key list is for another home")
        return key_list
