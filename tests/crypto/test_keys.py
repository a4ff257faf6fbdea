"""X25519 public keys: only canonical encodings of points not of low order are accepted."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.crypto.keys import check_x25519_public, public_raw, x25519_public
from doorstep.errors import CryptoError

P = 2**255 - 19
VALID = public_raw(X25519PrivateKey.from_private_bytes(bytes(range(32))).public_key())


def _u(value: int) -> bytes:
    return value.to_bytes(32, "little")


REFUSED = [
    ("zero", _u(0), "low order"),
    ("one", _u(1), "low order"),
    (
        "order 8, first",
        bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
        "low order",
    ),
    (
        "order 8, second",
        bytes.fromhex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
        "low order",
    ),
    ("p - 1", _u(P - 1), "low order"),
    ("p", _u(P), r"not below 2\^255 - 19"),
    ("p + 1", _u(P + 1), r"not below 2\^255 - 19"),
    ("top bit set", VALID[:31] + bytes([VALID[31] | 0x80]), "top bit"),
    ("31 bytes", VALID[:31], "32 bytes, got 31"),
    ("33 bytes", VALID + b"\x00", "32 bytes, got 33"),
]


@pytest.mark.parametrize(("raw", "reason"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refused(raw: bytes, reason: str) -> None:
    with pytest.raises(CryptoError, match=reason):
        check_x25519_public(raw)
    with pytest.raises(CryptoError, match=reason):
        x25519_public(raw)


def test_the_low_order_points_are_the_ones_in_the_spec() -> None:
    """The two hex encodings above are the decimal u values the design names."""
    assert int.from_bytes(REFUSED[2][1], "little") == (
        325606250916557431795983626356110631294008115727848805560023387167927233504
    )
    assert int.from_bytes(REFUSED[3][1], "little") == (
        39382357235489614581723060781553021112529911719440698176882885853963445705823
    )


def test_a_valid_key_passes_and_names_the_field() -> None:
    assert check_x25519_public(VALID) == VALID
    assert public_raw(x25519_public(VALID)) == VALID
    with pytest.raises(CryptoError, match="^public_key is a point of low order$"):
        check_x25519_public(_u(0), "public_key")
