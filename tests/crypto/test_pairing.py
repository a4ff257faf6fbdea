"""Pairing codes: the hub part, the owner's secret part, and the tags that bind keys."""

from __future__ import annotations

import uuid

import pytest

from doorstep.crypto.pairing import (
    CODE_ALPHABET,
    check_tag,
    device_tag,
    format_code,
    new_secret,
    normalize_code,
    owner_tag,
    split_code,
)
from doorstep.errors import CryptoError

HOME = uuid.UUID("11111111-2222-3333-4444-555555555555")
SECRET = "ABCDEFGHJKMN"
KEY = bytes(range(32))
# HMAC-SHA256(SECRET, context ‖ HOME.bytes ‖ KEY), worked out with hmac by hand.
OWNER_TAG = "b7486ddfeb26ae20e2f2edd4b308440790904c5a1791d303b556ce1cd742bce2"
DEVICE_TAG = "2e0644478348138abf855622e5d5601ab6a747776716a05ec7e26720932d0a08"


def test_the_tags_are_as_documented() -> None:
    assert owner_tag(SECRET, HOME, KEY).hex() == OWNER_TAG
    assert device_tag(SECRET, HOME, KEY).hex() == DEVICE_TAG


@pytest.mark.parametrize(
    "change",
    ["secret", "home", "key"],
)
def test_each_input_changes_the_tag(change: str) -> None:
    secret = "ABCDEFGHJKMP" if change == "secret" else SECRET
    home = uuid.UUID(int=HOME.int + 1) if change == "home" else HOME
    key = bytes([1]) + KEY[1:] if change == "key" else KEY
    assert owner_tag(secret, home, key).hex() != OWNER_TAG


def test_check_tag() -> None:
    check_tag(bytes.fromhex(OWNER_TAG), owner_tag(SECRET, HOME, KEY))
    with pytest.raises(CryptoError, match="does not match"):
        check_tag(bytes.fromhex(OWNER_TAG), device_tag(SECRET, HOME, KEY))


def test_new_secrets_are_12_code_characters_and_differ() -> None:
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50
    assert all(len(s) == 12 and set(s) <= set(CODE_ALPHABET) for s in secrets)


@pytest.mark.parametrize(
    ("typed", "parts"),
    [
        ("ABCDE-FGHJK-MNPQ-RSTV-WXYZ", ("ABCDEFGHJK", "MNPQRSTVWXYZ")),
        ("abcde fghjk mnpq rstv wxyz", ("ABCDEFGHJK", "MNPQRSTVWXYZ")),
        ("ABCDEFGHJKMNPQRSTVWXYZ", ("ABCDEFGHJK", "MNPQRSTVWXYZ")),
        ("OOOOO-IIIII-LLLL-0000-1111", ("0000011111", "111100001111")),
    ],
)
def test_split_code(typed: str, parts: tuple[str, str]) -> None:
    assert split_code(typed) == parts


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("ABCDE-FGHJK", "no owner part; make a new one with `doorstep keys pair`"),
        ("ABCDE-FGHJK-MNPQ-RSTV-WXY", "the pairing code has 22 characters"),
        ("ABCDE-FGHJK-MNPQ-RSTV-WXYZ0", "the pairing code has 22 characters"),
        ("ABCDE-FGHJK-MNPQ-RSTV-WXYU", "the pairing code has 22 characters"),
        ("", "the pairing code has 22 characters"),
    ],
)
def test_split_code_refuses(typed: str, reason: str) -> None:
    with pytest.raises(CryptoError, match=reason):
        split_code(typed)


def test_format_code() -> None:
    assert format_code("ABCDEFGHJK") == "ABCDE-FGHJK"
    assert format_code("ABCDEFGHJKMNPQRSTVWXYZ") == "ABCDE-FGHJK-MNPQ-RSTV-WXYZ"
    assert normalize_code(format_code("ABCDEFGHJKMNPQRSTVWXYZ")) == "ABCDEFGHJKMNPQRSTVWXYZ"
