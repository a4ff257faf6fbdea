"""A share package's owner-signed key lists: a device signature counts only from a device
the owner listed, in lists whose every version is proven into the hub's log."""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.audit.entries import canonical_json
from doorstep.crypto.keylist import parse_list, sign_list
from doorstep.crypto.keys import key_id
from doorstep.evidence import EvidenceError
from doorstep.evidence.package import KEY_LISTS, MANIFEST, SIGNATURE, signature_text
from doorstep.evidence.verify import verify_package
from tests.evidence.factory import (
    Footage,
    Hub,
    KeyHome,
    build_package,
    key_home,
    make_footage,
    make_hub,
    members,
    rewrite,
)


@pytest.fixture(scope="module")
def hub() -> Hub:
    return make_hub()


@pytest.fixture(scope="module")
def agency() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


@pytest.fixture(scope="module")
def footage() -> Footage:
    return make_footage(0)


@pytest.fixture(scope="module")
def home(footage: Footage) -> KeyHome:
    return key_home([footage.device_public])


@pytest.fixture(scope="module")
def package(hub: Hub, agency: X25519PrivateKey, footage: Footage, home: KeyHome) -> bytes:
    return build_package(hub, [footage], agency=agency, home=home)


def refused(package: bytes, **options: Any) -> EvidenceError:
    with pytest.raises(EvidenceError) as caught:
        verify_package(io.BytesIO(package), **options)
    return caught.value


def resigned(hub: Hub, package: bytes, lists: list[dict[str, Any]]) -> bytes:
    """``key-lists.json`` replaced by ``lists``, the manifest signed again by the hub."""
    files = members(package)
    data = canonical_json({"lists": lists})
    manifest = json.loads(files[MANIFEST][0])
    manifest["files"][KEY_LISTS] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    signed = canonical_json(manifest)
    files[KEY_LISTS] = (data, files[KEY_LISTS][1])
    files[MANIFEST] = (signed, files[MANIFEST][1])
    files[SIGNATURE] = (signature_text(hub.signing_key.sign(signed)), files[SIGNATURE][1])
    return rewrite(files)


def carried(package: bytes) -> list[dict[str, Any]]:
    lists: list[dict[str, Any]] = json.loads(members(package)[KEY_LISTS][0])["lists"]
    return lists


def test_the_package_carries_every_version_and_verifies_the_device(
    hub: Hub, agency: X25519PrivateKey, package: bytes, home: KeyHome, footage: Footage
) -> None:
    assert [item["version"] for item in carried(package)] == [1, 2]
    report = verify_package(io.BytesIO(package), hub_key=hub.log_key, agency_key=agency)
    assert report.key_list is not None
    assert (report.key_list.home_id, report.key_list.version) == (home.home_id, 2)
    assert report.key_list.device(footage.device_public) is not None
    assert report.as_json()["key_list"] == {"home_id": str(home.home_id), "version": 2}


def test_a_clip_the_hub_sealed_with_its_own_device_key_is_refused(
    hub: Hub, agency: X25519PrivateKey, home: KeyHome
) -> None:
    """The hub made the content key and the device key; the owner's lists don't hold it."""
    forged = make_footage(1)
    package = build_package(hub, [forged], agency=agency, home=home)
    for options in ({}, {"agency_key": agency}):
        error = refused(package, **options)
        assert (error.file, error.check) == (KEY_LISTS, "device-key"), error.detail
        assert f"device key {key_id(forged.device_public)} is not in" in error.detail


def test_lists_that_stop_before_the_device_was_paired_are_refused(hub: Hub, package: bytes) -> None:
    error = refused(resigned(hub, package, carried(package)[:1]))
    assert (error.file, error.check) == (KEY_LISTS, "device-key"), error.detail
    assert "(version 1)" in error.detail


def _signature_flipped(lists: list[dict[str, Any]]) -> list[dict[str, Any]]:
    lists = copy.deepcopy(lists)
    raw = bytearray(base64.b64decode(lists[1]["signature"]))
    raw[5] ^= 1
    lists[1]["signature"] = base64.b64encode(bytes(raw)).decode()
    return lists


def _signed_by_a_stranger(home: KeyHome) -> list[dict[str, Any]]:
    """Version 2 signed by a key that is no owner (the proof names that signer too)."""
    stranger = Ed25519PrivateKey.generate()
    forged = sign_list(parse_list(home.lists[1]), stranger)
    return [home.lists[0].to_json(), forged.to_json()]


def _inclusion_broken(lists: list[dict[str, Any]]) -> list[dict[str, Any]]:
    lists = copy.deepcopy(lists)
    node = bytearray(base64.b64decode(lists[0]["proof"]["inclusion"][0]))
    node[0] ^= 1
    lists[0]["proof"]["inclusion"][0] = base64.b64encode(bytes(node)).decode()
    return lists


def _proofs_swapped(lists: list[dict[str, Any]]) -> list[dict[str, Any]]:
    lists = copy.deepcopy(lists)
    lists[0]["proof"], lists[1]["proof"] = lists[1]["proof"], lists[0]["proof"]
    return lists


def _without(lists: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    lists = copy.deepcopy(lists)
    del lists[1][name]
    return lists


def test_each_way_the_lists_can_be_broken_is_named(hub: Hub, package: bytes, home: KeyHome) -> None:
    lists = carried(package)
    cases: dict[str, tuple[list[dict[str, Any]], str, str]] = {
        "a list's signature broken": (
            _signature_flipped(lists),
            "key-list",
            "the home's signed key lists do not verify",
        ),
        "version 1 left out": (lists[1:], "key-list", "do not verify"),
        "no lists": ([], "parse", "lists is missing, empty"),
        "an inclusion hash changed": (
            _inclusion_broken(lists),
            "key-list-proof",
            "version 1's log proof",
        ),
        "proofs swapped": (_proofs_swapped(lists), "key-list-proof", "is not the home_keys"),
        "a proof missing": (_without(lists, "proof"), "key-list-proof", "no inclusion proof"),
        "a body field missing": (_without(lists, "body"), "key-list", "lists[1]"),
    }
    for case, (changed, check, words) in cases.items():
        error = refused(resigned(hub, package, changed))
        assert (error.file, error.check) == (KEY_LISTS, check), (case, error.detail)
        assert words in error.detail, (case, error.detail)
    # A version the owner didn't sign, even if its proof were real, fails the chain first.
    stranger = _signed_by_a_stranger(home)
    stranger[0]["proof"], stranger[1]["proof"] = lists[0]["proof"], lists[1]["proof"]
    error = refused(resigned(hub, package, stranger))
    assert error.file == KEY_LISTS and error.check in ("key-list", "key-list-proof")


def test_lists_proven_under_another_log_key_are_refused(
    hub: Hub, agency: X25519PrivateKey, footage: Footage, home: KeyHome
) -> None:
    """A hub can't carry lists proven in some other log than the one it signs with."""
    other = build_package(make_hub(hub.log_key.name), [footage], agency=agency, home=home)
    package = build_package(hub, [footage], agency=agency, home=home)
    error = refused(resigned(hub, package, carried(other)), hub_key=hub.log_key)
    assert (error.file, error.check) == (KEY_LISTS, "key-list-proof"), error.detail
    assert "checkpoint" in error.detail
