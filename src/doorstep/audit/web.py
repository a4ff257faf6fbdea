"""Check the web code a hub serves against the manifest it logged (``audit watch --web``).

At start the hub logs a ``web.manifest`` entry holding the SHA-256 of its manifest:
every static file it serves browsers, by path under ``/static/``, with its SHA-256.
:func:`check_web` checks the manifest's inclusion proof, that its files hash to the
logged digest, then fetches every file and compares; it also compares the manifest
with the files this installed Doorstep ships. What this does and doesn't cover is in
docs/security.md.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from doorstep.audit.checkpoint import LogKey
from doorstep.audit.entries import canonical_json
from doorstep.audit.keyproof import (
    CheckpointMemory,
    KeyAlarm,
    KeyProof,
    KeyRefused,
    check_key_proof,
)

MANIFEST_ACTION = "web.manifest"
_PATH = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")
_DIGEST = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class WebCheck:
    """What the check found: the manifest's digest, its files, and what differs."""

    sha256: str
    files: dict[str, str]
    served_differ: list[str]  # served bytes differ from the logged manifest: the alarm
    release_differ: list[str]  # the manifest differs from this installed Doorstep's files

    def as_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "files": len(self.files),
            "served_differ": self.served_differ,
            "release_differ": self.release_differ,
            "matches_release": not self.release_differ,
        }


def _manifest_files(manifest: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    files, digest = manifest.get("files"), manifest.get("sha256")
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise KeyRefused("the web manifest's sha256 is not 64 hex digits")
    if not isinstance(files, dict) or not files:
        raise KeyRefused("the web manifest has no files")
    for path, value in files.items():
        if not _PATH.fullmatch(path) or ".." in path.split("/"):
            raise KeyRefused(f"the web manifest names a path that is not a static file: {path!r}")
        if not isinstance(value, str) or not _DIGEST.fullmatch(value):
            raise KeyRefused(f"the web manifest's hash of {path} is not 64 hex digits")
    return digest, dict(files)


def check_web(
    manifest: Mapping[str, Any],
    *,
    fetch: Callable[[str], bytes],
    installed: Mapping[str, str],
    log_key: LogKey,
    memory: CheckpointMemory,
    consistency: Callable[[int, int], list[bytes]],
) -> WebCheck:
    """Check ``manifest`` (``GET /v1/web/manifest``) and every file ``fetch(path)`` returns.

    ``installed`` is the manifest of this installed Doorstep's own static files.

    Raises KeyRefused when the manifest's proof fails, KeyAlarm when its files don't hash
    to the digest the log holds. Files served unlike the manifest are in ``served_differ``.
    """
    digest, files = _manifest_files(manifest)
    check_key_proof(
        KeyProof.from_json(manifest.get("proof")),
        log_key=log_key,
        action=MANIFEST_ACTION,
        objects={"sha256": digest, "files": len(files)},
        memory=memory,
        consistency=consistency,
    )
    if hashlib.sha256(canonical_json(files)).hexdigest() != digest:
        raise KeyAlarm("the web manifest's files do not hash to the sha256 in the log")
    served_differ = [
        path
        for path, expected in sorted(files.items())
        if hashlib.sha256(fetch(path)).hexdigest() != expected
    ]
    release_differ = sorted(
        path for path in files.keys() | installed.keys() if files.get(path) != installed.get(path)
    )
    return WebCheck(digest, files, served_differ, release_differ)
