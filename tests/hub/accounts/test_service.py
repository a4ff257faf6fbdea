"""Attempt limits, counted in the database so every hub worker sees the same numbers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from doorstep.errors import AuthenticationFailed, RateLimited
from doorstep.hub.accounts.models import AttemptKind, AuthAttempt
from doorstep.hub.accounts.service import enforce_attempt_limits, record_failure, sign_in
from doorstep.hub.db import transaction, utcnow
from doorstep.hub.state import HubState
from tests.hub.actors import PASSWORD, Actors


async def test_one_address_is_limited_across_accounts(hub: HubState) -> None:
    settings = hub.settings.model_copy(update={"ip_max_failures": 3})
    with hub.sessions() as session:
        for n in range(3):
            record_failure(
                session, kind=AttemptKind.SIGN_IN, subject=f"u{n}@x.example", address="203.0.113.9"
            )
        with pytest.raises(RateLimited, match="from this address"):
            enforce_attempt_limits(
                session,
                settings=settings,
                kind=AttemptKind.SIGN_IN,
                subject="fresh@x.example",
                address="203.0.113.9",
            )
        # Another address and another kind of attempt are not affected.
        enforce_attempt_limits(
            session, settings=settings, kind=AttemptKind.SIGN_IN, subject=None, address="192.0.2.1"
        )
        enforce_attempt_limits(
            session,
            settings=settings,
            kind=AttemptKind.PAIRING,
            subject=None,
            address="203.0.113.9",
        )


async def test_old_failures_expire(hub: HubState, actors: Actors) -> None:
    actor = actors.resident()
    with hub.sessions() as session:
        for _ in range(5):
            with pytest.raises(AuthenticationFailed):
                sign_in(
                    session, settings=hub.settings, email=actor.email, password="x", address="a"
                )
        with pytest.raises(RateLimited):
            sign_in(
                session, settings=hub.settings, email=actor.email, password=PASSWORD, address="a"
            )
    with transaction(hub.sessions) as session:
        session.execute(update(AuthAttempt).values(at=utcnow() - timedelta(minutes=16)))
    with hub.sessions() as session:
        user = sign_in(
            session, settings=hub.settings, email=actor.email, password=PASSWORD, address="a"
        )
        assert user.email == actor.email
