"""The custody log: entries proven into a signed checkpoint, and every way that fails."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from doorstep.evidence import EvidenceError
from doorstep.evidence.custody import custody_data, custody_json, open_custody, verify_custody
from tests.evidence.factory import make_custody, make_hub

ACTIONS = [
    ("request.created", {"request_id": "r1", "category": "burglary"}),
    ("clip.shared", {"clip_id": "c1", "recipient_key_id": "k", "request_id": "r1"}),
    ("share.expired", {"clip_id": "c1", "request_id": "r1"}),
]


def fresh() -> tuple[Any, dict[str, Any]]:
    hub = make_hub()
    return hub, json.loads(custody_json(make_custody(hub, ACTIONS, noise=6)))


def test_entries_are_proven_into_the_signed_checkpoint() -> None:
    hub, data = fresh()
    entries = verify_custody(data, hub.log_key)
    assert [entry["action"] for entry in entries] == [action for action, _ in ACTIONS]
    verified = open_custody(data, hub.log_key)
    assert verified.indexes == [6, 7, 8] and verified.checkpoint.size == 10
    assert custody_json(make_custody(hub, ACTIONS)) == custody_json(make_custody(hub, ACTIONS))
    assert custody_data(make_custody(hub, []))["entries"] == []


def _refused(data: Any, hub: Any, match: str) -> None:
    with pytest.raises(EvidenceError, match=match) as caught:
        verify_custody(data, hub.log_key, source="custody.json")
    assert caught.value.file == "custody.json" and caught.value.check == "custody"


def test_an_edited_entry_index_or_proof_fails() -> None:
    hub, data = fresh()
    entry = data["entries"][1]
    edited = {**entry, "entry": entry["entry"].replace('"c1"', '"c2"')}
    _refused({**data, "entries": [edited]}, hub, "entry 7 is not proven")
    _refused({**data, "entries": [{**entry, "index": 6}]}, hub, "entry 6 is not proven")
    proof = list(entry["proof"])
    proof[0] = base64.b64encode(bytes(32)).decode()
    _refused({**data, "entries": [{**entry, "proof": proof}]}, hub, "not proven")
    _refused({**data, "entries": [{**entry, "proof": proof[:-1]}]}, hub, "too short")
    _refused({**data, "entries": [{**entry, "proof": ["%%"]}]}, hub, "not base64")
    spaced = entry["entry"].replace(",", ", ", 1)
    _refused({**data, "entries": [{**entry, "entry": spaced}]}, hub, "not a canonical")
    _refused({**data, "entries": [{**entry, "index": -1}]}, hub, "non-negative")
    _refused({**data, "entries": "no"}, hub, "not a list")
    _refused([], hub, "not a JSON object")


def test_a_checkpoint_signed_by_another_key_or_edited_fails() -> None:
    hub, data = fresh()
    other, _ = fresh()
    _refused(data, other, "the checkpoint: no signature by")
    lines = data["checkpoint"].split("\n")
    lines[1] = str(int(lines[1]) + 1)
    _refused({**data, "checkpoint": "\n".join(lines)}, hub, "does not verify")
    _refused({**data, "checkpoint": None}, hub, "checkpoint is missing")
