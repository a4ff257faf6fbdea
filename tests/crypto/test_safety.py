"""Safety numbers: 60 digits from both parties' keys, the same on both sides."""

from __future__ import annotations

from doorstep.crypto.keys import key_id
from doorstep.crypto.safety import agency_fingerprint, format_safety_number, safety_number

A_SIGN, A_X25519 = bytes(range(32)), bytes(range(32, 64))
B_SIGN, B_X25519 = bytes(range(64, 96)), bytes(range(96, 128))
# Each party's 30 digits worked out by hand from SHA-512("doorstep safety number v1\0" ‖
# signing key ‖ X25519 key): six 5-byte big-endian chunks, each mod 100000, 5 digits.
A_CODE = "803881482969087364296814520804"
B_CODE = "906213928392771843514241795707"


def test_the_fixed_vector() -> None:
    assert safety_number(A_SIGN, A_X25519, B_SIGN, B_X25519) == A_CODE + B_CODE


def test_both_sides_see_the_same_number() -> None:
    assert safety_number(B_SIGN, B_X25519, A_SIGN, A_X25519) == A_CODE + B_CODE


def test_any_key_changes_it() -> None:
    other = bytes(32)
    numbers = {
        safety_number(other, A_X25519, B_SIGN, B_X25519),
        safety_number(A_SIGN, other, B_SIGN, B_X25519),
        safety_number(A_SIGN, A_X25519, other, B_X25519),
        safety_number(A_SIGN, A_X25519, B_SIGN, other),
    }
    assert len(numbers) == 4
    assert A_CODE + B_CODE not in numbers


def test_swapped_keys_within_a_party_change_it() -> None:
    assert safety_number(A_X25519, A_SIGN, B_SIGN, B_X25519) != A_CODE + B_CODE


def test_format() -> None:
    shown = format_safety_number(A_CODE + B_CODE)
    assert shown == ("80388 14829 69087 36429 68145 20804 90621 39283 92771 84351 42417 95707")


def test_agency_fingerprint_is_the_key_id_in_groups() -> None:
    kid = key_id(A_X25519)
    assert agency_fingerprint(A_X25519) == " ".join(kid[i : i + 4] for i in range(0, 32, 4))
    assert len(agency_fingerprint(A_X25519)) == 39
