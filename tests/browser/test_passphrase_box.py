"""doorstep-keys.js in Chromium: passphrase boxes sealed and opened across browser and Python.

Boxes made here use the cheapest cost the hub accepts (19 MiB, two passes, one lane), so that
each Argon2id takes tens of milliseconds; the vector uses it too.
"""

from __future__ import annotations

import os
import struct
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from playwright.sync_api import Page

from doorstep.crypto.format import (
    BOX_LAYOUT,
    BoxParameters,
    b64encode,
    box_parameters,
)
from doorstep.crypto.keys import key_id, private_raw, public_raw
from doorstep.crypto.passphrase import (
    BOX_INFO,
    open_private_key,
    passphrase_key,
    seal_private_key,
)
from doorstep.errors import CryptoError
from tests.browser.pages import call
from tests.crypto.vectors import b64, load_vectors

VECTOR = load_vectors()["passphrase_boxes"][0]
CHEAP = BoxParameters(memory_kib=19456, iterations=2, lanes=1)
CHEAP_JS = {"memory_kib": 19456, "iterations": 2, "lanes": 1}
PASSPHRASE = "Tür, Fenster & Schlüssel – 🔑"


def id_of(private: X25519PrivateKey) -> str:
    return key_id(public_raw(private.public_key()))


def python_refusal(case: dict[str, Any]) -> str:
    """The message doorstep.crypto.passphrase refuses ``case`` with."""
    try:
        open_private_key(b64(case["box"]), case["passphrase"], expected_key_id=case["key_id"])
    except CryptoError as exc:
        return str(exc)
    raise AssertionError("the Python reader accepts the box")


def refused(message: str) -> dict[str, Any]:
    return {"refused": {"name": "DoorstepCryptoError", "message": message}}


def python_box(private: X25519PrivateKey, passphrase: str = PASSPHRASE) -> dict[str, Any]:
    box = seal_private_key(private, passphrase, parameters=CHEAP)
    return {"box": b64encode(box), "passphrase": passphrase, "key_id": id_of(private)}


def test_the_vector_opens_with_its_passphrase_in_another_normal_form(keys_page: Page) -> None:
    # Typed on a system that decomposes "ü" and "ï": NFC makes it the same passphrase.
    decomposed = unicodedata.normalize("NFD", VECTOR["passphrase"])
    assert decomposed != VECTOR["passphrase"]
    opened = call(keys_page, "openBox", {**VECTOR, "passphrase": decomposed})
    assert opened["ok"]["keyId"] == VECTOR["key_id"]


@pytest.mark.parametrize(
    "change",
    [
        {"passphrase": VECTOR["passphrase"] + "x"},
        {"passphrase": VECTOR["passphrase"].upper()},
        {"key_id": id_of(X25519PrivateKey.generate())},
    ],
    ids=["wrong passphrase", "wrong case", "another key id"],
)
def test_a_wrong_passphrase_or_key_id_is_refused(keys_page: Page, change: dict[str, str]) -> None:
    case = {**VECTOR, **change}
    message = f"the passphrase does not open the private key of {case['key_id']}"
    assert python_refusal(case) == message
    assert call(keys_page, "openBox", case) == refused(message)


def test_an_empty_passphrase_is_refused(keys_page: Page) -> None:
    case = {**VECTOR, "passphrase": ""}
    assert python_refusal(case) == "the passphrase is empty"
    assert call(keys_page, "openBox", case) == refused("the passphrase is empty")


def test_a_box_sealed_in_the_browser_opens_in_python(keys_page: Page) -> None:
    made = call(keys_page, "newSealedKey", PASSPHRASE, CHEAP_JS)["ok"]
    assert made["reopenedId"] == made["keyId"]
    box = bytes.fromhex(made["box"])
    assert box_parameters(box) == CHEAP  # the hub would store it
    private = open_private_key(box, PASSPHRASE, expected_key_id=made["keyId"])
    assert private_raw(private).hex() == made["privateRaw"]
    assert public_raw(private.public_key()).hex() == made["publicRaw"]
    assert id_of(private) == made["keyId"]
    # Fresh randomness every time: another key, salt and nonce.
    again = call(keys_page, "newSealedKey", PASSPHRASE, CHEAP_JS)["ok"]
    assert again["keyId"] != made["keyId"]
    assert again["box"][26:82] != made["box"][26:82]  # salt and nonce, as hex


def test_a_box_sealed_in_python_opens_in_the_browser(keys_page: Page) -> None:
    private = X25519PrivateKey.generate()
    case = python_box(private)
    opened = call(keys_page, "openBox", case)["ok"]
    assert opened["publicKey"] == public_raw(private.public_key()).hex()
    assert opened["keyId"] == case["key_id"]
    # Sealed again in the browser with the same salt and nonce: the same bytes.
    _v, _m, _t, _p, salt, nonce = BOX_LAYOUT.unpack_from(b64(case["box"]))
    again = {
        **CHEAP_JS,
        "private_key": b64encode(private_raw(private)),
        "passphrase": PASSPHRASE,
        "salt": b64encode(salt),
        "nonce": b64encode(nonce),
    }
    assert call(keys_page, "sealBox", again) == {"ok": b64(case["box"]).hex()}


def test_a_box_holding_another_key_is_refused(keys_page: Page) -> None:
    inside, claimed = X25519PrivateKey.generate(), X25519PrivateKey.generate()
    claimed_id = id_of(claimed)
    salt, nonce = os.urandom(16), os.urandom(12)
    key = passphrase_key(PASSPHRASE, salt, CHEAP)
    sealed = AESGCM(key).encrypt(nonce, private_raw(inside), BOX_INFO + claimed_id.encode())
    head = BOX_LAYOUT.pack(1, CHEAP.memory_kib, CHEAP.iterations, CHEAP.lanes, salt, nonce)
    case = {"box": b64encode(head + sealed), "passphrase": PASSPHRASE, "key_id": claimed_id}
    message = f"the box holds a key other than {claimed_id}"
    assert python_refusal(case) == message
    assert call(keys_page, "openBox", case) == refused(message)


def with_head(**fields: int) -> Callable[[bytes], bytes]:
    """A change to a box's version, memory, iterations or lanes."""

    def change(box: bytes) -> bytes:
        names = ("version", "memory", "iterations", "lanes")
        head = dict(zip(names, struct.unpack(">BIII", box[:13]), strict=True)) | fields
        return struct.pack(">BIII", *head.values()) + box[13:]

    return change


@pytest.mark.parametrize(
    "change",
    [
        with_head(memory=19455),
        with_head(memory=8),
        with_head(memory=4 * 1024 * 1024 + 1),
        with_head(iterations=1),
        with_head(iterations=65),
        with_head(lanes=0),
        with_head(lanes=65),
        with_head(version=2),
        lambda box: box[:-1],
        lambda box: box + b"\0",
    ],
    ids=[
        "memory below 19 MiB",
        "memory 8 KiB",
        "memory above 4 GiB",
        "one pass",
        "65 passes",
        "no lanes",
        "65 lanes",
        "version 2",
        "short",
        "long",
    ],
)
def test_boxes_outside_the_hubs_bounds_are_refused(
    keys_page: Page, change: Callable[[bytes], bytes]
) -> None:
    box = change(b64(VECTOR["box"]))
    with pytest.raises(CryptoError) as python:
        box_parameters(box)
    case = {**VECTOR, "box": b64encode(box)}
    # Refused before any Argon2id runs, in the words of format.box_parameters.
    assert call(keys_page, "parseBox", case["box"]) == refused(str(python.value))
    assert call(keys_page, "openBox", case) == refused(str(python.value))


@pytest.mark.parametrize(
    ("cost", "message"),
    [
        ({"memory_kib": 8192}, "Argon2id memory 8192 KiB is outside 19456..4194304"),
        ({"iterations": 1}, "Argon2id iterations 1 is outside 2..64"),
        ({"lanes": 0}, "Argon2id lanes 0 is outside 1..64"),
    ],
    ids=["little memory", "one pass", "no lanes"],
)
def test_the_browser_does_not_seal_weak_boxes(
    keys_page: Page, cost: dict[str, int], message: str
) -> None:
    result = call(keys_page, "sealBox", {**VECTOR, **CHEAP_JS, **cost})
    assert result == refused(message)


def test_the_vector_box_fields(keys_page: Page) -> None:
    parsed = call(keys_page, "parseBox", VECTOR["box"])["ok"]
    assert parsed == {
        "memoryKib": VECTOR["memory_kib"],
        "iterations": VECTOR["iterations"],
        "lanes": VECTOR["lanes"],
        "salt": b64(VECTOR["salt"]).hex(),
        "nonce": b64(VECTOR["nonce"]).hex(),
        "sealed": b64(VECTOR["box"])[BOX_LAYOUT.size :].hex(),
    }


def test_the_clip_viewers_csp_does_not_allow_argon2id(page: Page) -> None:
    # The viewer's CSP has no 'wasm-unsafe-eval', so hash-wasm cannot compile there: a page
    # that recovers keys must allow it (as keys.html does), and is told so when it does not.
    page.evaluate("async () => { window.h = await import('/keys-harness.js'); }")
    result = call(page, "openBox", VECTOR)
    assert result["refused"]["name"] == "DoorstepCryptoError"
    assert "'wasm-unsafe-eval'" in result["refused"]["message"]
