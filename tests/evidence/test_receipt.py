"""Share receipts: signed by the hub's log key, the share proven into the public log."""

from __future__ import annotations

import base64
import copy
import json
import subprocess
import sys
from typing import Any

import pytest

from doorstep.audit.entries import canonical_json
from doorstep.errors import InvalidInput
from doorstep.evidence import EvidenceError
from doorstep.evidence.custody import custody_data
from doorstep.evidence.receipt import sign_receipt, verify_receipt
from tests.evidence.factory import REQUEST_ID, SHARE_ID, Hub, make_custody, make_hub
from tests.test_layers import forbidden

CLIP = {
    "clip_id": "7aecdda3-8ac4-44de-a0f1-3a9e2b7c6d51",
    "ciphertext_sha256": "ab" * 32,
}


def receipt_body(hub: Hub, *, share_id: str = str(SHARE_ID)) -> dict[str, Any]:
    objects = {
        "clip_id": CLIP["clip_id"],
        "recipient_key_id": "0" * 32,
        "request_id": str(REQUEST_ID),
        "share_id": share_id,
    }
    custody = custody_data(make_custody(hub, [("clip.shared", objects)]))
    (entry,) = custody["entries"]
    return {
        "request_id": str(REQUEST_ID),
        "agency": "Springfield Police Department",
        "investigation_code": "SPD-2026-0412",
        "share_id": str(SHARE_ID),
        "expires_at": "2027-05-23T10:00:00Z",
        "clips": [CLIP],
        "audit": {**entry, "checkpoint": custody["checkpoint"]},
    }


def refused(data: Any, **options: Any) -> EvidenceError:
    with pytest.raises(EvidenceError) as caught:
        verify_receipt(data, **options)
    return caught.value


def test_a_receipt_verifies_from_its_json() -> None:
    hub = make_hub()
    receipt = sign_receipt(receipt_body(hub), signing_key=hub.signing_key, log_key=hub.log_key)
    report = verify_receipt(json.dumps(receipt).encode(), hub_key=hub.log_key)
    assert report.share_id == SHARE_ID and report.request_id == REQUEST_ID
    assert report.audit_entry["action"] == "clip.shared" and report.hub_key_pinned
    assert report.as_json()["audit"]["index"] == report.audit_index == 5
    assert verify_receipt(receipt).hub_key == hub.log_key.vkey()


def _edits(receipt: dict[str, Any]) -> list[dict[str, Any]]:
    edits = []
    for name, value in receipt["receipt"].items():
        edited = copy.deepcopy(receipt)
        if isinstance(value, str):
            edited["receipt"][name] = value[:-1] + ("0" if value[-1] != "0" else "1")
        elif name == "clips":
            edited["receipt"]["clips"][0]["ciphertext_sha256"] = "ee" * 32
        else:
            edited["receipt"]["audit"]["index"] += 1
        edits.append(edited)
    edited = copy.deepcopy(receipt)
    edited["receipt"]["note"] = "added"
    edits.append(edited)
    return edits


def test_an_edited_receipt_fails() -> None:
    hub = make_hub()
    receipt = sign_receipt(receipt_body(hub), signing_key=hub.signing_key, log_key=hub.log_key)
    for edited in _edits(receipt):
        error = refused(edited)
        assert (error.file, error.check) == ("receipt", "signature"), error.detail
    signature = bytearray(base64.b64decode(receipt["signature"]))
    signature[0] ^= 1
    error = refused({**receipt, "signature": base64.b64encode(signature).decode()})
    assert error.check == "signature"
    assert refused({**receipt, "signature": "%%"}).file == "signature"
    assert refused(b"not json").check == "parse"


def test_a_receipt_from_another_key_fails_when_pinned() -> None:
    hub, forger = make_hub(), make_hub()
    forged = sign_receipt(
        receipt_body(forger), signing_key=forger.signing_key, log_key=forger.log_key
    )
    error = refused(forged, hub_key=hub.log_key)
    assert error.file == "hub_key" and "not the key you pinned" in error.detail
    swapped = {**forged, "hub_key": hub.log_key.vkey()}
    assert refused(swapped).check == "signature"


def test_the_audit_entry_must_be_proven_and_name_the_share() -> None:
    hub = make_hub()
    other_share = receipt_body(hub, share_id="11111111-2222-4333-8444-555555555555")
    receipt = sign_receipt(other_share, signing_key=hub.signing_key, log_key=hub.log_key)
    error = refused(receipt)
    assert (error.file, error.check) == ("receipt.audit", "audit-entry"), error.detail
    body = receipt_body(hub)
    body["audit"]["proof"] = body["audit"]["proof"][:-1]
    receipt = sign_receipt(body, signing_key=hub.signing_key, log_key=hub.log_key)
    error = refused(receipt)
    assert (error.file, error.check) == ("receipt.audit", "custody"), error.detail


def test_sign_receipt_refuses_a_body_without_its_fields() -> None:
    hub = make_hub()
    body = receipt_body(hub)
    for name in ("request_id", "share_id", "agency", "expires_at", "clips", "audit"):
        with pytest.raises(InvalidInput, match=name):
            sign_receipt(
                {k: v for k, v in body.items() if k != name},
                signing_key=hub.signing_key,
                log_key=hub.log_key,
            )
    with pytest.raises(InvalidInput):
        sign_receipt(body, signing_key=make_hub().signing_key, log_key=hub.log_key)
    assert canonical_json(body)


def test_what_the_hub_imports_to_build_packages_and_receipts_can_not_decrypt() -> None:
    """``package`` and ``receipt`` run on the hub: they must not load the private side."""
    code = (
        "import sys, doorstep.evidence.package, doorstep.evidence.receipt\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('doorstep.')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "doorstep.evidence.custody" in loaded
    assert forbidden(loaded) == []
