"""Following the log from a saved position: each entry checked against a signed checkpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from doorstep.audit import merkle
from doorstep.audit.checkpoint import Checkpoint
from doorstep.audit.entries import canonical_json, key_label
from doorstep.audit.follow import FollowedLog, LogPosition, follow
from doorstep.audit.verify import LogVerificationFailed
from doorstep.errors import ConfigurationError

ALICE, BOB = key_label("user", "alice"), key_label("user", "bob")


def entry(action: str, **objects: Any) -> bytes:
    return canonical_json(
        {"action": action, "actor": {}, "at": "2026-12-03T06:00:00Z", "objects": objects}
    )


# Index: 0 a sign-in, 1 alice's key, 2 bob's key, 3 a sign-in, 4 alice's second key, 5 bob's.
LOG = [
    entry("auth.login"),
    entry("user_key.published", label=ALICE, key_id="a1"),
    entry("user_key.published", label=BOB, key_id="b1"),
    entry("auth.login"),
    entry("user_key.published", label=ALICE, key_id="a2"),
    entry("user_key.published", label=BOB, key_id="b2"),
]


def checkpoint(size: int, log: list[bytes] = LOG) -> Checkpoint:
    root = merkle.root_of([merkle.leaf_hash(e) for e in log[:size]])
    return Checkpoint(origin="test", size=size, root=root)


def rows(log: list[bytes], start: int = 0) -> list[tuple[int, bytes, None]]:
    return [(index, public, None) for index, public in enumerate(log)][start:]


def test_following_in_steps_finds_what_one_pass_finds() -> None:
    whole, found = follow(LogPosition(), rows(LOG), checkpoint=checkpoint(6), watched={ALICE})
    assert [(e.index, e.objects["key_id"]) for e in found] == [(1, "a1"), (4, "a2")]

    half, first = follow(LogPosition(), rows(LOG), checkpoint=checkpoint(3), watched={ALICE})
    assert half.size == 3 and [e.index for e in first] == [1]
    rest, second = follow(half, rows(LOG, 3), checkpoint=checkpoint(6), watched={ALICE})
    assert [e.index for e in second] == [4]
    assert rest == whole and rest.size == 6


@pytest.mark.parametrize(
    ("served", "problem"),
    [
        (  # the hub changed entry 4 after the checkpoint was signed
            rows(LOG[:4] + [entry("user_key.published", label=ALICE, key_id="evil")] + LOG[5:]),
            "do not give the root of the signed checkpoint at size 6",
        ),
        (  # an entry dropped and the rest renumbered: the tree differs
            rows(LOG[:2] + LOG[3:] + [entry("auth.login")]),
            "do not give the root of the signed checkpoint at size 6",
        ),
        ([r for r in rows(LOG) if r[0] != 2], "entry 2 is missing (the next is 3)"),
        (rows(LOG[:5]), "the hub served entries up to 5, but its checkpoint covers 6"),
        (
            rows(LOG[:1] + [LOG[1].replace(b"{", b"{ ", 1)] + LOG[2:]),
            "entry 1 is not in canonical JSON form",
        ),
    ],
)
def test_a_log_that_does_not_match_the_checkpoint_is_refused(
    served: list[tuple[int, bytes, None]], problem: str
) -> None:
    with pytest.raises(LogVerificationFailed) as refused:
        follow(LogPosition(), served, checkpoint=checkpoint(6), watched={ALICE})
    assert problem in refused.value.detail


def test_a_checkpoint_older_than_what_was_checked_is_a_rollback() -> None:
    position, _ = follow(LogPosition(), rows(LOG), checkpoint=checkpoint(5), watched={ALICE})
    with pytest.raises(LogVerificationFailed, match="rollback"):
        follow(position, rows(LOG, 5), checkpoint=checkpoint(4), watched={ALICE})


class Hub:
    """The log's entries route, over a log that grows."""

    def __init__(self, log: list[bytes]) -> None:
        self.log = log

    def get(self, path: str, **params: Any) -> Any:
        assert path == "/v1/audit/entries"
        start, limit = params["start"], params["limit"]
        data = [
            {"index": i, "entry": json.loads(e), "leaf_hash": ""} for i, e in enumerate(self.log)
        ]
        return {"data": data[start : start + limit]}


def test_a_watcher_is_told_only_of_entries_new_since_its_last_check(tmp_path: Path) -> None:
    state = tmp_path / "watched.json"
    hub = Hub(LOG[:3])
    assert FollowedLog.load(state).advance(hub.get, checkpoint=checkpoint(3), watched={ALICE}) == []
    assert (state.stat().st_mode & 0o777) == 0o600
    hub.log = LOG
    followed = FollowedLog.load(state)
    new = followed.advance(hub.get, checkpoint=checkpoint(6), watched={ALICE})
    assert [e.index for e in new] == [4]
    assert [e.index for e in followed.entries] == [1, 4]

    # Watching bob too reads the log again: his whole history is listed, nothing is new.
    followed = FollowedLog.load(state)
    assert followed.advance(hub.get, checkpoint=checkpoint(6), watched={ALICE, BOB}) == []
    assert [e.index for e in followed.entries] == [1, 2, 4, 5]


def test_a_damaged_state_file_is_named(tmp_path: Path) -> None:
    state = tmp_path / "watched.json"
    state.write_text('{"watched": []}')
    with pytest.raises(ConfigurationError, match="watched.json is damaged"):
        FollowedLog.load(state)
