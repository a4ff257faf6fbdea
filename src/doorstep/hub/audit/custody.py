"""The custody log a package or receipt carries, read from the hub's audit log.

An action first commits its entries, then asks for a checkpoint that covers them
(:func:`checkpoint_covering`: the newest one if it is big enough, else one signed now),
then proves each entry into it (:func:`custody_log`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from doorstep.errors import InvalidInput, NotFound
from doorstep.evidence.custody import Custody, CustodyEntry
from doorstep.hub.audit.checkpoints import issue_checkpoint
from doorstep.hub.audit.models import AuditCheckpoint, AuditEntry
from doorstep.hub.audit.service import inclusion_proof


def _newest(sessions: sessionmaker[Session]) -> AuditCheckpoint | None:
    with sessions() as session:
        return session.scalar(
            select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc()).limit(1)
        )


def checkpoint_covering(
    sessions: sessionmaker[Session], *, secret_key: bytes, origin: str, size: int
) -> AuditCheckpoint:
    """A signed checkpoint of at least ``size`` entries: the newest, or one issued now.

    Call it once the entries it must cover are committed: it reads the log in a
    session of its own.
    """
    newest = _newest(sessions)
    if newest is not None and newest.size >= size:
        return newest
    issued = issue_checkpoint(sessions, secret_key=secret_key, origin=origin)
    if issued is not None and issued.size >= size:
        return issued
    # Another worker signed the same head first (issue_checkpoint returned None).
    newest = _newest(sessions)
    if newest is None or newest.size < size:
        raise NotFound(f"the audit log has no {size} committed entries to sign yet")
    return newest


def custody_log(
    session: Session, *, indices: Sequence[int], checkpoint: AuditCheckpoint
) -> Custody:
    """Each entry's public bytes and its inclusion proof into ``checkpoint``, in log order."""
    wanted = sorted(set(indices))
    if wanted and not 0 <= wanted[0] <= wanted[-1] < checkpoint.size:
        raise InvalidInput(
            f"entries {wanted[0]}..{wanted[-1]} are not all covered by the checkpoint "
            f"of size {checkpoint.size}",
            field="indices",
        )
    query = select(AuditEntry.index, AuditEntry.public).where(AuditEntry.index.in_(wanted))
    rows: dict[int, bytes] = dict(session.execute(query).all())
    items = []
    for index in wanted:
        public = rows.get(index)
        if public is None:
            raise NotFound(f"audit entry {index} is missing: the log's storage is damaged")
        _, proof = inclusion_proof(session, index=index, size=checkpoint.size)
        items.append(CustodyEntry(index=index, entry=bytes(public), proof=proof))
    return Custody(checkpoint=checkpoint.note, entries=items)
