"""The home's owner-signed key lists a share package carries, checked offline.

``key-lists.json`` holds ``{"lists": [signed list + "proof"]}``: every version of the
home's key list from 1 to the newest when the package was built, each as the key
list routes serve it. Verification checks the chain (each version signed by an owner
of the one before, version 1 by an owner it lists: ``crypto/keylist.py``), and each
version's ``home_keys.signed`` entry proven into a checkpoint signed by the hub's log
key, so a list the hub made up would have to be in the public log, where the owner's
``doorstep keys monitor`` sees it. A clip's device signature counts only when its
device key is in the newest list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from doorstep.audit.checkpoint import LogKey
from doorstep.audit.entries import key_label
from doorstep.crypto.keylist import KeyList, SignedKeyList, parse_list, verify_chain
from doorstep.crypto.keys import key_id
from doorstep.errors import CryptoError
from doorstep.evidence import EvidenceError
from doorstep.evidence.custody import open_custody
from doorstep.evidence.package import KEY_LISTS, ClipEntry, parse_json

KEY_LIST_ACTION = "home_keys.signed"
SIGNED_FIELDS = ("version", "body", "signer", "signature")


def check_key_lists(data: bytes, log_key: LogKey) -> KeyList:
    """The newest list once the chain and every version's log proof check."""
    items = parse_json(data, KEY_LISTS).get("lists")
    if not isinstance(items, list) or not items:
        raise EvidenceError(KEY_LISTS, "parse", "lists is missing, empty or not a list")
    signed = []
    for number, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise EvidenceError(KEY_LISTS, "parse", f"lists[{number}] is not a JSON object")
        try:
            one = SignedKeyList.from_json({name: item.get(name) for name in SIGNED_FIELDS})
            listed = parse_list(one)
        except CryptoError as exc:
            raise EvidenceError(KEY_LISTS, "key-list", f"lists[{number}]: {exc.detail}") from exc
        _check_proof(item.get("proof"), one, listed, log_key)
        signed.append(one)
    if signed[0].version != 1:
        raise EvidenceError(
            KEY_LISTS,
            "key-list",
            f"the home's signed key lists do not verify: they start at version "
            f"{signed[0].version}, not 1, so who signed them can't be traced to the first owner",
        )
    home_id = parse_list(signed[0]).home_id
    try:
        return verify_chain(signed, home_id=home_id, pinned=None)
    except CryptoError as exc:
        raise EvidenceError(
            KEY_LISTS, "key-list", f"the home's signed key lists do not verify: {exc.detail}"
        ) from exc


def _check_proof(proof: Any, signed: SignedKeyList, listed: KeyList, log_key: LogKey) -> None:
    where = f"version {signed.version}"
    if not isinstance(proof, Mapping):
        raise EvidenceError(KEY_LISTS, "key-list-proof", f"{where} has no inclusion proof")
    try:
        custody = open_custody(
            {
                "checkpoint": proof.get("checkpoint"),
                "entries": [
                    {
                        "index": proof.get("index"),
                        "entry": proof.get("entry"),
                        "proof": proof.get("inclusion"),
                    }
                ],
            },
            log_key,
            source=KEY_LISTS,
        )
    except EvidenceError as exc:
        detail = exc.detail.removeprefix(f"{KEY_LISTS}: ")
        raise EvidenceError(KEY_LISTS, "key-list-proof", f"{where}'s log proof: {detail}") from exc
    [entry] = custody.entries
    expected = {
        "label": key_label("home", listed.home_id),
        "version": signed.version,
        "list_sha256": listed.digest(),
        "signing_key_id": key_id(signed.signer),
    }
    objects = entry.get("objects")
    found = {name: objects.get(name) for name in expected} if isinstance(objects, dict) else {}
    if entry.get("action") != KEY_LIST_ACTION or found != expected:
        raise EvidenceError(
            KEY_LISTS,
            "key-list-proof",
            f"{where}'s log entry is not the {KEY_LIST_ACTION} entry of this list "
            f"(it is {entry.get('action')!r} with {found})",
        )


def check_device(clip: ClipEntry, newest: KeyList) -> None:
    """EvidenceError unless the clip's device key is one the owner signed into the list."""
    if newest.device(clip.device_public_key) is None:
        raise EvidenceError(
            KEY_LISTS,
            "device-key",
            f"clip {clip.clip_id}'s device key {clip.device_key_id} is not in the home's "
            f"owner-signed key list (version {newest.version}): its signatures prove nothing",
        )
