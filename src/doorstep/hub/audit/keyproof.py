"""Key proofs: a key binding's audit entry, proven in the hub's newest checkpoint.

Routes that serve a key serve one of these with it, so a client can check that the
binding it is about to trust is in the log everyone else sees (``audit/keyproof.py``).
When no checkpoint covers the entry yet, one is signed in the caller's transaction:
a key published in this request is proven in its own response.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from doorstep.audit.checkpoint import parse_checkpoint
from doorstep.errors import ConfigurationError, NotFound
from doorstep.hub.audit.checkpoints import signed_checkpoint
from doorstep.hub.audit.models import AuditCheckpoint, AuditEntry
from doorstep.hub.audit.node_cache import NodeCache
from doorstep.hub.audit.schemas import KeyProof
from doorstep.hub.audit.service import inclusion_proof, tree_size
from doorstep.hub.db import utcnow
from doorstep.hub.state import HubState


def _newest(session: Session) -> AuditCheckpoint | None:
    return session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc()).limit(1))


def _issue(session: Session, state: HubState) -> AuditCheckpoint:
    """Sign the tree this transaction sees; a checkpoint another worker signed at that size
    (same root) is taken as it is."""
    size = tree_size(session)
    row = signed_checkpoint(
        session, size, secret_key=state.secret_key, origin=state.settings.audit_origin
    )
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(AuditCheckpoint)
        .values(size=row.size, root=row.root, note=row.note, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["size"])
    )
    return session.get_one(AuditCheckpoint, size, populate_existing=True)


def key_proof(session: Session, state: HubState, index: int) -> KeyProof:
    """The inclusion proof of entry ``index`` in the newest checkpoint, signing one if needed."""
    entry = session.get(AuditEntry, index)
    if entry is None:
        raise NotFound(f"audit entry {index} is missing: the log's storage is damaged")
    checkpoint = _newest(session)
    # Nodes of a checkpoint read from the table are committed and may be cached; one
    # signed here may cover this transaction's own entries, which must not be.
    cache: NodeCache | None = state.audit_nodes
    if checkpoint is None or checkpoint.size <= index:
        checkpoint, cache = _issue(session, state), None
    signed_size = parse_checkpoint(checkpoint.note.rpartition("\n\n")[0] + "\n").size
    if not index < checkpoint.size == signed_size:
        raise ConfigurationError(
            f"no checkpoint proves audit entry {index}: the newest is stored as size "
            f"{checkpoint.size} and signed for size {signed_size}"
        )
    _, path = inclusion_proof(session, index=index, size=checkpoint.size, cache=cache)
    return KeyProof(
        index=index,
        entry=bytes(entry.public).decode(),
        checkpoint=checkpoint.note,
        inclusion=path,
    )
