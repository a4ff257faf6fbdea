"""Each role may call what the table says, on its own objects, and is refused the rest."""

from __future__ import annotations

from httpx import AsyncClient

from tests.hub.actors import Actors
from tests.hub.authorization.calls import example, succeeding
from tests.hub.authorization.table import ANONYMOUS, REFUSED, ROLES, ROUTES
from tests.hub.authorization.walk import refusal, send, written
from tests.hub.authorization.world import seed

REFUSAL_ERRORS = {401: "authentication_failed", 403: "permission_denied"}


async def test_each_allowed_role_succeeds_on_its_own_objects(
    client: AsyncClient, actors: Actors
) -> None:
    world = await seed(actors, client)
    failures, calls = [], 0
    for row in ROUTES:
        # ANONYMOUS means anyone: every role, signed in or not, gets the same answer.
        roles = ROLES if ANONYMOUS in row.roles else sorted(row.roles)
        for role in roles:
            call = await succeeding(world, role, row.method, row.path)
            response = await send(client, row.method, call, world.headers(role))
            calls += 1
            if response.status_code != row.status:
                failures.append(
                    f"{role} {row.method} {call.path}: {response.status_code}, table says "
                    f"{row.status}: {response.text[:200]}"
                )
    assert not failures, "\n".join(failures)
    assert calls >= len(ROUTES)


async def test_every_other_role_is_refused(client: AsyncClient, actors: Actors) -> None:
    world = await seed(actors, client)
    before = actors.row_counts()
    failures = []
    for row in ROUTES:
        if ANONYMOUS in row.roles:
            continue  # anyone may call it
        # The objects are those of a role that may call it: only the role is wrong.
        values = world.ids(sorted(row.roles)[0])
        call = example(row.method, row.path, values)
        for role in sorted(
            set(ROLES) - row.roles - ({*ROLES} if ANONYMOUS in row.roles else set())
        ):
            response = await send(client, row.method, call, world.headers(role))
            expected = REFUSED[role]
            if response.status_code != expected or refusal(response) != REFUSAL_ERRORS[expected]:
                failures.append(f"{role} {row.method} {call.path}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert not written(before, actors.row_counts()), "a refused call wrote rows"
