"""Passphrase rules: guessable passphrases and the sign-in password are refused, naming why."""

from __future__ import annotations

import unicodedata

import pytest

from doorstep.crypto.strength import check_passphrase, is_password, password_check
from doorstep.errors import InvalidInput

EMAIL = "alice@doorstep.example"
NAME = "Alice Liddell"
SIGN_IN = "Café au lait 1872"

# passphrase -> the words of the refusal; None: accepted.
EXAMPLES: dict[str, str | None] = {
    "a": "too easy to guess (strength 0 of 4, 3 needed)",
    "password1": "too easy to guess (strength 0 of 4, 3 needed)",
    "qwertyuiop": "too easy to guess (strength 0 of 4, 3 needed)",
    "hunter2hunter2": "too easy to guess (strength 1 of 4, 3 needed)",
    "doorstep": "too easy to guess (strength 1 of 4, 3 needed)",
    "doorstep2024": "too easy to guess (strength 2 of 4, 3 needed)",
    "kitten123!": "too easy to guess (strength 2 of 4, 3 needed)",
    "kettle orbit": None,  # strength 3: the least accepted
    EMAIL: "too easy to guess (strength 0 of 4, 3 needed)",
    NAME: "too easy to guess (strength 0 of 4, 3 needed)",
    SIGN_IN: "is your sign-in password",
    # The same password typed with a decomposed é: the box would derive the same key.
    unicodedata.normalize("NFD", SIGN_IN): "is your sign-in password",
    "mango kettle orbit 47": None,
    "correct horse battery staple": None,
    "a long passphrase for tests": None,
}


@pytest.fixture(scope="module")
def sign_in_check() -> str:
    return password_check(SIGN_IN)


@pytest.mark.parametrize("passphrase", EXAMPLES)
def test_passphrase_rules(passphrase: str, sign_in_check: str) -> None:
    refusal = EXAMPLES[passphrase]
    if refusal is None:
        check_passphrase(passphrase, user_inputs=[EMAIL, NAME], sign_in_check=sign_in_check)
        return
    with pytest.raises(InvalidInput, match=refusal.replace("(", r"\(").replace(")", r"\)")) as err:
        check_passphrase(passphrase, user_inputs=[EMAIL, NAME], sign_in_check=sign_in_check)
    assert err.value.field == "passphrase"
    assert "\n" not in err.value.detail


def test_the_password_check_keeps_no_password(sign_in_check: str) -> None:
    assert SIGN_IN not in sign_in_check and sign_in_check.startswith("$argon2id$")
    assert password_check(SIGN_IN) != sign_in_check  # a random salt each time
    assert is_password(sign_in_check, SIGN_IN)
    assert not is_password(sign_in_check, SIGN_IN + " ")
    assert not is_password("not a hash", SIGN_IN)


def test_without_a_check_only_strength_counts() -> None:
    check_passphrase(SIGN_IN + " and more", user_inputs=[EMAIL, NAME], sign_in_check=None)
