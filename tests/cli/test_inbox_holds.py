"""`doorstep inbox shares` tells the owner which clips a live share keeps past retention."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import pytest
from typer.testing import CliRunner

from doorstep.cli import app
from doorstep.cli import inbox as inbox_command


def shared_clip(clip_id: str, *, held: bool) -> dict[str, Any]:
    return {
        "clip_id": clip_id,
        "camera_id": "c0ffee00-0000-4000-8000-000000000001",
        "started_at": "2026-03-01T10:00:00Z",
        "ended_at": "2026-03-01T10:00:20Z",
        "ciphertext_sha256": "0" * 64,
        "key_held": True,
        "held_past_retention": held,
    }


def share(share_id: str, clips: list[dict[str, Any]]) -> dict[str, Any]:
    """A share as GET /v1/me/shares returns it to its owner."""
    return {
        "id": share_id,
        "request_id": "5eed0000-0000-4000-8000-000000000001",
        "agency": "Test Police",
        "agency_key_id": "k" * 16,
        "purpose": "burglary: a burglary on this block",
        "created_at": "2026-03-02T09:00:00Z",
        "expires_at": "2026-08-29T09:00:00Z",
        "ended_at": None,
        "end_reason": None,
        "extension_until": None,
        "extension_reason": None,
        "clips": clips,
        "downloads": [],
    }


class FakeHub:
    def __init__(self, shares: list[dict[str, Any]]) -> None:
        self.shares = shares

    def __enter__(self) -> FakeHub:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

    def call(self, method: str, path: str) -> dict[str, Any]:
        assert (method, path) == ("GET", "/v1/me/shares")
        return {"data": self.shares, "count": len(self.shares)}


def listed(monkeypatch: pytest.MonkeyPatch, shares: list[dict[str, Any]]) -> str:
    monkeypatch.setattr(inbox_command, "signed_in_api", lambda hub: FakeHub(shares))
    result = CliRunner().invoke(app, ["inbox", "shares"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return result.output


def test_the_hold_is_shown_per_share(monkeypatch: pytest.MonkeyPatch) -> None:
    holding = share(
        "aaaa0000-0000-4000-8000-000000000001",
        [
            shared_clip("c1000000-0000-4000-8000-000000000001", held=True),
            shared_clip("c1000000-0000-4000-8000-000000000002", held=True),
            shared_clip("c1000000-0000-4000-8000-000000000003", held=False),
        ],
    )
    other = share(
        "bbbb0000-0000-4000-8000-000000000002",
        [shared_clip("c2000000-0000-4000-8000-000000000001", held=False)],
    )

    output = listed(monkeypatch, [holding, other])

    assert "kept past retention" in output
    [holding_row] = [line for line in output.splitlines() if holding["id"] in line]
    [other_row] = [line for line in output.splitlines() if other["id"] in line]
    assert "2 clip(s)" in holding_row and "clip(s)" not in other_row
    assert "until the share ends" in output


def test_no_note_when_nothing_is_held(monkeypatch: pytest.MonkeyPatch) -> None:
    output = listed(
        monkeypatch,
        [share("cccc0000-0000-4000-8000-000000000003", [shared_clip("c3" + "0" * 34, held=False)])],
    )

    assert "until the share ends" not in output
