"""What an agency's pages show of its budgets, and the composer's live check.

The live check (``service.check_draft``) must refuse exactly what filing refuses: the
same policy code, the same message, and nothing kept.
"""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient

from doorstep.errors import LimitExceeded
from doorstep.hub.accounts.models import User
from doorstep.hub.db import transaction, utcnow
from doorstep.hub.requests.budgets import agency_budgets, code_budget
from doorstep.hub.requests.geometry import circle_area
from doorstep.hub.requests.policy import RequestLimits
from doorstep.hub.requests.service import RequestDraft, check_draft
from tests.hub.actors import Actors
from tests.hub.shares import scene

LIMITS = RequestLimits()


def _kept(actors: Actors) -> dict[str, int]:
    """Row counts, but for the checkpoints the hub's own task issues every 10 s."""
    counts = actors.row_counts()
    del counts["audit_checkpoints"]
    return counts


def _draft(code: str, radius_m: float) -> RequestDraft:
    now = utcnow()
    return RequestDraft(
        investigation_code=code,
        category="burglary",
        details="Burglary reported at 10:40; looking for people leaving the block.",
        area=circle_area(scene.CAMERA[0], scene.CAMERA[1], radius_m),
        window_start=now - LIMITS.max_window,
        window_end=now - LIMITS.min_window,
        open_until=now + LIMITS.max_open,
        retention_days=30,
        attested=True,
    )


async def test_budgets_count_what_the_agency_filed(actors: Actors, client: AsyncClient) -> None:
    agency = await scene.agency(actors, client)
    for code in ("CASE-A", "CASE-A", "CASE-B"):
        await scene.file_request(client, agency, investigation_code=code)
    with actors.hub.sessions() as session:
        member = session.get_one(User, agency.member.user_id)
        assert member.agency_id is not None
        codes, overall = agency_budgets(
            session, agency_id=member.agency_id, limits=LIMITS, now=utcnow()
        )
        one, same = code_budget(
            session, agency_id=member.agency_id, code="CASE-A", limits=LIMITS, now=utcnow()
        )
    assert [(c.code, c.requests, c.requests_left) for c in codes] == [
        ("CASE-A", 2, 1),
        ("CASE-B", 1, 2),
    ]
    circle = circle_area(scene.CAMERA[0], scene.CAMERA[1], 300).area_m2
    assert codes[0].area_m2 == pytest.approx(2 * circle)
    assert codes[0].area_left_m2 == pytest.approx(LIMITS.code_max_area_m2 - 2 * circle)
    assert (overall.requests_in_period, overall.requests_left) == (3, 17)
    assert one == codes[0] and same == overall


async def test_the_live_check_refuses_what_filing_refuses(
    actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    for _ in range(3):
        await scene.file_request(client, agency, investigation_code="CASE-FULL")
    fourth = await client.post(
        "/v1/agency/requests",
        json=scene.request_body(investigation_code="CASE-FULL"),
        headers=agency.member.headers,
    )
    assert fourth.status_code == 422
    before = _kept(actors)
    with transaction(actors.hub.sessions) as session:
        member = session.get_one(User, agency.member.user_id)
        with pytest.raises(LimitExceeded) as refused:
            check_draft(session, member=member, draft=_draft("CASE-FULL", 300), limits=LIMITS)
        assert refused.value.detail == fourth.json()["detail"]
        assert refused.value.field == "investigation_code"
        with pytest.raises(LimitExceeded, match="the largest area of a request is 0.5 km²"):
            check_draft(session, member=member, draft=_draft("CASE-NEW", 450), limits=LIMITS)
        # A draft inside every limit passes, and nothing is kept.
        check_draft(
            session, member=member, draft=_draft(f"CASE-{uuid.uuid4().hex[:6]}", 300), limits=LIMITS
        )
    assert _kept(actors) == before
