"""The blob store interface: where clip ciphertext and other large objects live.

Keys are relative, slash-separated names such as ``clips/<home>/<clip>.bin``. Every
backend checks them with :func:`validate_key`, so no key can escape its root.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from doorstep.errors import InvalidInput

MAX_KEY_LENGTH = 512
_KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


@dataclass(frozen=True)
class StoredBlob:
    """What ``put`` reports about the object it wrote."""

    key: str
    size: int
    sha256: str


class BlobStore(Protocol):
    def put(self, key: str, chunks: Iterable[bytes], *, max_bytes: int) -> StoredBlob:
        """Stream ``chunks`` into ``key``; over ``max_bytes``: BlobTooLarge, nothing written."""
        ...

    def get(self, key: str) -> Iterator[bytes]:
        """Stream the object's bytes; raise BlobNotFound when it is missing."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""
        ...

    def exists(self, key: str) -> bool: ...

    def check(self) -> None:
        """Raise StorageError when the store can't be reached (used by /readyz)."""
        ...


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe relative name, else raise InvalidInput naming the rule."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(f"blob key must be 1 to {MAX_KEY_LENGTH} characters", field="key")
    if not _KEY_PATTERN.fullmatch(key) or any(part in {".", ".."} for part in key.split("/")):
        raise InvalidInput(
            "blob key must be slash-separated segments of letters, digits, '.', '_' or '-', "
            "each starting with a letter or digit",
            field="key",
        )
    return key
