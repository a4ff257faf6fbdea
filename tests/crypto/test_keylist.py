"""Home key lists: a valid chain verifies, and each rule refuses the list that breaks it."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.audit.entries import canonical_json
from doorstep.crypto.keylist import (
    KeyList,
    ListedDevice,
    ListedHomeKey,
    Member,
    SignedKeyList,
    next_list,
    parse_list,
    sign_list,
    verify_chain,
    verify_list,
    with_device,
    with_home_key,
    with_member,
    without_member,
)
from doorstep.crypto.keys import ed25519_public, key_id, public_raw
from doorstep.crypto.signing_keys import signing_key_of
from doorstep.errors import CryptoError

HOME = uuid.UUID("a0000000-0000-4000-8000-000000000001")
OTHER_HOME = uuid.UUID("a0000000-0000-4000-8000-000000000002")


def _x25519(n: int) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(bytes([n]) * 32)


@dataclass(frozen=True)
class Resident:
    user_id: uuid.UUID
    private: X25519PrivateKey

    @property
    def signing(self) -> Ed25519PrivateKey:
        return signing_key_of(self.private)

    @property
    def signing_public(self) -> bytes:
        return public_raw(self.signing.public_key())

    def member(self, *, owner: bool) -> Member:
        public = public_raw(self.private.public_key())
        return Member(self.user_id, owner, key_id(public), public, self.signing_public)


ALICE = Resident(uuid.UUID("b0000000-0000-4000-8000-00000000000a"), _x25519(1))
BOB = Resident(uuid.UUID("b0000000-0000-4000-8000-00000000000b"), _x25519(2))
CAROL = Resident(uuid.UUID("b0000000-0000-4000-8000-00000000000c"), _x25519(3))
HOME_KEYS = [public_raw(_x25519(10 + n).public_key()) for n in range(3)]
DEVICE_KEY = public_raw(Ed25519PrivateKey.from_private_bytes(bytes([20]) * 32).public_key())
DEVICE = ListedDevice(
    uuid.UUID("c0000000-0000-4000-8000-000000000001"), key_id(DEVICE_KEY), DEVICE_KEY, False
)


def _chain() -> list[KeyList]:
    """v1: Alice (owner), Carol, home key 1, one device; v2: home key 2; v3: Bob, an owner."""
    first = next_list(
        None,
        home_id=HOME,
        members=[ALICE.member(owner=True), CAROL.member(owner=False)],
        home_keys=[ListedHomeKey(key_id(HOME_KEYS[0]), HOME_KEYS[0], 1, False)],
        devices=[DEVICE],
    )
    second = with_home_key(first, HOME_KEYS[1])
    third = with_member(second, BOB.member(owner=True))
    return [first, second, third]


CHAIN = _chain()
SIGNED = [sign_list(key_list, ALICE.signing) for key_list in CHAIN]


def test_a_valid_chain_verifies() -> None:
    newest = verify_chain(SIGNED, home_id=HOME, pinned=None, trusted_owners=[ALICE.signing_public])
    assert newest == CHAIN[2]
    assert newest.version == 3
    assert newest.current_home_key().public_key == HOME_KEYS[1]
    assert [k.retired for k in newest.home_keys] == [True, False]
    assert {m.user_id for m in newest.owners()} == {ALICE.user_id, BOB.user_id}
    assert newest.device(DEVICE_KEY) == DEVICE
    assert newest.member(CAROL.user_id) == CAROL.member(owner=False)


def test_a_chain_continues_from_the_pinned_version() -> None:
    assert verify_chain(SIGNED[1:], home_id=HOME, pinned=CHAIN[0]) == CHAIN[2]
    assert verify_chain([], home_id=HOME, pinned=CHAIN[2]) == CHAIN[2]
    with pytest.raises(CryptoError, match="no key list"):
        verify_chain([], home_id=HOME, pinned=None)


def test_the_signed_list_round_trips_through_json() -> None:
    record = json.loads(json.dumps(SIGNED[1].to_json()))
    assert SignedKeyList.from_json(record) == SIGNED[1]
    assert SignedKeyList.from_json({**record, "proof": None}) == SIGNED[1]
    assert parse_list(SIGNED[1]) == CHAIN[1]


def test_the_body_is_the_documented_json() -> None:
    body = json.loads(CHAIN[1].body())
    assert body["format"] == "doorstep home key list v1"
    assert body["home_id"] == str(HOME)
    assert body["previous"] == CHAIN[0].digest()
    assert body["home_keys"][1] == {
        "id": key_id(HOME_KEYS[1]),
        "public_key": base64.b64encode(HOME_KEYS[1]).decode(),
        "version": 2,
        "retired": False,
    }
    assert [m["user_id"] for m in body["members"]] == [str(ALICE.user_id), str(CAROL.user_id)]
    assert SIGNED[1].signer == ALICE.signing_public
    ALICE.signing.public_key().verify(
        SIGNED[1].signature, b"doorstep home key list v1\0" + CHAIN[1].body()
    )


def test_the_second_owner_may_sign_the_next_version() -> None:
    fourth = with_device(
        CHAIN[2],
        replace(DEVICE, revoked=True),
    )
    assert verify_list(sign_list(fourth, BOB.signing), home_id=HOME, previous=CHAIN[2]) == fourth


def test_removing_a_member_names_them() -> None:
    fourth = without_member(CHAIN[2], CAROL.user_id)
    assert fourth.removed == ((CAROL.user_id, CAROL.member(owner=False).key_id),)
    assert verify_list(sign_list(fourth, ALICE.signing), home_id=HOME, previous=CHAIN[2]) == fourth


# -- each rule, as (what is done to a valid list, the error it gets) ---------------------

Body = dict[str, Any]


def _resign(body: bytes, signer: Resident = ALICE, *, version: int | None = None) -> SignedKeyList:
    number = json.loads(body)["version"] if version is None else version
    signature = signer.signing.sign(b"doorstep home key list v1\0" + body)
    return SignedKeyList(number, body, signer.signing_public, signature)


def _edited(index: int, edit: Callable[[Body], None]) -> SignedKeyList:
    """Version ``index + 1`` with ``edit`` done to its body, canonical and signed by Alice."""
    body = json.loads(CHAIN[index].body())
    edit(body)
    return _resign(canonical_json(body))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _set_member_key(body: Body, raw: bytes) -> None:
    body["members"][0]["public_key"] = _b64(raw)
    body["members"][0]["key_id"] = key_id(raw)


def _wrong_signature() -> SignedKeyList:
    good = SIGNED[2]
    return replace(good, signature=bytes([good.signature[0] ^ 1]) + good.signature[1:])


def _signed_by(resident: Resident, key_list: KeyList) -> SignedKeyList:
    return sign_list(key_list, resident.signing)


def _bob_adds_himself() -> SignedKeyList:
    return _signed_by(BOB, CHAIN[2])


def _carol_promotes_herself() -> tuple[SignedKeyList, KeyList]:
    return _signed_by(CAROL, with_member(CHAIN[2], CAROL.member(owner=True))), CHAIN[2]


def _gap() -> SignedKeyList:
    skipped = replace(CHAIN[2], version=4)
    return sign_list(skipped, ALICE.signing)


def _rolled_back_current_key() -> SignedKeyList:
    def edit(body: Body) -> None:
        body["home_keys"][0]["retired"] = False
        body["home_keys"][1]["retired"] = True

    return _edited(2, edit)


def _unretired() -> SignedKeyList:
    return _edited(2, lambda body: body["home_keys"][0].update(retired=False))


def _reordered_keys() -> SignedKeyList:
    body = json.loads(CHAIN[2].body())
    text = json.dumps(dict(reversed(list(body.items()))), separators=(",", ":"))
    return _resign(text.encode())


def _spaced() -> SignedKeyList:
    body = json.loads(CHAIN[2].body())
    return _resign(json.dumps(body, sort_keys=True).encode())


def _unsorted_members() -> SignedKeyList:
    body = json.loads(CHAIN[2].body())
    body["members"].reverse()
    return _resign(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())


def _dropped_home_key() -> SignedKeyList:
    return _edited(2, lambda body: body["home_keys"].pop(0))


def _home_key_version_changed() -> SignedKeyList:
    """Version 1's key renumbered 3 under a new current key 4: same id, another version."""
    first, second = CHAIN[2].home_keys
    renumbered = [replace(first, version=3), replace(second, retired=True)]
    newest = ListedHomeKey(key_id(HOME_KEYS[2]), HOME_KEYS[2], 4, False)
    edited = replace(CHAIN[2], home_keys=(*renumbered, newest))
    return sign_list(edited, ALICE.signing)


def _device_dropped() -> SignedKeyList:
    return _edited(2, lambda body: body["devices"].clear())


def _device_unrevoked() -> tuple[SignedKeyList, KeyList]:
    revoked = with_device(CHAIN[2], replace(DEVICE, revoked=True))
    unrevoked = with_device(revoked, DEVICE)
    return sign_list(unrevoked, ALICE.signing), revoked


def _silently_removed() -> SignedKeyList:
    return _edited(2, lambda body: body["members"].pop(2))  # Carol, sorted last


def _new_key_older_than_newest() -> tuple[SignedKeyList, KeyList]:
    # Home key versions 1 and 3; the next version slips in a key as version 2.
    gapped = replace(
        CHAIN[1],
        home_keys=(
            CHAIN[1].home_keys[0],
            replace(CHAIN[1].home_keys[1], version=3),
        ),
    )
    sneaked = ListedHomeKey(key_id(HOME_KEYS[2]), HOME_KEYS[2], 2, True)
    following = next_list(gapped, home_id=HOME, home_keys=[*gapped.home_keys, sneaked])
    return sign_list(following, ALICE.signing), gapped


Case = tuple[str, Callable[[], Any], str]

# Version 3 against version 2 unless the builder gives its own previous version.
AGAINST_PREVIOUS: list[Case] = [
    ("wrong signature", _wrong_signature, "the signature does not verify"),
    ("signer not in the previous owners", _bob_adds_himself, "not an owner in version 2"),
    ("a member makes themself owner", _carol_promotes_herself, "not an owner in version 3"),
    ("version gap", _gap, "skips versions after 2: a gap"),
    ("version replay", lambda: SIGNED[1], "version 2 is not newer than version 2"),
    (
        "wrong previous digest",
        lambda: _edited(2, lambda body: body.update(previous=CHAIN[0].digest())),
        "does not name version 2's digest",
    ),
    ("home key dropped", _dropped_home_key, "drops or changes home key version 1"),
    ("home key version changed", _home_key_version_changed, "drops or changes home key version 1"),
    ("new home key not newer", _new_key_older_than_newest, "not newer than version 3"),
    ("retired key un-retired", _unretired, "2 current home keys, not 1"),
    ("current key rolled back", _rolled_back_current_key, "current home key is version 1"),
    ("device dropped", _device_dropped, "drops device"),
    ("device un-revoked", _device_unrevoked, "un-revokes device"),
    ("member left out of removed", _silently_removed, "removed must name exactly"),
    (
        "removed names someone still listed",
        lambda: _edited(
            2,
            lambda body: body["removed"].append(
                {"user_id": str(CAROL.user_id), "key_id": "0" * 32}
            ),
        ),
        "removed must name exactly",
    ),
    (
        "another home",
        lambda: _edited(2, lambda body: body.update(home_id=str(OTHER_HOME))),
        "for another home",
    ),
]

# Parse rules, seen on version 3 alone.
MALFORMED: list[Case] = [
    ("re-ordered keys", _reordered_keys, "not in canonical form"),
    ("extra spaces", _spaced, "not in canonical form"),
    ("unsorted members", _unsorted_members, "not in canonical form"),
    (
        "unknown field",
        lambda: _edited(2, lambda body: body.update(note="hi")),
        "unknown field 'note'",
    ),
    (
        "unknown member field",
        lambda: _edited(2, lambda body: body["members"][0].update(admin=True)),
        "members[0] has unknown field 'admin'",
    ),
    (
        "missing field",
        lambda: _edited(2, lambda body: body.pop("devices")),
        "missing field 'devices'",
    ),
    (
        "wrong format",
        lambda: _edited(2, lambda body: body.update(format="doorstep home key list v2")),
        "the format is not",
    ),
    (
        "member key id not matching its bytes",
        lambda: _edited(2, lambda body: body["members"][0].update(key_id="0" * 32)),
        "members[0].key_id does not match its public key",
    ),
    (
        "home key id not matching its bytes",
        lambda: _edited(2, lambda body: body["home_keys"][1].update(id=key_id(HOME_KEYS[0]))),
        "home_keys[1].id does not match its public key",
    ),
    (
        "device key id not matching its bytes",
        lambda: _edited(2, lambda body: body["devices"][0].update(key_id="0" * 32)),
        "devices[0].key_id does not match its public key",
    ),
    (
        "low-order member key",
        lambda: _edited(2, lambda body: _set_member_key(body, bytes(32))),
        "members[0].public_key is a point of low order",
    ),
    (
        "non-canonical member key",
        lambda: _edited(2, lambda body: _set_member_key(body, b"\xff" * 32)),
        "members[0].public_key has the top bit set",
    ),
    (
        "non-canonical base64",
        lambda: _edited(
            2,
            lambda body: body["members"][0].update(
                public_key=body["members"][0]["public_key"][:-2] + "B="
            ),
        ),
        "not in canonical base64",
    ),
    ("two current keys", _unretired, "2 current home keys"),
    (
        "no current key",
        lambda: _edited(2, lambda body: body["home_keys"][1].update(retired=True)),
        "0 current home keys",
    ),
    (
        "a member twice",
        lambda: _edited(2, lambda body: body["members"].append(body["members"][0])),
        "a member appears twice",
    ),
    (
        "a home key version twice",
        lambda: _edited(
            2,
            lambda body: body["home_keys"].insert(
                0,
                {
                    "id": key_id(HOME_KEYS[2]),
                    "public_key": _b64(HOME_KEYS[2]),
                    "version": 1,
                    "retired": True,
                },
            ),
        ),
        "a home key version appears twice",
    ),
    (
        "no owner",
        lambda: _edited(2, lambda body: [m.update(owner=False) for m in body["members"]]),
        "no member is an owner",
    ),
    (
        "version is a string",
        lambda: _resign(_edited(2, lambda body: body.update(version="3")).body, version=3),
        "version must be a whole number",
    ),
    (
        "version 1 with a previous digest",
        lambda: _edited(0, lambda body: body.update(previous="0" * 64)),
        "version 1 has no previous version",
    ),
    (
        "a later version without a previous digest",
        lambda: _edited(2, lambda body: body.update(previous=None)),
        "previous must be",
    ),
    (
        "uppercase user id",
        lambda: _edited(
            2, lambda body: body["members"][0].update(user_id=str(ALICE.user_id).upper())
        ),
        "members[0].user_id must be a UUID",
    ),
    ("not JSON", lambda: _resign(b"\xff", version=3), "not JSON in UTF-8"),
    ("nested too deep", lambda: _resign(b"[" * 100_000 + b"]" * 100_000, version=3), "not JSON"),
    ("NaN", lambda: _resign(b'{"version":NaN}', version=3), "not JSON"),
    (
        "a 5000-digit number",
        lambda: _resign(b'{"version":' + b"9" * 5000 + b"}", version=3),
        "not JSON",
    ),
    (
        "the signed version differs from the body's",
        lambda: replace(SIGNED[2], version=4),
        "the body is version 3, not 4",
    ),
]


def _case(builder: Callable[[], Any]) -> tuple[SignedKeyList, KeyList]:
    built = builder()
    return built if isinstance(built, tuple) else (built, CHAIN[1])


@pytest.mark.parametrize(
    ("builder", "reason"),
    [case[1:] for case in AGAINST_PREVIOUS],
    ids=[case[0] for case in AGAINST_PREVIOUS],
)
def test_verify_list_refuses(builder: Callable[[], Any], reason: str) -> None:
    signed, previous = _case(builder)
    with pytest.raises(CryptoError, match=re.escape(reason)):
        verify_list(signed, home_id=HOME, previous=previous)


@pytest.mark.parametrize(
    ("builder", "reason"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_parse_list_refuses(builder: Callable[[], Any], reason: str) -> None:
    signed, _ = _case(builder)
    with pytest.raises(CryptoError, match=re.escape(reason)):
        parse_list(signed)
    with pytest.raises(CryptoError, match=re.escape(reason)):
        verify_list(signed, home_id=HOME, previous=None)


def test_every_builder_still_signs_validly() -> None:
    """The refusals above are for the rule named, not for a signature broken by the edit."""
    for name, builder, _ in AGAINST_PREVIOUS + MALFORMED:
        signed, _previous = _case(builder)
        if name in ("wrong signature", "the signed version differs from the body's"):
            continue
        ed25519_public(signed.signer).verify(
            signed.signature, b"doorstep home key list v1\0" + signed.body
        )


def test_without_a_previous_version_the_signer_must_be_a_listed_owner() -> None:
    with pytest.raises(CryptoError, match="not an owner in the list"):
        verify_list(sign_list(CHAIN[0], CAROL.signing), home_id=HOME, previous=None)
    with pytest.raises(CryptoError, match="not an owner in the list"):
        verify_list(sign_list(CHAIN[0], BOB.signing), home_id=HOME, previous=None)


def test_trusted_owners_limit_who_signs_the_first_list_seen() -> None:
    verify_list(SIGNED[0], home_id=HOME, previous=None, trusted_owners=[ALICE.signing_public])
    with pytest.raises(CryptoError, match="does not trust"):
        verify_list(SIGNED[0], home_id=HOME, previous=None, trusted_owners=[BOB.signing_public])
    # A hub's own list, listing its own key as owner, is refused by a client that pinned Alice.
    forged = next_list(
        None,
        home_id=HOME,
        members=[BOB.member(owner=True)],
        home_keys=[ListedHomeKey(key_id(HOME_KEYS[2]), HOME_KEYS[2], 1, False)],
    )
    with pytest.raises(CryptoError, match="does not trust"):
        verify_chain(
            [sign_list(forged, BOB.signing)],
            home_id=HOME,
            pinned=None,
            trusted_owners=[ALICE.signing_public],
        )


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ([], "must be a JSON object"),
        ({"version": 1, "body": "", "signer": ""}, "has the fields"),
        ({**SIGNED[0].to_json(), "extra": 1}, "has the fields"),
        ({**SIGNED[0].to_json(), "version": True}, "whole number"),
        ({**SIGNED[0].to_json(), "version": 0}, "whole number"),
        ({**SIGNED[0].to_json(), "signer": _b64(bytes(31))}, "32 bytes, got 31"),
        ({**SIGNED[0].to_json(), "signature": _b64(bytes(63))}, "64 bytes, got 63"),
        ({**SIGNED[0].to_json(), "body": "***"}, "not base64"),
        ({**SIGNED[0].to_json(), "body": "YR=="}, "not in canonical base64"),
    ],
)
def test_signed_list_from_json_is_strict(record: Any, reason: str) -> None:
    with pytest.raises(CryptoError, match=re.escape(reason)):
        SignedKeyList.from_json(record)


def test_next_list_keeps_the_home() -> None:
    with pytest.raises(CryptoError, match="same home"):
        next_list(CHAIN[0], home_id=OTHER_HOME)
    with pytest.raises(CryptoError, match="not a member"):
        without_member(CHAIN[0], BOB.user_id)
    with pytest.raises(CryptoError, match="low order"):
        with_home_key(CHAIN[0], bytes(32))
