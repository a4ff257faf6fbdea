"""The edge's keyring adopts only owner-signed, logged, newer home key lists.

The hub here is a stand-in serving lists signed in the test, with proofs from a small
audit log kept in the test (same entry format, checkpoints and proofs as the hub's).
tests/edge/test_key_alarm.py runs the same refusals against a real hub that lies.
"""

from __future__ import annotations

import base64
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.audit import merkle
from doorstep.audit.checkpoint import Checkpoint, generate_log_key, sign_checkpoint
from doorstep.audit.entries import public_entry
from doorstep.audit.keyproof import CheckpointMemory
from doorstep.crypto.keylist import (
    KeyList,
    ListedDevice,
    ListedHomeKey,
    Member,
    SignedKeyList,
    next_list,
    sign_list,
    with_device,
    with_home_key,
)
from doorstep.crypto.keys import key_id, public_raw
from doorstep.edge.keyring import HomeKeyring
from doorstep.edge.trust import EdgeTrust, load_trust, save_trust

HOME_ID = uuid.UUID("6f1c0c52-52b5-4a3c-9a4e-0d7d2b0a9e11")
OWNER_ID = uuid.UUID("0b8f6a43-5f53-4a77-8d0f-5d6e0c7b4a21")


class TestLog:
    """An append-only log signing checkpoints the way the hub does."""

    __test__ = False

    def __init__(self) -> None:
        self.private, self.key = generate_log_key("log.doorstep.test")
        self.entries: list[bytes] = []

    def append(self, action: str, objects: dict[str, Any]) -> int:
        self.entries.append(
            public_entry(
                at=datetime.now(UTC), action=action, actor={"role": "owner"}, objects=objects
            )
        )
        return len(self.entries) - 1

    def _node(self, level: int, index: int) -> bytes:
        leaves = self.entries[index << level : (index + 1) << level]
        return merkle.root_of([merkle.leaf_hash(entry) for entry in leaves])

    def note(self, size: int) -> str:
        root = merkle.subtree_root(0, size, self._node)
        checkpoint = Checkpoint(origin=self.key.name, size=size, root=root)
        return sign_checkpoint(checkpoint, name=self.key.name, private_key=self.private)

    def proof(self, index: int, size: int | None = None) -> dict[str, Any]:
        size = len(self.entries) if size is None else size
        return {
            "index": index,
            "entry": self.entries[index].decode(),
            "checkpoint": self.note(size),
            "inclusion": [
                base64.b64encode(h).decode()
                for h in merkle.inclusion_proof(index, size, self._node)
            ],
        }

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        return merkle.consistency_proof(old_size, new_size, self._node)


@dataclass
class ListingHub:
    """Serves whatever records the test puts in ``served``; counts the requests."""

    log: TestLog
    served: list[dict[str, Any]] = field(default_factory=list)
    asked: list[int] = field(default_factory=list)
    ignores_after: bool = False

    def publish(self, signed: SignedKeyList, key_list: KeyList) -> dict[str, Any]:
        """Log the list as the hub does and serve it with its proof."""
        index = self.log.append(
            "home_keys.signed",
            {"version": key_list.version, "list_sha256": key_list.digest(), "label": "x" * 32},
        )
        record = {**signed.to_json(), "proof": self.log.proof(index)}
        self.served.append(record)
        return record

    def key_lists(self, after: int) -> list[dict[str, Any]]:
        self.asked.append(after)
        return [r for r in self.served if self.ignores_after or r["version"] > after]

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        return self.log.consistency(old_size, new_size)


def x25519() -> bytes:
    return public_raw(X25519PrivateKey.generate().public_key())


DEVICE = public_raw(Ed25519PrivateKey.generate().public_key())
LISTED_DEVICE = ListedDevice(uuid.uuid4(), key_id(DEVICE), DEVICE, revoked=False)


def first_list(owner: Ed25519PrivateKey, *, device: bool = True) -> KeyList:
    """A home's first list, signed in by ``owner``; with the edge's device listed or not."""
    user_key, home_key = x25519(), x25519()
    signing_key = public_raw(owner.public_key())
    return next_list(
        None,
        home_id=HOME_ID,
        members=[Member(OWNER_ID, True, key_id(user_key), user_key, signing_key)],
        home_keys=[ListedHomeKey(key_id(home_key), home_key, 1, False)],
        devices=[LISTED_DEVICE] if device else [],
    )


def current_key(keyring: HomeKeyring) -> bytes | None:
    current = keyring.current()
    return None if current is None else current.public_key


@dataclass
class Edge:
    data: Path
    hub: ListingHub
    owner: Ed25519PrivateKey
    alarms: list[str | None]

    def keyring(self) -> HomeKeyring:
        return HomeKeyring(
            self.data / "trust.json",
            CheckpointMemory(self.data / "checkpoint.json"),
            device_public=DEVICE,
            on_alarm=self.alarms.append,
        )


@pytest.fixture
def edge(tmp_path: Path) -> Edge:
    """A paired edge that pinned the owner's signing key and the log's key, nothing else."""
    owner, log = Ed25519PrivateKey.generate(), TestLog()
    save_trust(
        tmp_path / "trust.json",
        EdgeTrust(HOME_ID, (public_raw(owner.public_key()),), log.key.vkey(), None),
    )
    return Edge(tmp_path, ListingHub(log), owner, [])


def adopt_first(edge: Edge) -> tuple[HomeKeyring, KeyList]:
    keyring = edge.keyring()
    first = first_list(edge.owner)
    edge.hub.publish(sign_list(first, edge.owner), first)
    keyring.refresh(edge.hub)
    return keyring, first


def test_the_first_list_signed_by_the_pinned_owner_is_adopted_and_pinned(edge: Edge) -> None:
    keyring, first = adopt_first(edge)
    current = keyring.current()
    assert current is not None
    assert (current.id, current.public_key) == (
        first.home_keys[0].id,
        first.home_keys[0].public_key,
    )
    assert keyring.alarm is None and edge.alarms == []
    pinned = load_trust(edge.data / "trust.json").key_list
    assert pinned == sign_list(first, edge.owner).to_json() | {"version": 1}
    # After a restart the edge seals to the pinned key before the hub answers.
    assert edge.keyring().current() == current
    # And asks the hub only for what is newer.
    keyring.refresh(edge.hub)
    assert edge.hub.asked == [0, 1]


def test_no_list_means_no_key(edge: Edge) -> None:
    keyring = edge.keyring()
    keyring.refresh(edge.hub)
    assert keyring.current() is None and keyring.alarm is None


def test_no_list_is_pinned_before_one_lists_this_device(edge: Edge) -> None:
    # Lists from before the pairing: the hub can't pass one off as the newest.
    first = first_list(edge.owner, device=False)
    edge.hub.publish(sign_list(first, edge.owner), first)
    second = with_home_key(first, x25519())
    edge.hub.publish(sign_list(second, edge.owner), second)
    keyring = edge.keyring()
    keyring.refresh(edge.hub)
    assert keyring.current() is None and keyring.alarm is None
    assert load_trust(edge.data / "trust.json").key_list is None
    # The owner signs the device in: that list is pinned, checked along the whole chain.
    third = with_device(second, LISTED_DEVICE)
    edge.hub.publish(sign_list(third, edge.owner), third)
    keyring.refresh(edge.hub)
    assert current_key(keyring) == second.current_home_key().public_key
    assert load_trust(edge.data / "trust.json").key_list["version"] == 3  # type: ignore[index]
    assert edge.hub.asked == [0, 2]


def test_a_rotation_signed_by_the_owner_is_adopted(edge: Edge) -> None:
    keyring, first = adopt_first(edge)
    new_key = x25519()
    second = with_home_key(first, new_key)
    edge.hub.publish(sign_list(second, edge.owner), second)
    keyring.refresh(edge.hub)
    current = keyring.current()
    assert current is not None and current.public_key == new_key
    assert load_trust(edge.data / "trust.json").key_list["version"] == 2  # type: ignore[index]


def test_a_first_list_signed_by_another_key_is_refused_and_nothing_is_sealed(
    edge: Edge, caplog: pytest.LogCaptureFixture
) -> None:
    # The hub signs a list of its own that names itself owner: valid but for the signer.
    hub_key = Ed25519PrivateKey.generate()
    swapped = first_list(hub_key)
    edge.hub.publish(sign_list(swapped, hub_key), swapped)
    keyring = edge.keyring()
    with caplog.at_level(logging.ERROR, "doorstep.edge.keyring"):
        keyring.refresh(edge.hub)
        keyring.refresh(edge.hub)
    assert keyring.current() is None
    assert keyring.alarm is not None and "does not trust" in keyring.alarm
    assert "no clip is recorded" in keyring.alarm
    # One log line and one notification for an alarm that goes on.
    assert [r.message for r in caplog.records] == [f"KEY ALARM: {keyring.alarm}"]
    assert edge.alarms == [keyring.alarm]
    assert load_trust(edge.data / "trust.json").key_list is None


def test_a_swapped_home_key_is_refused_and_the_pinned_key_kept(edge: Edge) -> None:
    keyring, first = adopt_first(edge)
    pinned = keyring.current()
    hub_key = Ed25519PrivateKey.generate()
    swapped = with_home_key(first, x25519())
    edge.hub.publish(sign_list(swapped, hub_key), swapped)
    keyring.refresh(edge.hub)
    assert keyring.current() == pinned
    assert keyring.alarm is not None
    assert "version 2, refused" in keyring.alarm and "not an owner in version 1" in keyring.alarm
    assert "clips stay sealed to home key" in keyring.alarm
    assert edge.alarms == [keyring.alarm]
    assert load_trust(edge.data / "trust.json").key_list["version"] == 1  # type: ignore[index]
    # A page goes no further than its first refused list, even to a good one after it.
    real = with_home_key(first, x25519())
    edge.hub.publish(sign_list(real, edge.owner), real)
    keyring.refresh(edge.hub)
    assert keyring.current() == pinned and edge.alarms == [keyring.alarm]


def test_an_unsigned_list_is_refused(edge: Edge) -> None:
    keyring, first = adopt_first(edge)
    second = with_home_key(first, x25519())
    record = edge.hub.publish(sign_list(second, edge.owner), second)
    record["signature"] = base64.b64encode(bytes(64)).decode()
    keyring.refresh(edge.hub)
    assert keyring.alarm is not None and "signature does not verify" in keyring.alarm
    assert current_key(keyring) == first.current_home_key().public_key


@pytest.mark.parametrize("served", ["version 1 again", "an older list as version 3"])
def test_a_rollback_to_an_older_list_and_its_retired_key_is_refused(
    edge: Edge, served: str
) -> None:
    keyring, first = adopt_first(edge)
    second = with_home_key(first, x25519())
    edge.hub.publish(sign_list(second, edge.owner), second)
    keyring.refresh(edge.hub)
    adopted = keyring.current()
    old = edge.hub.served[0]
    # The hub serves the first list (its key now retired) as if it were newer.
    edge.hub.served = [old if served == "version 1 again" else {**old, "version": 3}]
    edge.hub.ignores_after = True
    keyring.refresh(edge.hub)
    assert keyring.current() == adopted
    assert keyring.alarm is not None and "refused" in keyring.alarm


@pytest.mark.parametrize(
    ("proof", "says"),
    [
        ("missing", "has no inclusion proof"),
        ("of another entry", "the key's log entry says version is 1, not 2"),
        ("of another list of that version", "the key's log entry says list_sha256 is"),
        ("tampered inclusion", "not in the log"),
        ("signed by another log", "the key's checkpoint"),
    ],
)
def test_a_list_without_or_with_a_wrong_proof_is_refused(edge: Edge, proof: str, says: str) -> None:
    keyring, first = adopt_first(edge)
    second = with_home_key(first, x25519())
    record = edge.hub.publish(sign_list(second, edge.owner), second)
    if proof == "missing":
        del record["proof"]
    elif proof == "of another entry":
        record["proof"] = edge.hub.log.proof(0)
    elif proof == "of another list of that version":
        other_list = with_home_key(first, x25519())
        index = edge.hub.log.append(
            "home_keys.signed", {"version": 2, "list_sha256": other_list.digest()}
        )
        record["proof"] = edge.hub.log.proof(index)
    elif proof == "tampered inclusion":
        record["proof"]["inclusion"] = [base64.b64encode(bytes(32)).decode()]
    else:
        other = TestLog()
        other.entries = edge.hub.log.entries
        record["proof"]["checkpoint"] = other.note(len(other.entries))
    keyring.refresh(edge.hub)
    assert keyring.alarm is not None and says in keyring.alarm, keyring.alarm
    assert current_key(keyring) == first.current_home_key().public_key


def test_a_checkpoint_older_than_one_seen_is_an_alarm(edge: Edge) -> None:
    keyring, first = adopt_first(edge)
    for _ in range(3):  # other entries land in the log
        edge.hub.log.append("camera.created", {"camera": "c"})
    second = with_home_key(first, x25519())
    edge.hub.publish(sign_list(second, edge.owner), second)
    keyring.refresh(edge.hub)  # checkpoint of size 5 seen
    third = with_home_key(second, x25519())
    record = edge.hub.publish(sign_list(third, edge.owner), third)
    # The hub proves the third list's entry (index 5) to a checkpoint of a shorter log,
    # signed with the log's own key: older than the size 5 the edge saw.
    edge.hub.log.entries = [edge.hub.log.entries[0], edge.hub.log.entries[5]]
    record["proof"] = edge.hub.log.proof(1)
    keyring.refresh(edge.hub)
    assert keyring.alarm is not None and "rollback: the log is at size 2" in keyring.alarm
    assert current_key(keyring) == second.current_home_key().public_key


def test_lists_before_a_bad_one_are_kept_and_a_good_rotation_ends_the_alarm(
    edge: Edge,
) -> None:
    keyring, first = adopt_first(edge)
    second = with_home_key(first, x25519())
    edge.hub.publish(sign_list(second, edge.owner), second)
    hub_key = Ed25519PrivateKey.generate()
    bad = with_home_key(second, x25519())
    edge.hub.publish(sign_list(bad, hub_key), bad)
    keyring.refresh(edge.hub)
    assert current_key(keyring) == second.current_home_key().public_key
    assert keyring.alarm is not None and "version 3" in keyring.alarm
    # The hub stops lying and serves the owner's own version 3.
    edge.hub.served.pop()
    good = with_home_key(second, x25519())
    edge.hub.publish(sign_list(good, edge.owner), good)
    keyring.refresh(edge.hub)
    assert current_key(keyring) == good.current_home_key().public_key
    assert keyring.alarm is None
    assert edge.alarms[-1] is None
