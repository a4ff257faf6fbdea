"""The browser's key checks in Chromium: the vectors, and key proofs made here.

Signing keys, bindings, key lists, X25519 public keys, safety numbers, key labels and
attestations against ``docs/crypto-vectors.json``; a refused key list is refused in
Python's words. Key proofs are built from a small log signed here and checked by both
doorstep.audit.keyproof and doorstep-trust.js, each against the outcome written below.
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from playwright.sync_api import Page

from doorstep.audit import merkle
from doorstep.audit.checkpoint import Checkpoint, LogKey, sign_checkpoint
from doorstep.audit.entries import canonical_json
from doorstep.audit.keyproof import CheckpointMemory, KeyProof, KeyRefused, check_key_proof
from doorstep.crypto.attestation import attestation_key, open_attestation
from doorstep.crypto.format import b64encode
from doorstep.crypto.keylist import (
    ListedDevice,
    SignedKeyList,
    next_list,
    parse_list,
    sign_list,
)
from doorstep.crypto.keys import ed25519_private, key_id, public_raw, x25519_private
from doorstep.crypto.signing_keys import signing_key_of
from doorstep.errors import CryptoError
from tests.browser.pages import call
from tests.crypto.vectors import b64, load_vectors

VECTORS = load_vectors()
LISTS = VECTORS["key_lists"]
VALID = [case["signed"] for case in LISTS["valid"]]


def cases(kind: str) -> list[Any]:
    return [pytest.param(case, id=case["name"]) for case in VECTORS[kind]]


@pytest.mark.parametrize("case", cases("signing_keys"))
def test_signing_keys_derive_and_bind_as_in_python(trust_page: Page, case: dict[str, Any]) -> None:
    # Ed25519 signatures are deterministic: the browser's binding is the vector's, byte for byte.
    assert call(trust_page, "signingKey", case) == {
        "ok": {
            "extractable": False,
            "usages": ["sign"],
            "signingPublic": b64(case["signing_public"]).hex(),
            "bindingPublic": b64(case["signing_public"]).hex(),
            "bindingSignature": b64(case["binding_signature"]).hex(),
        }
    }


def test_a_binding_for_other_keys_is_refused(trust_page: Page) -> None:
    one, two = VECTORS["signing_keys"][:2]
    swapped = call(
        trust_page,
        "verifyBinding",
        two["x25519_public"],
        one["signing_public"],
        one["binding_signature"],
    )
    message = "the binding signature does not verify for these keys"
    assert swapped == {"refused": {"name": "DoorstepCryptoError", "message": message}}
    low_order = call(
        trust_page,
        "verifyBinding",
        b64encode(bytes(32)),
        one["signing_public"],
        one["binding_signature"],
    )
    message = "an X25519 public key is a point of low order"
    assert low_order == {"refused": {"name": "DoorstepCryptoError", "message": message}}


@pytest.mark.parametrize("case", cases("x25519_public_invalid"))
def test_invalid_x25519_public_keys_are_refused(trust_page: Page, case: dict[str, Any]) -> None:
    refused = call(trust_page, "checkX25519Public", case["public_key"])["refused"]
    assert refused["name"] == "DoorstepCryptoError"
    assert case["reason"] in refused["message"]


def test_valid_x25519_public_keys_pass(trust_page: Page) -> None:
    for case in VECTORS["signing_keys"]:
        raw = b64(case["x25519_public"]).hex()
        assert call(trust_page, "checkX25519Public", raw) == {"ok": raw}
    p_minus_2 = (2**255 - 21).to_bytes(32, "little").hex()  # the largest u not of low order
    assert call(trust_page, "checkX25519Public", p_minus_2) == {"ok": p_minus_2}


def test_the_key_list_chain_verifies(trust_page: Page) -> None:
    result = call(
        trust_page, "keyLists", LISTS["home_id"], VALID, {"trusted": LISTS["trusted_owners"]}
    )
    assert result == {
        "ok": [
            {
                "version": case["signed"]["version"],
                "digest": case["digest"],
                "currentHomeKeyId": case["current_home_key_id"],
                "owners": case["owners"],
                "devices": [d["key_id"] for d in json.loads(case["body"])["devices"]],
            }
            for case in LISTS["valid"]
        ]
    }


def test_a_large_list_verifies(trust_page: Page) -> None:
    # 2500 more devices: about 400 kB of body, read and re-encoded in the browser.
    owner = signing_key_of(x25519_private(b64(VECTORS["signing_keys"][0]["x25519_private"])))
    first = parse_list(SignedKeyList.from_json(VALID[0]))
    devices = list(first.devices)
    for n in range(2500):
        public = public_raw(ed25519_private(n.to_bytes(32, "big")).public_key())
        devices.append(ListedDevice(uuid.UUID(int=n), key_id(public), public, revoked=False))
    large = next_list(first, home_id=first.home_id, devices=devices)
    signed = sign_list(large, owner).to_json()
    result = call(trust_page, "keyLists", LISTS["home_id"], [signed], {"before": VALID[:1]})
    assert len(large.body()) > 400_000
    assert "ok" in result, result
    assert result["ok"][0]["digest"] == large.digest()
    assert len(result["ok"][0]["devices"]) == 2501


def _record(**change: Any) -> dict[str, Any]:
    return {**VALID[0], **change}


@pytest.mark.parametrize(
    "record",
    [
        _record(proof=None),
        _record(note="x"),
        _record(version=0),
        _record(version=1.0),
        _record(version=True),
        _record(body="not base64!"),
        _record(body=VALID[0]["body"][:-4]),
        _record(signer=b64encode(bytes(31))),
        _record(signature=VALID[0]["signature"][:-3] + "B=="),
        [VALID[0]],
    ],
    ids=[
        "beside a proof",
        "an unknown field",
        "version 0",
        "version 1.0",
        "version true",
        "body not base64",
        "body cut",
        "signer of 31 bytes",
        "signature not canonical",
        "not an object",
    ],
)
def test_signed_lists_are_read_as_python_reads_them(trust_page: Page, record: Any) -> None:
    try:
        signed = SignedKeyList.from_json(json.loads(json.dumps(record)))
    except CryptoError as exc:
        expected: dict[str, Any] = {"refused": {"name": "DoorstepCryptoError", "message": str(exc)}}
    else:
        body, signer = signed.body.hex(), signed.signer.hex()
        expected = {"ok": {"version": signed.version, "body": body, "signer": signer}}
    assert call(trust_page, "signedKeyList", json.dumps(record)) == expected
    # Only the record beside its proof and the cut body (still base64) are read.
    assert ("ok" in expected) == (
        record in (_record(proof=None), _record(body=VALID[0]["body"][:-4]))
    )


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in LISTS["invalid"]])
def test_refused_key_lists_in_python_words(trust_page: Page, case: dict[str, Any]) -> None:
    before = VALID[: case["previous_version"]]
    options = {"before": before, "trusted": LISTS["trusted_owners"]}
    result = call(trust_page, "keyLists", LISTS["home_id"], [case["signed"]], options)
    assert result == {"refused": {"name": "DoorstepCryptoError", "message": case["error"]}}


def test_a_first_list_by_an_owner_this_client_does_not_trust_is_refused(trust_page: Page) -> None:
    other = b64encode(bytes(range(32)))
    result = call(trust_page, "keyLists", LISTS["home_id"], VALID[:1], {"trusted": [other]})
    message = "key list version 1 is signed by an owner key this client does not trust"
    assert result == {"refused": {"name": "DoorstepCryptoError", "message": message}}
    # For another home, even when signed by a trusted owner.
    result = call(trust_page, "keyLists", str(uuid.UUID(int=5)), VALID[:1])
    message = "key list version 1 is for another home"
    assert result == {"refused": {"name": "DoorstepCryptoError", "message": message}}


@pytest.mark.parametrize("case", VECTORS["safety_numbers"], ids=lambda c: c["a_code"])
def test_safety_numbers(trust_page: Page, case: dict[str, Any]) -> None:
    assert call(trust_page, "safetyNumber", case) == {
        "ok": {
            "aCode": case["a_code"],
            "bCode": case["b_code"],
            "number": case["safety_number"],
            "swapped": case["safety_number"],
            "formatted": case["formatted"],
        }
    }


@pytest.mark.parametrize("case", VECTORS["key_labels"], ids=lambda c: c["kind"])
def test_key_labels(trust_page: Page, case: dict[str, Any]) -> None:
    assert call(trust_page, "keyLabel", case["kind"], case["value"]) == {"ok": case["label"]}


@pytest.mark.parametrize("case", VECTORS["attestations"], ids=lambda c: c["clip_id"])
def test_attestations_open(trust_page: Page, case: dict[str, Any]) -> None:
    assert call(trust_page, "attestation", case) == {"ok": json.loads(case["attestation"])}


def _sealed_body(case: dict[str, Any], body: bytes) -> str:
    """``body`` sealed as an attestation of the vector's clip (its nonce, its key)."""
    key = attestation_key(b64(case["content_key"]), uuid.UUID(case["clip_id"]))
    nonce = b64(case["nonce"])
    return b64encode(nonce + AESGCM(key).encrypt(nonce, body, None))


def _altered_attestations(case: dict[str, Any]) -> dict[str, str]:
    sealed = b64(case["sealed"])
    body = json.loads(case["attestation"])
    signature = body["parts"]["clip"]["device_signature"]
    # The same 64 bytes, but the last digit's unused low bits set: not canonical base64.
    loose = signature[:-3] + chr(ord(signature[-3]) + 1) + "=="
    assert base64.b64decode(loose) == base64.b64decode(signature)
    body["parts"]["clip"]["device_signature"] = loose
    extra = {**json.loads(case["attestation"]), "note": "x"}
    return {
        "flipped byte": b64encode(sealed[:40] + bytes([sealed[40] ^ 1]) + sealed[41:]),
        "not canonical base64": _sealed_body(case, canonical_json(body)),
        "unknown field": _sealed_body(case, canonical_json(extra)),
        "spaces": _sealed_body(case, json.dumps(json.loads(case["attestation"])).encode()),
    }


@pytest.mark.parametrize(
    "name", ["flipped byte", "not canonical base64", "unknown field", "spaces"]
)
def test_altered_attestations_are_refused_in_python_words(trust_page: Page, name: str) -> None:
    case = VECTORS["attestations"][0]
    sealed = _altered_attestations(case)[name]
    with pytest.raises(CryptoError) as refused:
        open_attestation(
            b64(sealed), content_key=b64(case["content_key"]), clip_id=uuid.UUID(case["clip_id"])
        )
    result = call(trust_page, "attestation", case, sealed)
    assert result == {"refused": {"name": "DoorstepCryptoError", "message": str(refused.value)}}


# --- Key proofs ---------------------------------------------------------------------------

LOG_NAME = "hub.doorstep.test/log"
LOG_PRIVATE = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
LOG_KEY = LogKey(LOG_NAME, LOG_PRIVATE.public_key())
OTHER_PRIVATE = Ed25519PrivateKey.from_private_bytes(bytes(range(2, 34)))
ACTION = "user_key.published"
OBJECTS = {
    "label": "fc598c3e142a897c0b43aea8ade5f7fb",
    "key_id": "2b8122f2043c058c262d2aaf3d54094d",
}


def _entry(number: int, objects: dict[str, Any] | None = None) -> bytes:
    return canonical_json(
        {
            "action": ACTION if objects else "clip.viewed",
            "actor": {"kind": "resident", "pseudonym": f"{number:032x}"},
            "at": f"2026-12-03T06:{number:02d}:00Z",
            "objects": objects or {"clip": str(uuid.UUID(int=number))},
        }
    )


ENTRIES = [_entry(n, OBJECTS if n == 2 else None) for n in range(8)]
LEAVES = [merkle.leaf_hash(entry) for entry in ENTRIES]


# Another log that shares the first three entries: a fork after size 3.
FORKED = LEAVES[:3] + [merkle.leaf_hash(b"forked 3"), merkle.leaf_hash(b"forked 4")]


def _node(level: int, index: int, leaves: list[bytes] = LEAVES) -> bytes:
    return merkle.root_of(leaves[index << level : (index + 1) << level])


def _note(size: int, root: bytes | None = None, key: Ed25519PrivateKey = LOG_PRIVATE) -> str:
    checkpoint = Checkpoint(LOG_NAME, size, root or merkle.root_of(LEAVES[:size]))
    return sign_checkpoint(checkpoint, name=LOG_NAME, private_key=key)


def _proof(index: int = 2, size: int = 5, **change: Any) -> dict[str, Any]:
    proof = {
        "index": index,
        "entry": ENTRIES[2].decode(),
        "checkpoint": _note(size),
        "inclusion": [b64encode(h) for h in merkle.inclusion_proof(index, size, _node)],
    }
    return {**proof, **change}


assert _note(5).endswith("4AE=\n")  # the signature's last digits, altered below


def _seen(size: int, root: bytes | None = None) -> dict[str, Any]:
    return {"note": _note(size, root), "size": size, "root": root or merkle.root_of(LEAVES[:size])}


OTHER_ROOT = bytes(32)
CONSISTENT = [b64encode(h) for h in merkle.consistency_proof(3, 5, _node)]
FORK = _proof(
    checkpoint=_note(5, merkle.root_of(FORKED)),
    inclusion=[
        b64encode(h)
        for h in merkle.inclusion_proof(2, 5, lambda level, index: _node(level, index, FORKED))
    ],
)
EDITED = ENTRIES[2].decode().replace(OBJECTS["key_id"], "0" * 32)

# (name, proof, what the client asks, the newest checkpoint it saw, consistency proof,
#  outcome: the error's class name and the start of its message, or "ok")
PROOF_CASES: list[tuple[str, Any, dict[str, Any], Any, list[str] | None, tuple[str, str]]] = [
    ("valid", _proof(), {}, None, None, ("ok", "")),
    ("no proof", None, {}, None, None, ("KeyRefused", "the key has no inclusion proof")),
    (
        "another action",
        _proof(),
        {"action": "device.paired"},
        None,
        None,
        ("KeyRefused", "the key's log entry is "),
    ),
    (
        "another key id",
        _proof(),
        {"objects": {**OBJECTS, "key_id": "0" * 32}},
        None,
        None,
        ("KeyRefused", "the key's log entry says key_id is"),
    ),
    (
        "entry edited",
        _proof(entry=EDITED),
        {"objects": {"key_id": "0" * 32}},
        None,
        None,
        ("KeyRefused", "the key's log entry is not in the log: the proof for index 2 leads"),
    ),
    (
        "other index",
        _proof(index=3, inclusion=_proof()["inclusion"]),
        {},
        None,
        None,
        ("KeyRefused", "the key's log entry is not in the log: the proof for index 3 leads"),
    ),
    (
        "signed by another key",
        _proof(checkpoint=_note(5, key=OTHER_PRIVATE)),
        {},
        None,
        None,
        ("KeyRefused", f"the key's checkpoint: no signature by {LOG_NAME}+{LOG_KEY.key_hash:08x}"),
    ),
    (
        "signature altered",
        _proof(checkpoint=_note(5).replace("4AE=\n", "4AA=\n")),
        {},
        None,
        None,
        ("KeyRefused", f"the key's checkpoint: signature by {LOG_NAME} does not verify"),
    ),
    (
        "rollback",
        _proof(),
        {},
        _seen(6),
        None,
        ("KeyAlarm", "rollback: the log is at size 5, but it was at 6"),
    ),
    (
        "fork at the same size",
        _proof(),
        {},
        _seen(5, OTHER_ROOT),
        None,
        ("KeyAlarm", "fork: two different roots for size 5"),
    ),
    ("extends the newest seen", _proof(), {}, _seen(3), CONSISTENT, ("ok", "")),
    (
        "does not extend the newest seen",
        _proof(),
        {},
        _seen(3, OTHER_ROOT),
        CONSISTENT,
        ("KeyAlarm", "fork: size 5 does not extend size 3: the proof does not lead to the root"),
    ),
    (
        "a fork after the newest seen",
        FORK,
        {},
        _seen(3),
        CONSISTENT,
        (
            "KeyAlarm",
            "fork: size 5 does not extend size 3: the proof does not lead to the root of size 5",
        ),
    ),
]


def _python_outcome(
    tmp_path: Path, proof: Any, asked: dict[str, Any], seen: Any, consistency: list[str] | None
) -> tuple[str, str]:
    memory = CheckpointMemory(tmp_path / "memory.json")
    if seen:
        (tmp_path / "memory.json").write_text(json.dumps({"checkpoint": seen["note"]}))
    try:
        check_key_proof(
            KeyProof.from_json(proof),
            log_key=LOG_KEY,
            action=asked.get("action", ACTION),
            objects=asked.get("objects", OBJECTS),
            memory=memory,
            consistency=lambda old, new: [b64(h) for h in consistency or []],
        )
    except KeyRefused as exc:
        return type(exc).__name__, exc.detail
    return "ok", ""


@pytest.mark.parametrize(
    ("proof", "asked", "seen", "consistency", "outcome"),
    [pytest.param(*case[1:], id=case[0]) for case in PROOF_CASES],
)
def test_key_proofs_as_in_python(
    trust_page: Page,
    tmp_path: Path,
    proof: Any,
    asked: dict[str, Any],
    seen: Any,
    consistency: list[str] | None,
    outcome: tuple[str, str],
) -> None:
    kind, message = outcome
    python_kind, python_message = _python_outcome(tmp_path, proof, asked, seen, consistency)
    assert python_kind == kind
    assert python_message.startswith(message)
    newest = seen and {"size": str(seen["size"]), "root": b64encode(seen["root"])}
    arguments = {
        "log_key": LOG_KEY.vkey(),
        "action": asked.get("action", ACTION),
        "objects": asked.get("objects", OBJECTS),
        "newest": newest,
        "consistency": consistency,
    }
    result = call(trust_page, "keyProof", proof, arguments)
    if kind == "ok":
        asked_for = [[3, 5]] if seen else []
        assert result == {
            "ok": {"size": 5, "root": b64encode(merkle.root_of(LEAVES[:5])), "asked": asked_for}
        }
    else:
        assert result["refused"]["name"] == kind
        assert result["refused"]["message"].startswith(message)
