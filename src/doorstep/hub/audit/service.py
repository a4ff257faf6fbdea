"""The one function that appends to the audit log, and checkpoints and proofs over it.

``append_entry`` runs inside the caller's transaction, so an action and its entry are
committed together or not at all. Appends take turns on the ``audit_head`` row
(``UPDATE ... RETURNING``: a row lock on PostgreSQL, the write lock on SQLite), so no
two entries get the same index, even from several hub workers. Each append reads the
tree's right edge (at most log2(n) nodes) and writes the perfect nodes it completes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import TextClause, insert, select, text, update
from sqlalchemy.orm import Session

from doorstep.audit import merkle
from doorstep.audit.entries import ObjectValue, pseudonym, public_entry
from doorstep.errors import ConfigurationError, InvalidInput, NotFound
from doorstep.hub.accounts.models import Role, User
from doorstep.hub.agencies.models import Agency
from doorstep.hub.audit.models import AuditEntry, AuditHead, AuditNode
from doorstep.hub.audit.node_cache import NodeCache
from doorstep.hub.db import utcnow

PSEUDONYM_KEY = "audit_pseudonym_key"


def derive_key(secret_key: bytes, purpose: str) -> bytes:
    """A key for one purpose, derived from the hub's secret key (HKDF-SHA256)."""
    info = f"doorstep {purpose} v1".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret_key)


def session_info(secret_key: bytes) -> dict[str, object]:
    """What every hub session carries: the key audit pseudonyms are made with."""
    return {PSEUDONYM_KEY: derive_key(secret_key, "audit pseudonyms")}


def _pseudonym_key(session: Session) -> bytes:
    key = session.info.get(PSEUDONYM_KEY)
    if not isinstance(key, bytes):
        raise ConfigurationError("the session has no audit pseudonym key (see hub/app.py)")
    return key


def pseudonymous(session: Session, kind: str, value: object) -> str:
    """A stable pseudonym for a resident-identifying id (a person, a home, a device)."""
    return pseudonym(_pseudonym_key(session), f"{kind}:{value}")


def actor_of(session: Session, user: User | None) -> dict[str, str]:
    """Who acted, as the public may see it."""
    if user is None:
        return {"kind": "system"}
    if user.role == Role.RESIDENT:
        return {"kind": "resident", "pseudonym": pseudonymous(session, "user", user.id)}
    if user.role == Role.AGENCY_MEMBER:
        agency = session.get(Agency, user.agency_id) if user.agency_id else None
        return {
            "kind": "agency_member",
            "name": user.display_name,
            "agency": agency.name if agency else "",
        }
    return {"kind": "admin", "name": user.display_name}


@dataclass(frozen=True)
class NewEntry:
    """One entry to append: what happened, who did it, to what; ``at`` defaults to now."""

    action: str
    actor: Mapping[str, str]
    objects: Mapping[str, ObjectValue]
    private: Mapping[str, Any] | None = None
    at: datetime | None = None


def append_entries(session: Session, new: Sequence[NewEntry]) -> range:
    """Append entries in order in the caller's transaction; returns their indices.

    One turn on the head row, one read of the right edge and two multi-row inserts,
    however many entries: actions that log many entries at once (a sweep, a delivery
    to many inboxes) pay for the turn once.
    """
    if not new:
        return range(0)
    now = utcnow()
    end = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(size=AuditHead.size + len(new))
        .returning(AuditHead.size)
    ).scalar_one_or_none()
    if end is None:
        raise ConfigurationError("the audit log has no head row; run the migrations")
    start = end - len(new)
    builder = merkle.TreeBuilder.from_frontier(start, _read_frontier(session, start))
    entry_rows: list[dict[str, Any]] = []
    node_rows: list[dict[str, Any]] = []
    for index, entry in enumerate(new, start):
        at = entry.at or now
        public = public_entry(at=at, action=entry.action, actor=entry.actor, objects=entry.objects)
        private = entry.private
        entry_rows.append(
            {
                "index": index,
                "at": at,
                "action": entry.action,
                "public": public,
                "private": json.dumps(dict(private), sort_keys=True, default=str)
                if private
                else None,
            }
        )
        for level, node_index, digest in builder.append(merkle.leaf_hash(public)):
            node_rows.append({"level": level, "index": node_index, "hash": digest})
    session.execute(insert(AuditEntry), entry_rows)
    session.execute(insert(AuditNode), node_rows)
    return range(start, end)


def append_entry(
    session: Session,
    *,
    action: str,
    actor: Mapping[str, str],
    objects: Mapping[str, ObjectValue],
    private: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> int:
    """Append one entry in the caller's transaction; returns its index."""
    entry = NewEntry(action=action, actor=actor, objects=objects, private=private, at=at)
    return append_entries(session, [entry])[0]


def append_home_entry(
    session: Session,
    *,
    action: str,
    actor: User | None,
    home_id: object,
    objects: Mapping[str, ObjectValue],
) -> int:
    """An entry about one home: published as the home's pseudonym, its id kept private."""
    return append_entry(
        session,
        action=action,
        actor=actor_of(session, actor),
        objects={"home": pseudonymous(session, "home", home_id), **objects},
        private={"home_id": home_id},
    )


def append_home_subject_entry(
    session: Session,
    *,
    action: str,
    actor: User | None,
    home_id: object,
    subject: str,
    kind: str,
    subject_id: object,
    objects: Mapping[str, ObjectValue] | None = None,
) -> int:
    """An entry about someone or something in a home: a member, a device, a camera.

    The home and the subject are published as pseudonyms and their ids kept private.
    ``subject`` names the object, ``kind`` the pseudonym: a member's is their ``user``
    one, the same they act under. Returns the entry's index.
    """
    return append_entry(
        session,
        action=action,
        actor=actor_of(session, actor),
        objects={
            "home": pseudonymous(session, "home", home_id),
            subject: pseudonymous(session, kind, subject_id),
            **(objects or {}),
        },
        private={"home_id": home_id, f"{kind}_id": subject_id},
    )


def frontier_nodes(size: int) -> list[tuple[int, int]]:
    """The perfect subtrees along the right edge of a tree of ``size`` leaves, largest first."""
    nodes, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size & (1 << level):
            nodes.append((level, start >> level))
            start += 1 << level
    return nodes


_POSTGRES_NODES = text(
    'SELECT h.size, n.level, n."index", n.hash FROM audit_head h LEFT JOIN ('
    "unnest(CAST(:levels AS smallint[]), CAST(:indexes AS bigint[])) AS k(level, idx) "
    'JOIN audit_nodes n ON n.level = k.level AND n."index" = k.idx) ON true WHERE h.id = 1'
)


def _nodes_query(
    session: Session, keys: list[tuple[int, int]]
) -> tuple[TextClause, dict[str, Any]]:
    """The head's size and the nodes asked for, in one round trip, walking the primary key.

    PostgreSQL takes the keys as two arrays: one statement text, planned for the
    arrays it gets (see ``make_engine``). SQLite, which has no arrays and won't use the
    key for a row-value IN list, ORs equalities.
    """
    if session.get_bind().dialect.name == "postgresql":
        levels, indexes = [level for level, _ in keys], [index for _, index in keys]
        return _POSTGRES_NODES, {"levels": levels, "indexes": indexes}
    values: dict[str, Any] = {}
    for k, (level, index) in enumerate(keys):
        values[f"l{k}"], values[f"i{k}"] = level, index
    terms = " OR ".join(f'(n.level = :l{k} AND n."index" = :i{k})' for k in range(len(keys)))
    query = text(
        'SELECT h.size, n.level, n."index", n.hash FROM audit_head h '
        f"LEFT JOIN audit_nodes n ON {terms or '1 = 0'} WHERE h.id = 1"
    )
    return query, values


def _read_nodes(
    session: Session,
    wanted: list[tuple[int, int]],
    *,
    within: tuple[str, int] | None = None,
    cache: NodeCache | None = None,
) -> dict[tuple[int, int], bytes]:
    """The nodes ``wanted``; ``within`` names a size (field, value) the log must have reached.

    With a ``cache`` (proof routes only: see node_cache.py) the high nodes come from memory.
    """
    keys = sorted(set(wanted))
    known, keys = cache.split(keys) if cache is not None else ({}, keys)
    rows = session.connection().execute(*_nodes_query(session, keys)).all()
    if not rows:
        raise ConfigurationError("the audit log has no head row; run the migrations")
    if within is not None:
        field, size = within
        current = int(rows[0][0])
        if not 1 <= size <= current:
            raise InvalidInput(f"{field} {size} is outside the log's 1..{current}", field=field)
    found = {
        (int(level), int(index)): bytes(digest)
        for _, level, index, digest in rows
        if level is not None
    }
    if len(found) != len(keys):
        missing = sorted(set(keys) - set(found))[0]
        raise NotFound(f"audit node {missing} is missing: the log's storage is damaged")
    if cache is not None:
        cache.keep(found)
    return {**found, **known}


def _read_frontier(session: Session, size: int) -> list[bytes]:
    wanted = frontier_nodes(size)
    found = _read_nodes(session, wanted)
    return [found[node] for node in wanted]


def tree_size(session: Session) -> int:
    return int(session.scalar(select(AuditHead.size).where(AuditHead.id == 1)) or 0)


def root_at(session: Session, size: int) -> bytes:
    if size == 0:
        return merkle.empty_root()
    wanted = frontier_nodes(size)
    found = _read_nodes(session, wanted)
    return merkle.subtree_root(0, size, lambda level, index: found[(level, index)])


def inclusion_proof(
    session: Session, *, index: int, size: int, cache: NodeCache | None = None
) -> tuple[bytes, list[bytes]]:
    """The entry's leaf hash and its inclusion proof in the tree of ``size`` entries."""
    if size >= 1 and not 0 <= index < size:
        raise InvalidInput(f"index {index} is outside 0..{size - 1}", field="index")
    wanted = [(0, index), *merkle.nodes_for_inclusion(index, size)] if size >= 1 else []
    found = _read_nodes(session, wanted, within=("size", size), cache=cache)
    proof = merkle.inclusion_proof(index, size, lambda level, i: found[(level, i)])
    return found[(0, index)], proof


def consistency_proof(
    session: Session, *, old_size: int, new_size: int, cache: NodeCache | None = None
) -> list[bytes]:
    if new_size >= 1 and not 1 <= old_size <= new_size:
        raise InvalidInput(f"old_size {old_size} is outside 1..{new_size}", field="old_size")
    wanted = merkle.nodes_for_consistency(old_size, new_size) if new_size >= 1 else []
    found = _read_nodes(session, wanted, within=("new_size", new_size), cache=cache)
    return merkle.consistency_proof(old_size, new_size, lambda level, i: found[(level, i)])


def entries(session: Session, *, start: int, limit: int) -> list[tuple[AuditEntry, bytes]]:
    """Entries from ``start`` in order, each with the leaf hash recorded when it was appended."""
    rows = session.execute(
        select(AuditEntry, AuditNode.hash)
        .join(AuditNode, (AuditNode.level == 0) & (AuditNode.index == AuditEntry.index))
        .where(AuditEntry.index >= start)
        .order_by(AuditEntry.index)
        .limit(limit)
    ).all()
    return [(entry, leaf) for entry, leaf in rows]
