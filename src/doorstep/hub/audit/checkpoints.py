"""Signed checkpoints of the audit log, issued by a periodic task, and the log's key.

The log key is Ed25519, derived from the hub's secret key (so every worker signs with
the same key, and nothing else has to be kept secret); its public form is published
at ``GET /v1/audit/key`` as a C2SP verifier key.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from doorstep.audit.checkpoint import Checkpoint, LogKey, sign_checkpoint
from doorstep.errors import NotFound
from doorstep.hub.audit.models import AuditCheckpoint
from doorstep.hub.audit.service import derive_key, root_at, tree_size
from doorstep.hub.background import in_thread

logger = logging.getLogger(__name__)


def log_private_key(secret_key: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(derive_key(secret_key, "audit log key"))


def log_key(secret_key: bytes, origin: str) -> LogKey:
    return LogKey(name=origin, public_key=log_private_key(secret_key).public_key())


def latest_checkpoint(session: Session) -> AuditCheckpoint:
    found = session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc()).limit(1))
    if found is None:
        raise NotFound("the audit log has no checkpoint yet")
    return found


def list_checkpoints(session: Session, *, after: int, limit: int) -> list[AuditCheckpoint]:
    return list(
        session.scalars(
            select(AuditCheckpoint)
            .where(AuditCheckpoint.size > after)
            .order_by(AuditCheckpoint.size)
            .limit(limit)
        )
    )


def checkpoint_at(session: Session, size: int) -> AuditCheckpoint:
    found = session.get(AuditCheckpoint, size)
    if found is None:
        raise NotFound(f"no checkpoint was issued at size {size}")
    return found


def signed_checkpoint(
    session: Session, size: int, *, secret_key: bytes, origin: str
) -> AuditCheckpoint:
    """A checkpoint of the tree of ``size`` entries as this session sees it (not yet added)."""
    root = root_at(session, size)
    note = sign_checkpoint(
        Checkpoint(origin=origin, size=size, root=root),
        name=origin,
        private_key=log_private_key(secret_key),
    )
    return AuditCheckpoint(size=size, root=root, note=note)


def issue_checkpoint(
    sessions: sessionmaker[Session], *, secret_key: bytes, origin: str
) -> AuditCheckpoint | None:
    """Sign the current tree head if it grew since the last checkpoint; None if it didn't."""
    with sessions() as session:
        size = tree_size(session)
        last = session.scalar(select(AuditCheckpoint.size).order_by(AuditCheckpoint.size.desc()))
        if size == 0 or (last is not None and last >= size):
            return None
        row = signed_checkpoint(session, size, secret_key=secret_key, origin=origin)
        session.add(row)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()  # another worker signed this size first: same root, same note
            return None
        return row


async def checkpoint_periodically(
    sessions: sessionmaker[Session],
    *,
    secret_key: bytes,
    origin: str,
    interval_s: float,
    stop: threading.Event,
) -> None:
    while not stop.is_set():
        try:
            await in_thread(
                lambda: issue_checkpoint(sessions, secret_key=secret_key, origin=origin)
            )
        except Exception:
            logger.exception("audit checkpoint failed; trying again in %.0f s", interval_s)
        await asyncio.sleep(interval_s)
