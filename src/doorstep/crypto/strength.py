"""Passphrase rules for the private key box: hard to guess, and not the sign-in password.

The box is stored on the hub, so its passphrase is all that stands between the hub and
the private key: it must resist an offline guessing attack (``zxcvbn``'s estimate, at
least ``MIN_SCORE`` of 4), and it must not be the sign-in password, which the hub sees
at every sign-in. The client keeps an Argon2id hash of that password (random salt,
cheap parameters: it is only compared on this machine) to tell.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from doorstep.errors import InvalidInput

MIN_SCORE = 3
_CHECK_HASHER = PasswordHasher(time_cost=1, memory_cost=16384, parallelism=1)


def _normal(text: str) -> str:
    # NFC, as the box derives its key from it (crypto/passphrase.py).
    return unicodedata.normalize("NFC", text)


def password_check(password: str) -> str:
    """An Argon2id hash of the sign-in password (encoded with its random salt)."""
    return _CHECK_HASHER.hash(_normal(password))


def is_password(check: str, passphrase: str) -> bool:
    """Whether ``passphrase`` is the password ``check`` was made from."""
    try:
        return _CHECK_HASHER.verify(check, _normal(passphrase))
    except (VerificationError, InvalidHashError):
        return False


def check_passphrase(
    passphrase: str, *, user_inputs: Sequence[str], sign_in_check: str | None
) -> None:
    """InvalidInput naming the rule when ``passphrase`` may not seal a private key.

    ``user_inputs`` (the account's email and name) count as guessable words;
    ``sign_in_check`` is the ``password_check`` kept at sign-in, if any.
    """
    if sign_in_check is not None and is_password(sign_in_check, passphrase):
        raise InvalidInput(
            "the passphrase is your sign-in password, which the hub sees at every "
            "sign-in: choose a different one",
            field="passphrase",
        )
    estimate = zxcvbn(_normal(passphrase), user_inputs=list(user_inputs))
    if estimate["score"] < MIN_SCORE:
        advice = " ".join(
            part
            for part in (estimate["feedback"]["warning"], *estimate["feedback"]["suggestions"])
            if part
        )
        raise InvalidInput(
            f"the passphrase is too easy to guess (strength {estimate['score']} of 4, "
            f"{MIN_SCORE} needed){': ' + advice if advice else ''}",
            field="passphrase",
        )
