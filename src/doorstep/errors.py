"""The one exception hierarchy of Doorstep.

Services raise these; the hub maps them to HTTP responses in ``hub/errors.py`` and
the CLI prints them as one line with a non-zero exit code. Foreign errors (SQLAlchemy,
boto3, nats-py) are translated at the boundary with ``raise X(...) from exc``.

    DoorstepError
    ├── ConfigurationError      bad or missing setting
    ├── InvalidInput            a value breaks a rule (names the field or limit)
    │   └── LimitExceeded       a size or count limit (names the limit and the value)
    ├── NotFound                the object does not exist, or the caller may not know it does
    ├── Conflict                the object exists already, or its state forbids the change
    ├── AuthenticationFailed    no credentials, or wrong ones
    ├── PermissionDenied        authenticated, but the role does not allow it
    ├── RateLimited             too many attempts; carries retry_after seconds
    ├── StorageError            the blob store failed
    │   ├── BlobNotFound
    │   └── BlobTooLarge
    ├── BusError                the event bus failed
    └── CryptoError             a sealed part, wrapped key or box didn't open or verify
"""

from __future__ import annotations


class DoorstepError(Exception):
    """Root of every error Doorstep raises on purpose."""

    code = "doorstep_error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ConfigurationError(DoorstepError):
    code = "configuration_error"


class InvalidInput(DoorstepError):
    code = "invalid_input"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field


class LimitExceeded(InvalidInput):
    code = "limit_exceeded"


class NotFound(DoorstepError):
    code = "not_found"


class Conflict(DoorstepError):
    code = "conflict"


class AuthenticationFailed(DoorstepError):
    code = "authentication_failed"


class PermissionDenied(DoorstepError):
    code = "permission_denied"


class RateLimited(DoorstepError):
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class StorageError(DoorstepError):
    code = "storage_error"


class BlobNotFound(StorageError, NotFound):
    code = "blob_not_found"


class BlobTooLarge(StorageError, LimitExceeded):
    code = "blob_too_large"


class BusError(DoorstepError):
    code = "bus_error"


class CryptoError(DoorstepError):
    """Decryption or verification failed; the detail says which check and where."""

    code = "crypto_error"
