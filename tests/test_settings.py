"""Settings: secrets from the environment or a 0600 file, never a default in production."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from doorstep.errors import ConfigurationError
from doorstep.settings import Settings


def test_development_generates_a_private_key_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = settings.resolved_secret_key()
    key_file = tmp_path / "secret.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert Settings(data_dir=tmp_path).resolved_secret_key() == first
    assert len(first) >= 32


def test_production_refuses_to_invent_a_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, environment="production")
    with pytest.raises(ConfigurationError, match="DOORSTEP_SECRET_KEY"):
        settings.resolved_secret_key()
    assert not (tmp_path / "secret.key").exists()


def test_key_file_must_be_private(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("k" * 40)
    os.chmod(key_file, 0o644)
    settings = Settings(data_dir=tmp_path, environment="production", secret_key_file=key_file)
    with pytest.raises(ConfigurationError, match="0600"):
        settings.resolved_secret_key()
    os.chmod(key_file, 0o600)
    assert settings.resolved_secret_key() == b"k" * 40


def test_short_keys_are_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key=SecretStr("short"))
    with pytest.raises(ConfigurationError, match="at least 32"):
        settings.resolved_secret_key()


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOORSTEP_BUS_URL", "nats://127.0.0.1:4222")
    monkeypatch.setenv("DOORSTEP_MAX_BODY_BYTES", "2048")
    settings = Settings()
    assert settings.bus_url == "nats://127.0.0.1:4222"
    assert settings.max_body_bytes == 2048
    monkeypatch.setenv("DOORSTEP_MAX_BODY_BYTES", "-1")
    with pytest.raises(ValidationError, match="max_body_bytes"):
        Settings()


def test_secret_key_is_not_shown(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key=SecretStr("s" * 40))
    assert "s" * 40 not in repr(settings)
    assert "s" * 40 not in str(settings.model_dump())
