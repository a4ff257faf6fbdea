"""The owner's client against a hub that lies (``tests/lying_hub.py``), on both backends:
nothing is wrapped to a key that doesn't check, and a log that goes back is an alarm."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import func, select

from doorstep.audit.keyproof import KeyAlarm, KeyRefused
from doorstep.crypto.envelope import home_subject, wrap_key
from doorstep.crypto.keys import key_id, private_raw, public_raw
from doorstep.crypto.signing_keys import binding_signature, signing_key_of
from doorstep.errors import CryptoError
from doorstep.hub.db import make_engine
from doorstep.hub.keys.models import HomeKey, HomeKeyGrant, HomeKeyList
from doorstep.owner.keys import grant_member, member_public_key, rotate_home_key
from tests.lying_hub import ServedHub
from tests.owner.residents import Home, Resident, add_member, make_home

MEMBER_KEYS = r"/v1/homes/[^/]+/member-keys"
Row = dict[str, Any]


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def hub_rows(served: ServedHub, home_id: uuid.UUID) -> tuple[set[str], int]:
    """What reached the hub: the user keys holding a grant of the home's keys, and the
    newest key list version it stored."""
    engine = make_engine(served.database_url)
    with engine.connect() as connection:
        granted = set(
            connection.scalars(
                select(HomeKeyGrant.user_key_id)
                .join(HomeKey, HomeKey.id == HomeKeyGrant.home_key_id)
                .where(HomeKey.home_id == home_id)
            )
        )
        version = connection.scalar(
            select(func.max(HomeKeyList.version)).where(HomeKeyList.home_id == home_id)
        )
    engine.dispose()
    return granted, int(version or 0)


def rewrite_member(member_id: uuid.UUID, lie: Callable[[Row, Row], Row]) -> Callable[[Any], Any]:
    """A member-keys rewrite: ``lie(member_row, owner_row)`` replaces the member's row."""

    def rewrite(body: Any) -> Any:
        owner = next(r for r in body["data"] if r["owner"])
        rows = [lie(r, owner) if r["user_id"] == str(member_id) else r for r in body["data"]]
        return {**body, "data": rows}

    return rewrite


_HUB_KEY = X25519PrivateKey.generate()
HUB_FIELDS = {
    "public_key": b64(public_raw(_HUB_KEY.public_key())),
    "key_id": key_id(_HUB_KEY.public_key()),
    "signing_key": b64(public_raw(signing_key_of(_HUB_KEY).public_key())),
    "binding_signature": b64(binding_signature(_HUB_KEY)),
}
# Which of the member's fields the hub swaps for its own key's, and how the client refuses.
SWAPS: dict[str, tuple[tuple[str, ...], str]] = {
    "the hub's key with the member's real id": (("public_key",), "does not match its id"),
    "the hub's key with its own id": (
        ("public_key", "key_id"),
        "binding signature does not verify",
    ),
    "the hub's keys, ids and binding": (
        ("public_key", "key_id", "signing_key", "binding_signature"),
        "log entry says key_id is",
    ),
}


def _flip_inclusion(proof: Row) -> Row:
    first = bytearray(base64.b64decode(proof["inclusion"][0]))
    first[0] ^= 1
    return {**proof, "inclusion": [b64(bytes(first)), *proof["inclusion"][1:]]}


PROOF_LIES: dict[str, tuple[Callable[[Row, Row], Row], str]] = {
    "no proof": (lambda row, owner: {**row, "proof": None}, "has no inclusion proof"),
    "the owner's key's proof": (
        lambda row, owner: {**row, "proof": owner["proof"]},
        "log entry says label is",
    ),
    "an inclusion path altered": (
        lambda row, owner: {**row, "proof": _flip_inclusion(row["proof"])},
        "is not in the log",
    ),
    "the entry edited after it was logged": (
        lambda row, owner: {
            **row,
            "proof": {**row["proof"], "entry": row["proof"]["entry"].replace(":", ": ", 1)},
        },
        "is not in the log",
    ),
}


def household(served: ServedHub) -> tuple[Home, Resident, tuple[set[str], int]]:
    home = make_home(served.url)
    member = add_member(home)
    return home, member, hub_rows(served, home.home_id)


def test_the_truth_grants(served_hub: ServedHub) -> None:
    """The control for the lies below: told the truth, the grant wraps and lists the member."""
    home, member, (granted, version) = household(served_hub)
    with home.owner.api() as api:
        assert grant_member(api, home.home_id, home.owner.user_key, member.user_id) == 1
    assert hub_rows(served_hub, home.home_id) == (
        granted | {key_id(member.user_key.public_key())},
        version + 1,
    )


@pytest.mark.parametrize("swap", SWAPS)
def test_a_swapped_member_key_gets_nothing_wrapped(served_hub: ServedHub, swap: str) -> None:
    fields, refusal = SWAPS[swap]
    home, member, before = household(served_hub)
    served_hub.lying.rewrite(
        "GET",
        MEMBER_KEYS,
        rewrite_member(
            member.user_id, lambda row, owner: {**row, **{f: HUB_FIELDS[f] for f in fields}}
        ),
    )
    with home.owner.api() as api, pytest.raises(KeyRefused, match=refusal):
        grant_member(api, home.home_id, home.owner.user_key, member.user_id)
    assert served_hub.lying.rewritten
    assert hub_rows(served_hub, home.home_id) == before  # no grant, no list signed


@pytest.mark.parametrize("lie", PROOF_LIES)
def test_a_member_key_without_its_proof_is_refused(served_hub: ServedHub, lie: str) -> None:
    rewrite, refusal = PROOF_LIES[lie]
    home, member, before = household(served_hub)
    served_hub.lying.rewrite("GET", MEMBER_KEYS, rewrite_member(member.user_id, rewrite))
    with home.owner.api() as api, pytest.raises(KeyRefused, match=refusal):
        grant_member(api, home.home_id, home.owner.user_key, member.user_id)
    assert hub_rows(served_hub, home.home_id) == before


def test_a_checkpoint_older_than_one_seen_is_an_alarm(served_hub: ServedHub) -> None:
    home, member, _ = household(served_hub)
    with home.owner.api() as api:
        old = api.call("GET", f"/v1/homes/{home.home_id}/member-keys")
        member_public_key(api, home.home_id, member.user_id)
        # The grant logs more; the client sees a newer checkpoint when it fetches the list.
        grant_member(api, home.home_id, home.owner.user_key, member.user_id)
        # The member's row is checked; its proof's checkpoint is the one that went back.
        (row,) = [r for r in old["data"] if r["user_id"] == str(member.user_id)]
        old_size = int(row["proof"]["checkpoint"].split("\n")[1])
        served_hub.lying.rewrite("GET", MEMBER_KEYS, lambda body: old)
        with pytest.raises(KeyAlarm, match=f"rollback: the log is at size {old_size}"):
            member_public_key(api, home.home_id, member.user_id)


def test_a_home_key_wrapped_to_you_under_another_keys_id_is_refused(
    served_hub: ServedHub,
) -> None:
    """The hub wraps a private key of its own to the owner, under the real home key's id."""
    home = make_home(served_hub.url)
    member = add_member(home)
    hub_private = X25519PrivateKey.generate()

    def wrap_its_own(body: Any) -> Any:
        current = body["keys"][0]
        wrapped = wrap_key(
            private_raw(hub_private),
            recipient=home.owner.user_key.public_key(),
            subject=home_subject(current["id"]),
        )
        return {**body, "keys": [{**current, "wrapped_for_me": b64(wrapped)}]}

    served_hub.lying.rewrite("GET", r"/v1/homes/[^/]+/keys", wrap_its_own)
    before = hub_rows(served_hub, home.home_id)
    with home.owner.api() as api, pytest.raises(CryptoError, match="is another key's"):
        grant_member(api, home.home_id, home.owner.user_key, member.user_id)
    assert hub_rows(served_hub, home.home_id)[0] == before[0]  # nothing wrapped to the member


def test_a_key_list_rolled_back_is_refused(served_hub: ServedHub) -> None:
    """After the owner signs version 2, the hub serves version 1 again as the newest."""
    home = make_home(served_hub.url)
    member = add_member(home)
    with home.owner.api() as api:
        grant_member(api, home.home_id, home.owner.user_key, member.user_id)  # signs version 2
        # Version 1 with a proof as fresh as the client's checkpoint: only the list is old.
        served = api.call("GET", f"/v1/homes/{home.home_id}/key-lists", params={"after": 0})
        first = {**served, "data": served["data"][:1], "count": 1}
        served_hub.lying.rewrite("GET", r"/v1/homes/[^/]+/key-lists", lambda body: first)
        with pytest.raises(KeyRefused, match="not newer than version 2: a replay or rollback"):
            rotate_home_key(api, home.home_id, home.owner.user_key)
    assert hub_rows(served_hub, home.home_id)[1] == 2


def test_a_rotation_with_a_swapped_member_key_rotates_nothing(served_hub: ServedHub) -> None:
    home, member, before = household(served_hub)
    swap = rewrite_member(member.user_id, lambda row, owner: {**row, **HUB_FIELDS})
    served_hub.lying.rewrite("GET", MEMBER_KEYS, swap)
    with home.owner.api() as api:
        with pytest.raises(KeyRefused, match="log entry says key_id is"):
            rotate_home_key(api, home.home_id, home.owner.user_key)
        current = api.call("GET", f"/v1/homes/{home.home_id}/keys")["keys"]
    assert len(current) == 1  # still the first home key
    assert hub_rows(served_hub, home.home_id) == before
