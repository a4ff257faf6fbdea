"""What the owner's pages sign, tag, wrap and seal in Chromium, checked by the Python code.

A key list chain signed in the browser (first list, a device added, the home key
rotated) is byte for byte the chain doorstep.crypto.keylist signs for the same keys
(Ed25519 is deterministic) and verifies in Python; the pairing tags are the Python
tags; a key wrapped and an attestation sealed in the browser open in Python.
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from playwright.sync_api import Browser, Page
from zxcvbn import zxcvbn
from zxcvbn.matching import RANKED_DICTIONARIES

from doorstep.crypto.attestation import Attestation, PartAttestation, open_attestation
from doorstep.crypto.keylist import (
    KeyList,
    ListedDevice,
    ListedHomeKey,
    Member,
    SignedKeyList,
    next_list,
    sign_list,
    verify_list,
    with_device,
    with_home_key,
)
from doorstep.crypto.keys import key_id, private_raw, public_raw
from doorstep.crypto.pairing import device_tag, owner_tag
from doorstep.crypto.signing_keys import signing_key_of
from doorstep.crypto.strength import MIN_SCORE, check_passphrase
from doorstep.crypto.unwrap import unwrap_key
from doorstep.errors import CryptoError
from tests.browser.pages import STATIC_DIR, Site, call, open_keys_page


@pytest.fixture(scope="module")
def owner_page(browser: Browser, site: Site) -> Iterator[Page]:
    page = open_keys_page(browser, site, "/owner-harness.js")
    yield page
    page.close()


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def x25519_public() -> bytes:
    return public_raw(X25519PrivateKey.generate().public_key())


def member(private: X25519PrivateKey, *, owner: bool) -> Member:
    public = public_raw(private.public_key())
    return Member(
        user_id=uuid.uuid4(),
        owner=owner,
        key_id=key_id(public),
        public_key=public,
        signing_key=public_raw(signing_key_of(private).public_key()),
    )


def as_json(m: Member) -> dict[str, Any]:
    return {
        "user_id": str(m.user_id),
        "owner": m.owner,
        "key_id": m.key_id,
        "public_key": b64(m.public_key),
        "signing_key": b64(m.signing_key),
    }


def test_a_key_list_chain_signed_in_the_browser_is_pythons_and_verifies(owner_page: Page) -> None:
    owner_private = X25519PrivateKey.generate()
    owner = member(owner_private, owner=True)
    other = member(X25519PrivateKey.generate(), owner=False)
    home_id = uuid.uuid4()
    home_key, next_home_key = x25519_public(), x25519_public()
    device_key = public_raw(Ed25519PrivateKey.generate().public_key())
    device = ListedDevice(uuid.uuid4(), key_id(device_key), device_key, revoked=False)
    signed = call(
        owner_page,
        "signChain",
        {
            "ownerPrivate": b64(private_raw(owner_private)),
            "homeId": str(home_id),
            # Out of order on purpose: the body sorts them.
            "members": sorted([as_json(owner), as_json(other)], key=lambda m: m["user_id"])[::-1],
            "homeKey": b64(home_key),
            "addDevice": {
                "device_id": str(device.device_id),
                "key_id": device.key_id,
                "public_key": b64(device_key),
                "revoked": False,
            },
            "nextHomeKey": b64(next_home_key),
        },
    )["ok"]
    signing = signing_key_of(owner_private)
    first = next_list(
        None,
        home_id=home_id,
        members=[owner, other],
        home_keys=[ListedHomeKey(key_id(home_key), home_key, version=1, retired=False)],
    )
    second = with_device(first, device)
    third = with_home_key(second, next_home_key)
    assert signed == [sign_list(lst, signing).to_json() for lst in (first, second, third)]
    previous: KeyList | None = None
    for record in signed:
        previous = verify_list(
            SignedKeyList.from_json(record),
            home_id=home_id,
            previous=previous,
            trusted_owners=[owner.signing_key],
        )
    assert previous is not None and previous.current_home_key().public_key == next_home_key
    assert previous.device(device_key) == device


def test_a_list_signed_in_the_browser_by_a_member_who_is_no_owner_is_refused(
    owner_page: Page,
) -> None:
    owner = member(X25519PrivateKey.generate(), owner=True)
    not_owner_private = X25519PrivateKey.generate()
    home_id = uuid.uuid4()
    device_key = public_raw(Ed25519PrivateKey.generate().public_key())
    signed = call(
        owner_page,
        "signChain",
        {
            "ownerPrivate": b64(private_raw(not_owner_private)),
            "homeId": str(home_id),
            "members": [as_json(owner), as_json(member(not_owner_private, owner=False))],
            "homeKey": b64(x25519_public()),
            "addDevice": {
                "device_id": str(uuid.uuid4()),
                "key_id": key_id(device_key),
                "public_key": b64(device_key),
                "revoked": False,
            },
            "nextHomeKey": b64(x25519_public()),
        },
    )["ok"]
    with pytest.raises(CryptoError, match="not an owner in the list"):
        verify_list(SignedKeyList.from_json(signed[0]), home_id=home_id, previous=None)


def test_pairing_tags_are_the_python_tags(owner_page: Page) -> None:
    home_id = uuid.uuid4()
    owner_key = os.urandom(32)
    device_key = os.urandom(32)
    secret = "0123456789AB"
    got = call(owner_page, "tags", secret, str(home_id), b64(owner_key), b64(device_key))["ok"]
    assert got["owner"] == b64(owner_tag(secret, home_id, owner_key))
    assert got["device"] == b64(device_tag(secret, home_id, device_key))
    assert len(got["secret"]) == 12
    assert set(got["secret"]) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    assert got["code"] == "ABCDE-FGH1J-SSSS-SSSS-SSSS"


def test_a_key_wrapped_in_the_browser_opens_in_python_for_its_subject_only(
    owner_page: Page,
) -> None:
    recipient = X25519PrivateKey.generate()
    secret = os.urandom(32)
    wrapped = base64.b64decode(
        call(owner_page, "wrap", b64(secret), b64(public_raw(recipient.public_key())), "home:ab")[
            "ok"
        ]
    )
    assert unwrap_key(wrapped, recipient=recipient, subject="home:ab") == secret
    with pytest.raises(CryptoError):
        unwrap_key(wrapped, recipient=recipient, subject="home:other")
    low_order = call(owner_page, "wrap", b64(secret), b64(bytes(32)), "home:ab")
    assert low_order["refused"]["message"] == "the recipient's public key is a point of low order"


def test_an_attestation_sealed_in_the_browser_opens_in_python(owner_page: Page) -> None:
    content_key, clip_id = os.urandom(32), uuid.uuid4()
    attestation = Attestation(
        device_key_id=os.urandom(16).hex(),
        parts={
            "clip": PartAttestation(os.urandom(32), os.urandom(64)),
            "snapshot": PartAttestation(os.urandom(32), os.urandom(64)),
        },
    )
    record = {
        "device_key_id": attestation.device_key_id,
        "parts": {
            name: {
                "plaintext_sha256": seen.plaintext_sha256.hex(),
                "device_signature": b64(seen.device_signature),
            }
            for name, seen in attestation.parts.items()
        },
    }
    sealed_b64 = call(owner_page, "seal", record, b64(content_key), str(clip_id))["ok"]
    sealed = base64.b64decode(sealed_b64)
    assert open_attestation(sealed, content_key=content_key, clip_id=clip_id) == attestation
    with pytest.raises(CryptoError, match="does not open"):
        open_attestation(sealed, content_key=content_key, clip_id=uuid.uuid4())


def _most_guessable_list_words(count: int) -> list[str]:
    """The words of the browser's list that zxcvbn's dictionaries rank most common."""
    words = (STATIC_DIR / "vendor" / "eff-wordlist.txt").read_text().split()
    rank = {w: min(d.get(w, 10**9) for d in RANKED_DICTIONARIES.values()) for w in words}
    return sorted(words, key=lambda w: rank[w])[:count]


def test_every_passphrase_the_browser_accepts_passes_the_python_rule(owner_page: Page) -> None:
    worst = _most_guessable_list_words(8)
    email, name = f"{worst[0]}@doorstep.example", f"{worst[1].title()} Resident"
    candidates = [
        " ".join(worst[2:7]),  # five of the most common words: accepted, and strong
        "-".join(worst[3:8]),
        " ".join(worst[:6]),  # two of them are the person's own: only four count
        " ".join(worst[2:6]),
        " ".join([worst[0]] * 6),
        "Tr0ub4dor&3 is a fine password",
        *call(owner_page, "suggestions", 25),
    ]
    verdicts = call(
        owner_page, "strength", candidates, {"signInPassword": "", "userInputs": [email, name]}
    )
    accepted = [p for p, v in zip(candidates, verdicts, strict=True) if v["ok"]]
    assert [v["ok"] for v in verdicts[:6]] == [True, True, False, False, False, False]
    assert len(accepted) == 2 + 25
    for passphrase in accepted:
        check_passphrase(passphrase, user_inputs=[email, name], sign_in_check=None)
        assert zxcvbn(passphrase, user_inputs=[email, name])["score"] >= MIN_SCORE
