"""Each role may call what the table says, on its own objects, and is refused the rest."""

from __future__ import annotations

from httpx import AsyncClient

from tests.hub.actors import Actors
from tests.hub.authorization.calls import example, succeeding
from tests.hub.authorization.table import ANONYMOUS, REFUSED, RESIDENT, ROLES, ROUTES
from tests.hub.authorization.walk import refusal, send, written
from tests.hub.authorization.world import World, seed

REFUSAL_ERRORS = {401: "authentication_failed", 403: "permission_denied", 404: "not_found"}


async def refused_everyone_else(world: World) -> list[str]:
    """Every role outside a row's roles gets REFUSED (401/403), and nothing is written."""
    before = world.actors.row_counts()
    failures = []
    for row in ROUTES:
        if ANONYMOUS in row.roles:
            continue  # anyone may call it
        # The objects are those of a role that may call it: only the role is wrong.
        call = example(row.method, row.path, world.ids(sorted(row.roles)[0]))
        for role in sorted(set(ROLES) - row.roles):
            response = await send(world.client, row.method, call, world.headers(role))
            expected = REFUSED[role]
            if response.status_code != expected or refusal(response) != REFUSAL_ERRORS[expected]:
                failures.append(f"{role} {row.method} {call.path}: {response.status_code}")
    if changed := written(before, world.actors.row_counts()):
        failures.append(f"refused calls wrote rows: {changed}")
    return failures


async def members_get_what_the_table_says(world: World) -> list[str]:
    """A household member who isn't the owner, on the owner's objects: the row's ``member``."""
    failures = []
    for row in ROUTES:
        if row.member is None:
            continue
        call = example(row.method, row.path, world.ids(RESIDENT))
        before = world.actors.row_counts_at_once()
        response = await send(world.client, row.method, call, world.own.member.headers)
        where = f"household member {row.method} {call.path}"
        if response.status_code != row.member:
            failures.append(f"{where}: {response.status_code}, table says {row.member}")
        elif row.member >= 400:
            if refusal(response) != REFUSAL_ERRORS[row.member]:
                failures.append(f"{where}: {response.text[:200]}")
            elif changed := written(before, world.actors.row_counts_at_once()):
                failures.append(f"{where}: refused, but rows changed: {changed}")
    return failures


async def allowed_succeed(world: World) -> list[str]:
    """Every role in a row's roles gets the row's status on its own objects."""
    failures = []
    for row in ROUTES:
        # ANONYMOUS means anyone: every role, signed in or not, gets the same answer.
        for role in ROLES if ANONYMOUS in row.roles else sorted(row.roles):
            try:
                call = await succeeding(world, role, row.method, row.path)
            except AssertionError as failed:  # an earlier failure spent what this one needs
                failures.append(f"{role} {row.method} {row.path}: preparing it failed: {failed}")
                continue
            response = await send(world.client, row.method, call, world.headers(role))
            if response.status_code != row.status:
                failures.append(
                    f"{role} {row.method} {call.path}: {response.status_code}, table says "
                    f"{row.status}: {response.text[:200]}"
                )
    return failures


async def test_each_role_gets_what_the_table_says(client: AsyncClient, actors: Actors) -> None:
    world = await seed(actors, client)
    # Refusals first: they must leave the world as seeded. Members last: a member let
    # through an owner's change would spend the owner's objects.
    failures = await refused_everyone_else(world)
    failures += await allowed_succeed(world)
    failures += await members_get_what_the_table_says(world)
    assert not failures, "\n".join(failures)
