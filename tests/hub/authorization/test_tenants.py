"""A caller never reaches another tenant's objects: another home's, agency's or user's id
answers 404, as if it didn't exist, and writes nothing."""

from __future__ import annotations

from httpx import AsyncClient

from tests.hub.actors import Actors
from tests.hub.authorization.calls import fill, succeeding
from tests.hub.authorization.table import ALL, ANONYMOUS, ROLES, ROUTES, TENANT_SCOPES
from tests.hub.authorization.walk import id_parameters, refusal, send, written
from tests.hub.authorization.world import World, seed

ERRORS = {404: "not_found", 409: "conflict", 422: "invalid_input"}


async def other_ids_refused(world: World) -> list[str]:
    """Another tenant's id, one parameter at a time, answers 404 (or the row's documented
    answer) to a caller of every allowed role, and writes nothing."""
    client, actors = world.client, world.actors
    assert actors.row_counts_at_once() == actors.row_counts()  # the one-query count agrees
    others = world.other_ids()
    rows = [row for row in ROUTES if row.scope in TENANT_SCOPES]
    kinds = {name for row in rows for name in id_parameters(row.method, row.path)}
    lacking = sorted(kinds - set(others))
    assert not lacking, f"the world has no other tenant's object for {lacking}"
    failures, checked = [], set()
    for row in rows:
        for role in sorted(row.roles):
            own = world.ids(role)
            for name in id_parameters(row.method, row.path):
                # The body a real client of this role would send, made before counting rows.
                call = await succeeding(world, role, row.method, row.path)
                values = own | {name: others[name]}
                call.path = fill(row.path, values)
                call.params = {key: values[key] for key in call.params}
                before = actors.row_counts_at_once()
                response = await send(client, row.method, call, world.headers(role))
                where = f"{role} {row.method} {row.path} with the other tenant's {name}"
                expected = dict(row.other_tenant).get(name, 404)
                if response.status_code != expected or refusal(response) != ERRORS[expected]:
                    failures.append(f"{where}: {response.status_code} {response.text[:200]}")
                elif changed := written(before, actors.row_counts_at_once()):
                    failures.append(f"{where}: {expected}, but rows changed: {changed}")
                checked.add(name)
    assert checked == kinds
    return failures


# Ids of the other tenant that no view of the own tenant may show. Not private: key ids
# (public keys' names), requests and agencies (the public request log), clip and share
# ids (public objects of the audit log, docs/audit.md).
PRIVATE_KINDS = (
    "home_id",
    "camera_id",
    "device_id",
    "user_id",
    "delivery_id",
    "token_id",
    "notification_id",
)


async def other_tenant_unseen(world: World) -> list[str]:
    """No GET the own tenant's callers (or anyone) make shows the other tenant's ids."""
    others = world.other_ids()
    secrets = {str(others[kind]): kind for kind in PRIVATE_KINDS}
    failures = []
    for row in ROUTES:
        if row.method != "GET" or row.scope == ALL:
            continue  # an administrator's views reach every tenant
        for role in ROLES if ANONYMOUS in row.roles else sorted(row.roles):
            call = await succeeding(world, role, row.method, row.path)
            text = (await send(world.client, row.method, call, world.headers(role))).text
            shown = sorted(kind for secret, kind in secrets.items() if secret in text)
            if shown:
                failures.append(f"{role} GET {call.path} shows the other tenant's {shown}")
    return failures


async def test_no_caller_reaches_another_tenants_objects(
    client: AsyncClient, actors: Actors
) -> None:
    world = await seed(actors, client)
    # Views first: the 404 walk then spends some of the own tenant's objects.
    failures = await other_tenant_unseen(world) + await other_ids_refused(world)
    assert not failures, "\n".join(failures)
