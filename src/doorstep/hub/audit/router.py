"""The public audit log: checkpoints, proofs and entries anyone can fetch and check."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query

from doorstep.hub.audit import checkpoints, service
from doorstep.hub.audit.schemas import (
    CheckpointPublic,
    ConsistencyProof,
    EntryPublic,
    InclusionProof,
    LogKeyPublic,
)
from doorstep.hub.deps import SessionDep, StateDep
from doorstep.hub.params import LogPageLimit, Offset, TreeSize
from doorstep.hub.schemas import Page

router = APIRouter(prefix="/v1/audit", tags=["audit"])

Size = Annotated[TreeSize, Query(description="A tree size (number of entries).")]


@router.get("/key")
def log_key(state: StateDep) -> LogKeyPublic:
    """The key that signs checkpoints, as a C2SP verifier key."""
    origin = state.settings.audit_origin
    return LogKeyPublic(origin=origin, vkey=checkpoints.log_key(state.secret_key, origin).vkey())


@router.get("/checkpoint")
def latest_checkpoint(session: SessionDep) -> CheckpointPublic:
    """The newest signed checkpoint."""
    return CheckpointPublic.model_validate(checkpoints.latest_checkpoint(session))


@router.get("/checkpoints")
def list_checkpoints(
    session: SessionDep,
    after: Annotated[Offset, Query(description="Only checkpoints of larger sizes.")] = 0,
    limit: LogPageLimit = 100,
) -> Page[CheckpointPublic]:
    """Every checkpoint the log issued, smallest first."""
    rows = checkpoints.list_checkpoints(session, after=after, limit=limit)
    return Page(data=[CheckpointPublic.model_validate(row) for row in rows], count=len(rows))


@router.get("/checkpoints/{size}")
def checkpoint_at(size: TreeSize, session: SessionDep) -> CheckpointPublic:
    return CheckpointPublic.model_validate(checkpoints.checkpoint_at(session, size))


@router.get("/proofs/inclusion")
def inclusion_proof(
    session: SessionDep,
    state: StateDep,
    index: Annotated[Offset, Query(description="The entry's index.")],
    size: Size,
) -> InclusionProof:
    """Proof that entry ``index`` is in the tree of ``size`` entries."""
    cache = state.audit_nodes
    leaf, proof = service.inclusion_proof(session, index=index, size=size, cache=cache)
    return InclusionProof(index=index, size=size, leaf_hash=leaf, proof=proof)


@router.get("/proofs/consistency")
def consistency_proof(
    session: SessionDep, state: StateDep, old_size: Size, new_size: Size
) -> ConsistencyProof:
    """Proof that the tree of ``new_size`` entries extends the tree of ``old_size``."""
    proof = service.consistency_proof(
        session, old_size=old_size, new_size=new_size, cache=state.audit_nodes
    )
    return ConsistencyProof(old_size=old_size, new_size=new_size, proof=proof)


@router.get("/entries")
def list_entries(
    session: SessionDep,
    start: Annotated[Offset, Query(description="The first entry's index.")] = 0,
    limit: LogPageLimit = 100,
) -> Page[EntryPublic]:
    """Public entries from ``start``, in order; their canonical JSON is what the tree hashes."""
    rows = service.entries(session, start=start, limit=limit)
    data = [
        EntryPublic(index=row.index, entry=json.loads(row.public), leaf_hash=leaf)
        for row, leaf in rows
    ]
    return Page(data=data, count=len(data))
