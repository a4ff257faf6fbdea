"""The audit log on the hub: appends from real actions, proofs, checkpoints, parallel writers."""

from __future__ import annotations

import base64
import json
import random
import threading

from httpx import AsyncClient
from sqlalchemy import select

from doorstep.audit import merkle
from doorstep.audit.checkpoint import LogKey, open_checkpoint
from doorstep.audit.verify import verify_log
from doorstep.hub.audit.checkpoints import issue_checkpoint, log_key
from doorstep.hub.audit.models import AuditEntry
from doorstep.hub.audit.node_cache import CACHED_FROM_LEVEL
from doorstep.hub.audit.replay import stored_log
from doorstep.hub.audit.service import (
    NewEntry,
    append_entries,
    append_entry,
    inclusion_proof,
    tree_size,
)
from doorstep.hub.db import transaction
from doorstep.hub.state import HubState
from tests.hub.actors import PASSWORD, Actors


def b64(text: str) -> bytes:
    return base64.b64decode(text)


def checkpoint(hub: HubState) -> None:
    issue_checkpoint(hub.sessions, secret_key=hub.secret_key, origin=hub.settings.audit_origin)


def replay(hub: HubState) -> int:
    """Verify the whole log straight from the database, as `audit verify --db` does."""
    origin = hub.settings.audit_origin
    with stored_log(hub.settings.database_url) as log:
        key = log_key(hub.secret_key, origin)
        return verify_log(log.entries, log.notes, key=key, origin=origin).size


async def test_actions_are_entries_and_residents_are_pseudonyms(
    client: AsyncClient, actors: Actors
) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    actors.home_key(owner, home_id)  # publishes the owner's key and rotates the home key
    signed_in = await client.post(
        "/v1/auth/login", json={"email": owner.email, "password": PASSWORD}
    )
    assert signed_in.status_code == 200
    failed = await client.post("/v1/auth/login", json={"email": owner.email, "password": "x" * 16})
    assert failed.status_code == 401
    page = (await client.get("/v1/audit/entries")).json()
    # The hub logs its web manifest at start; the rest is what the resident did.
    assert page["data"][0]["entry"]["action"] == "web.manifest"
    rows = page["data"][1:]
    actions = [row["entry"]["action"] for row in rows]
    assert actions == [
        "user_key.published",
        "home_key.rotated",
        "home_keys.signed",
        "auth.signed_in",
        "auth.sign_in_failed",
    ]
    published = json.dumps(page)
    assert owner.email not in published and str(owner.user_id) not in published
    assert str(home_id) not in published
    actors_seen = {json.dumps(row["entry"]["actor"], sort_keys=True) for row in rows[:4]}
    assert len(actors_seen) == 1  # the same resident, the same pseudonym


async def test_proofs_verify_against_signed_checkpoints(client: AsyncClient, hub: HubState) -> None:
    # Entry 0 is the web manifest the hub logged at start.
    with transaction(hub.sessions) as session:
        for n in range(1, 5):
            append_entry(session, action="test.entry", actor={"kind": "system"}, objects={"n": n})
    checkpoint(hub)
    with transaction(hub.sessions) as session:
        for n in range(5, 13):
            append_entry(session, action="test.entry", actor={"kind": "system"}, objects={"n": n})
    checkpoint(hub)
    key = LogKey.from_vkey((await client.get("/v1/audit/key")).json()["vkey"])
    latest = (await client.get("/v1/audit/checkpoint")).json()
    opened = open_checkpoint(latest["note"], key=key, origin=hub.settings.audit_origin)
    assert opened.size == 13
    for index in range(13):
        proof = (await client.get(f"/v1/audit/proofs/inclusion?index={index}&size=13")).json()
        merkle.verify_inclusion(
            leaf=b64(proof["leaf_hash"]),
            index=index,
            size=13,
            proof=[b64(h) for h in proof["proof"]],
            root=opened.root,
        )
    old = (await client.get("/v1/audit/checkpoints/5")).json()
    consistency = (await client.get("/v1/audit/proofs/consistency?old_size=5&new_size=13")).json()
    merkle.verify_consistency(
        old_size=5,
        new_size=13,
        old_root=b64(old["root"]),
        new_root=opened.root,
        proof=[b64(h) for h in consistency["proof"]],
    )
    listed = (await client.get("/v1/audit/checkpoints")).json()
    # The hub's timer may have signed the log of one entry at start.
    assert [c["size"] for c in listed["data"] if c["size"] > 1] == [5, 13]
    refused = await client.get("/v1/audit/proofs/inclusion?index=13&size=13")
    assert refused.status_code == 422 and "index" in refused.json()["detail"]
    assert replay(hub) == 13


async def test_eight_parallel_writers_append_ten_thousand_entries_without_gaps(
    hub: HubState,
) -> None:
    """Single appends and batches of up to 25 at once, from 8 threads with their own sessions."""

    def write(worker: int) -> None:
        sizes = random.Random(worker)
        written = 0
        while written < 1250:
            count = min(sizes.choice([1, 1, 1, 5, 10, 25]), 1250 - written)
            with transaction(hub.sessions) as session:
                append_entries(
                    session,
                    [
                        NewEntry(
                            action="test.parallel",
                            actor={"kind": "system"},
                            objects={"worker": worker, "n": written + n},
                        )
                        for n in range(count)
                    ],
                )
            written += count

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with hub.sessions() as session:
        indices = list(session.scalars(select(AuditEntry.index).order_by(AuditEntry.index)))
        assert tree_size(session) == 10_001  # and the web manifest the hub logged at start
        written = [
            json.loads(p)["objects"]
            for p in session.scalars(
                select(AuditEntry.public).where(AuditEntry.action == "test.parallel")
            )
        ]
    assert indices == list(range(10_001))
    assert sorted((o["worker"], o["n"]) for o in written) == [
        (worker, n) for worker in range(8) for n in range(1250)
    ]
    checkpoint(hub)
    assert replay(hub) == 10_001


async def test_proof_routes_keep_only_high_nodes_and_stay_right_as_the_log_grows(
    client: AsyncClient, hub: HubState
) -> None:
    async def proofs(size: int) -> None:
        key = LogKey.from_vkey((await client.get("/v1/audit/key")).json()["vkey"])
        note = (await client.get(f"/v1/audit/checkpoints/{size}")).json()["note"]
        root = open_checkpoint(note, key=key, origin=hub.settings.audit_origin).root
        for index in random.Random(size).sample(range(size), 60):
            served = await client.get(f"/v1/audit/proofs/inclusion?index={index}&size={size}")
            body = served.json()
            with hub.sessions() as session:
                assert inclusion_proof(session, index=index, size=size) == (
                    b64(body["leaf_hash"]),
                    [b64(h) for h in body["proof"]],
                )
            merkle.verify_inclusion(
                leaf=b64(body["leaf_hash"]),
                index=index,
                size=size,
                proof=[b64(h) for h in body["proof"]],
                root=root,
            )

    for n in range(1, 300):  # after the web manifest the hub logged at start
        with transaction(hub.sessions) as session:
            append_entry(session, action="test.entry", actor={"kind": "system"}, objects={"n": n})
    checkpoint(hub)
    await proofs(300)
    assert len(hub.audit_nodes) > 0
    cached, _ = hub.audit_nodes.split([(level, i) for level in range(9) for i in range(300)])
    assert cached and min(level for level, _ in cached) >= CACHED_FROM_LEVEL
    with transaction(hub.sessions) as session:
        for n in range(300, 700):
            append_entry(session, action="test.entry", actor={"kind": "system"}, objects={"n": n})
    checkpoint(hub)
    await proofs(700)
    old = (await client.get("/v1/audit/checkpoints/300")).json()
    new = (await client.get("/v1/audit/checkpoints/700")).json()
    consistency = await client.get("/v1/audit/proofs/consistency?old_size=300&new_size=700")
    merkle.verify_consistency(
        old_size=300,
        new_size=700,
        old_root=b64(old["root"]),
        new_root=b64(new["root"]),
        proof=[b64(h) for h in consistency.json()["proof"]],
    )
