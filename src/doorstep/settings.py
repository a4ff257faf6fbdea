"""Settings, read from ``DOORSTEP_*`` environment variables (the README lists them all).

Secrets come from the environment or from a file readable by its owner only
(``DOORSTEP_SECRET_KEY_FILE``, mode 0600). Outside development a secret key must be
given; in development one is generated into the data directory on first start.
"""

from __future__ import annotations

import os
import secrets
import stat
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from doorstep.errors import ConfigurationError

if TYPE_CHECKING:
    from doorstep.hub.requests.policy import RequestLimits

_TIGHTEN = "Tighten only: "


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOORSTEP_", extra="forbid")

    environment: Literal["development", "production"] = Field(
        "development", description="'production' requires a secret key; development makes one."
    )
    data_dir: Path = Field(Path("doorstep-data"), description="Where SQLite, blobs and keys live.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; default sqlite:///<data_dir>/doorstep.db. "
        "PostgreSQL: postgresql+psycopg://user@host/db",
    )
    storage_url: str | None = Field(
        None, description="file:///path (default <data_dir>/blobs) or s3://bucket[/prefix]"
    )
    s3_endpoint_url: str | None = Field(None, description="S3-compatible endpoint, e.g. MinIO.")
    s3_region: str = Field("us-east-1", description="S3 region name.")
    bus_url: str = Field("memory://", description="memory:// (in-process) or nats://host:4222")
    secret_key: SecretStr | None = Field(
        None, description="Keys the hashes of pairing codes and tokens; 32+ characters."
    )
    secret_key_file: Path | None = Field(None, description="File (mode 0600) holding secret_key.")
    max_body_bytes: int = Field(1_048_576, gt=0, description="Largest JSON request body.")
    max_clip_bytes: int = Field(
        512 * 1_048_576, gt=0, description="Largest uploaded clip part (streamed to storage)."
    )
    session_hours: int = Field(12, gt=0, le=24 * 30, description="Browser session lifetime.")
    login_max_failures: int = Field(5, gt=0, description="Failed sign-ins before lockout.")
    login_lockout_minutes: int = Field(15, gt=0, description="Lockout and counting window.")
    ip_max_failures: int = Field(
        30, gt=0, description="Failed sign-ins or pairings from one address per window."
    )
    pairing_code_minutes: int = Field(10, gt=0, le=60, description="Pairing code lifetime.")
    password_min_length: int = Field(12, ge=8, description="Shortest accepted password.")
    retention_interval_s: float = Field(
        3600.0, gt=0, description="Seconds between sweeps that shred clips past retention."
    )
    audit_origin: str = Field(
        "doorstep.localhost/audit",
        min_length=1,
        max_length=200,
        pattern=r"^[^\s+]+$",
        description="The audit log's name: the first line of its checkpoints; make it unique.",
    )
    audit_checkpoint_interval_s: float = Field(
        10.0, gt=0, description="Seconds between signed checkpoints of the audit log."
    )
    map_pmtiles: Path | None = Field(
        None,
        description="A raster PMTiles v3 file the web app's maps show under their shapes, "
        "served by the hub at /map/basemap.pmtiles; unset: Natural Earth outlines only.",
    )
    # Request limits a deployment may tighten, never loosen: DOORSTEP_REQUEST_<key>, keyed
    # and counted as on the public limits page (m², seconds, days, counts); unset: default.
    request_max_area_m2: int | None = Field(None, description=_TIGHTEN + "largest area, m².")
    request_min_window_seconds: int | None = Field(
        None, description=_TIGHTEN + "shortest time window (may only be raised)."
    )
    request_max_window_seconds: int | None = Field(None, description=_TIGHTEN + "longest window.")
    request_max_incident_age_seconds: int | None = Field(
        None, description=_TIGHTEN + "oldest incident a request may be about."
    )
    request_max_open_seconds: int | None = Field(None, description=_TIGHTEN + "longest open time.")
    request_max_retention_days: int | None = Field(
        None, description=_TIGHTEN + "longest time an agency keeps shared clips."
    )
    request_code_max_requests: int | None = Field(
        None, description=_TIGHTEN + "requests per investigation code."
    )
    request_code_max_area_m2: int | None = Field(
        None, description=_TIGHTEN + "total area per investigation code, m²."
    )
    request_agency_max_requests: int | None = Field(
        None, description=_TIGHTEN + "requests per agency in its budget period."
    )
    request_agency_period_seconds: int | None = Field(
        None, description=_TIGHTEN + "an agency's budget period (may only be raised)."
    )

    @model_validator(mode="after")
    def _request_limits_only_tighten(self) -> Settings:
        # A ConfigurationError passes through pydantic as it is: the CLI prints its one line.
        self.request_limits()
        return self

    @model_validator(mode="after")
    def _map_pmtiles_is_a_pmtiles_file(self) -> Settings:
        if self.map_pmtiles is not None:
            check_pmtiles(self.map_pmtiles)
        return self

    def request_limits(self) -> RequestLimits:
        """The request limits, tightened by the DOORSTEP_REQUEST_* settings given.

        A looser value is a ConfigurationError naming the variable, the value and the
        default, blamed on the first variable that makes the set impossible.
        """
        # Imported here: the edge reads secrets through this module and needn't load the
        # hub's geometry stack.
        from doorstep.hub.requests.policy import RequestLimits

        given: dict[str, float] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if not name.startswith("request_") or value is None:
                continue
            given[name.removeprefix("request_")] = value
            try:
                RequestLimits.from_public(given)
            except ConfigurationError as exc:
                raise ConfigurationError(f"DOORSTEP_{name.upper()}={value}: {exc.detail}") from exc
        return RequestLimits.from_public(given)

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'doorstep.db'}"

    def resolved_storage_url(self) -> str:
        return self.storage_url or (self.data_dir / "blobs").resolve().as_uri()

    def resolved_secret_key(self) -> bytes:
        """The hub's secret key; generated into the data directory in development only."""
        if self.secret_key is not None:
            value = self.secret_key.get_secret_value()
        elif self.secret_key_file is not None:
            value = read_secret_file(self.secret_key_file)
        elif self.environment == "development":
            value = _development_secret(self.data_dir / "secret.key")
        else:
            raise ConfigurationError(
                "DOORSTEP_SECRET_KEY or DOORSTEP_SECRET_KEY_FILE must be set in production"
            )
        if len(value) < 32:
            raise ConfigurationError("the secret key must be at least 32 characters long")
        return value.encode()


def read_secret_file(path: Path) -> str:
    """Read a secret from a file that only its owner may read."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise ConfigurationError(f"secret file {path} does not exist") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(f"secret file {path} must have mode 0600 (it is {mode & 0o777:o})")
    return path.read_text().strip()


def check_pmtiles(path: Path) -> None:
    """A basemap must be a readable PMTiles version 3 file (its first 8 bytes say so)."""
    try:
        with path.open("rb") as handle:
            start = handle.read(8)
    except OSError as exc:
        raise ConfigurationError(
            f"DOORSTEP_MAP_PMTILES={path}: can't read it ({exc.strerror})"
        ) from exc
    if start != b"PMTiles\x03":
        raise ConfigurationError(f"DOORSTEP_MAP_PMTILES={path}: not a PMTiles version 3 file")


def _development_secret(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return read_secret_file(path)


@lru_cache
def get_settings() -> Settings:
    return Settings()
