"""The web manifest: the SHA-256 of every static file the hub serves to browsers, logged.

At start the hub hashes ``static/`` (``vendor/`` included) and appends a ``web.manifest``
audit entry when the manifest differs from the newest one it logged, so the code a
browser runs is on the public record: anyone can fetch the files and compare
(``doorstep audit watch --web``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from doorstep.audit.entries import canonical_json
from doorstep.errors import NotFound
from doorstep.hub.audit.models import AuditHead
from doorstep.hub.audit.service import actor_of, append_entry
from doorstep.hub.web.models import WebManifest


@dataclass(frozen=True)
class Manifest:
    files: dict[str, str]  # path under /static/ -> SHA-256 hex
    sha256: str  # of the body, canonical_json(files)
    audit_index: int


def static_files(directory: Path) -> dict[str, str]:
    """Every file under ``directory`` by its path there (``/`` separated), with its SHA-256."""
    return {
        path.relative_to(directory).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def _manifest(row: WebManifest) -> Manifest:
    return Manifest(json.loads(row.body), row.sha256, row.audit_index)


def _newest(session: Session) -> WebManifest | None:
    return session.scalars(
        select(WebManifest).order_by(WebManifest.audit_index.desc()).limit(1)
    ).first()


def record_manifest(session: Session, directory: Path) -> Manifest:
    """Log the manifest of ``directory`` unless the newest logged one is the same."""
    files = static_files(directory)
    body = canonical_json(files)
    digest = hashlib.sha256(body).hexdigest()
    # Take the log's turn first, so hub workers starting together log it once.
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(size=AuditHead.size))
    newest = _newest(session)
    if newest is not None and newest.sha256 == digest:
        return _manifest(newest)
    index = append_entry(
        session,
        action="web.manifest",
        actor=actor_of(session, None),
        objects={"sha256": digest, "files": len(files)},
    )
    # Files changed back to an earlier manifest: that manifest is the newest again.
    row = session.get(WebManifest, digest)
    if row is None:
        session.add(WebManifest(sha256=digest, body=body.decode(), audit_index=index))
    else:
        row.audit_index = index
    return Manifest(files, digest, index)


def newest_manifest(session: Session) -> Manifest:
    row = _newest(session)
    if row is None:
        raise NotFound("this hub has logged no web manifest yet")
    return _manifest(row)
