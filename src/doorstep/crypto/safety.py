"""Safety numbers and fingerprints people compare out of band (``docs/crypto-format.md``).

Each party's code is 30 digits computed from their two public keys; a pair's safety
number is both codes, sorted, so both sides see the same 60 digits.
"""

from __future__ import annotations

import hashlib

from doorstep.crypto.keys import fingerprint, key_id

SAFETY_CONTEXT = b"doorstep safety number v1\0"
CHUNKS = 6
CHUNK_BYTES = 5
GROUP_DIGITS = 5


def party_code(signing_key: bytes, x25519_key: bytes) -> str:
    """30 digits: six 5-byte chunks of SHA-512(context ‖ keys), each mod 100000."""
    digest = hashlib.sha512(SAFETY_CONTEXT + signing_key + x25519_key).digest()
    return "".join(
        f"{int.from_bytes(digest[i : i + CHUNK_BYTES], 'big') % 100000:05d}"
        for i in range(0, CHUNKS * CHUNK_BYTES, CHUNK_BYTES)
    )


def safety_number(a_sign: bytes, a_x25519: bytes, b_sign: bytes, b_x25519: bytes) -> str:
    """60 digits, the same whichever party is ``a``."""
    return "".join(sorted((party_code(a_sign, a_x25519), party_code(b_sign, b_x25519))))


def format_safety_number(number: str) -> str:
    """12 groups of 5 digits, separated by spaces."""
    return " ".join(number[i : i + GROUP_DIGITS] for i in range(0, len(number), GROUP_DIGITS))


def agency_fingerprint(public_key: bytes) -> str:
    """The fingerprint an agency publishes with its verification: its key id in groups."""
    return fingerprint(key_id(public_key))
