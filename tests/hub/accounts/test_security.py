"""An account that doesn't exist costs the same check as one that does: a hash verified at
the hasher's own parameters, made on first need."""

from __future__ import annotations

import pytest
from argon2 import Parameters, PasswordHasher, Type, extract_parameters

from doorstep.hub.accounts import security
from doorstep.settings import Settings
from tests.hub.running import running_app


class RecordingHasher(PasswordHasher):
    """Argon2id at its lowest cost, recording the parameters of each hash it verifies."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified: list[Parameters] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified.append(extract_parameters(str(hash)))
        return super().verify(hash, password)


# What each check must verify against: the hasher's own Argon2id parameters.
EXPECTED = Parameters(
    type=Type.ID,
    version=19,
    salt_len=16,
    hash_len=32,
    time_cost=1,
    memory_cost=8,
    parallelism=1,
)


def test_an_unknown_account_is_checked_like_a_known_one(monkeypatch: pytest.MonkeyPatch) -> None:
    hasher = RecordingHasher()
    monkeypatch.setattr(security, "_HASHER", hasher)
    stored = security.hash_password("the right password, long enough")

    assert security.verify_password(stored, "the right password, long enough") is True
    assert security.verify_password(stored, "a wrong password") is False
    assert security.verify_password(None, "the right password, long enough") is False
    assert security.verify_password(None, "a wrong password") is False
    assert hasher.verified == [EXPECTED] * 4


class CountingHasher(PasswordHasher):
    """Argon2id at its lowest cost, counting the hashes it makes."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.made = 0

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.made += 1
        return super().hash(password, salt=salt)


async def test_a_started_hub_has_made_its_dummy_hash(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first sign-in for an unknown account makes no hash: that would take it longer."""
    hasher = CountingHasher()
    monkeypatch.setattr(security, "_HASHER", hasher)
    async with running_app(settings):
        assert hasher.made == 1
        assert security.verify_password(None, "a password for nobody here") is False
        assert hasher.made == 1
