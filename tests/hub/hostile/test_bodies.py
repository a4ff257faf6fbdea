"""Hostile values, one field at a time, in bodies each route accepts, as the role it admits.

For every route with a JSON body: the base body (tests/hub/hostile/cases.py), sent as a
role the authorization table allows, must get the table's success first; then each
variant (tests/hub/hostile/values.py) changes one field. No answer may be a 5xx; a 4xx
has the hub's error shape, names the field or limit, and writes nothing; accepted text
reads back exactly as sent. Every route must let at least one hostile request past
validation into its code (tests/hub/hostile/reach.py), so the route's own checks, not
only the schema's, meet hostile values. Run with ``-s`` for the table.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.routing import APIRoute
from httpx import ASGITransport, AsyncClient, Response

from doorstep.hub.accounts import security
from doorstep.hub.state import HubState
from tests.hub.actors import Actors
from tests.hub.authorization.table import ROUTES
from tests.hub.hostile import world as world_module
from tests.hub.hostile.cases import CASES, Case
from tests.hub.hostile.reach import Reach, Tally, served_routes, table
from tests.hub.hostile.values import Variant, apply, encode, variants
from tests.hub.hostile.world import World

# Who may call each route, and what an allowed caller's good request gets (engineer A's
# hand-written authorization table).
TABLE = {(row.method, row.path): row for row in ROUTES}
# A refused guess at a password or pairing code is counted, and a failed pairing is on the
# audit log: those rows may grow on a refusal, no others.
COUNTED_GUESSES = {
    "SignIn": {"auth_attempts", "audit_entries", "audit_nodes"},
    "PasswordChange": {"auth_attempts", "audit_entries", "audit_nodes"},
    "DevicePair": {"auth_attempts", "audit_entries", "audit_nodes"},
    "PairingCodeBody": {"auth_attempts", "audit_entries", "audit_nodes"},
}
# Written by the hub's own timer (signed audit checkpoints), not by any request.
BACKGROUND = {"audit_checkpoints"}
# The route's own refusals follow the hub's "<field or limit>: <sentence>" convention.
NAMED = re.compile(r"^[\w.\[\]]+: ")
# Addresses are stored lower-cased (accounts.service.normalize_email); other text as sent.
LOWER_CASED = {"email", "contact_email"}
# Statuses whose detail must name the field or limit (the others name the caller's
# standing: who they are, what they may do, how often).
NAMES_THE_FIELD = {400, 413, 422}


def body_routes(app: FastAPI) -> list[tuple[str, APIRoute, str]]:
    """Every (method, route, body model name) the app serves with a JSON body (the API's;
    web pages take forms and are left out of the schema: tests/hub/hostile/test_pages.py)."""
    return [
        (method, route, route.body_field.field_info.annotation.__name__)  # type: ignore[union-attr]
        for route, _ in served_routes(app.router.routes)
        if route.body_field is not None and route.include_in_schema
        for method in sorted(route.methods or ())
    ]


def cheap_hasher() -> PasswordHasher:
    """Argon2id at its lowest cost: tests make hundreds of accounts and sign-ins."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


async def send(http: AsyncClient, method: str, case: Case, body: Any) -> Response:
    headers = {**case.headers, "content-type": "application/json"}
    return await http.request(method, case.path, content=encode(body), headers=headers)


def names_field_or_limit(
    status: int, detail: str, variant: Variant, body: dict[str, Any], reached: bool
) -> bool:
    """A 400 is about the whole body, a 413 names the byte limit, a 422 the field; a refusal
    from the route's own code may name another field it checked the value against
    (``ended_at must not be before started_at``) or the limit (``window: ...``)."""
    words = {part for part in variant.path if isinstance(part, str)}
    if reached:
        words |= set(keys(body))
    whole = {400: "body", 413: "bytes"}.get(status)
    named = any(word in detail for word in words) or (whole is not None and whole in detail)
    return named or reached and NAMED.match(detail) is not None


def keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from keys(inner)


def leaf(body: Any, path: tuple[str | int, ...]) -> Any:
    """The value at ``path`` in ``body``, or None where the path is new (unknown fields)."""
    for part in path:
        if isinstance(body, dict) and part in body:
            body = body[part]
        elif isinstance(body, list) and part == 0:
            body = body[0]
        else:
            return None
    return body


def grown(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {name for name in before if before[name] != after[name]}


class Run:
    def __init__(self, world: World, reach: Reach) -> None:
        self.world, self.reach = world, reach
        self.tallies: dict[str, Tally] = {}
        self.problems: list[str] = []

    async def route(self, http: AsyncClient, method: str, route: APIRoute, model: str) -> None:
        make = CASES[model]
        key = f"{method} {route.path}"
        allowed = TABLE[method, route.path]
        case = await make(self.world)
        role = await self.world.role_of(case.headers)
        assert role in allowed.roles, f"{key}: sent as {role}, the table allows {allowed.roles}"
        base = await send(http, method, case, case.body)
        assert base.is_success, f"{key} refused its base body: {base.text}"
        assert base.status_code == allowed.status, f"{key}: {base.status_code}, not the table's"
        tally = self.tallies[key] = Tally()
        case = await make(self.world)
        counts = self.world.row_counts()
        for variant in variants(case.body):
            calls = self.reach.count(method, route.path)
            response = await send(http, method, case, apply(case.body, variant))
            reached = self.reach.count(method, route.path) > calls
            tally.sent += 1
            tally.past_validation += reached
            tally.accepted += response.is_success
            tally.refused += 400 <= response.status_code < 500
            where = f"{key} {variant.field}={variant.label}: {response.status_code}"
            before, counts = counts, self.world.row_counts()
            await self.check(where, model, case, variant, response, (before, counts), reached)
            if response.is_success or reached and case.fresh_after_refusal:
                case = await make(self.world)
                counts = self.world.row_counts()

    async def check(
        self,
        where: str,
        model: str,
        case: Case,
        variant: Variant,
        response: Response,
        counts: tuple[dict[str, int], dict[str, int]],
        reached: bool,
    ) -> None:
        if response.status_code >= 500 or not response.is_success and response.status_code < 400:
            self.problems.append(f"{where} {response.text[:200]}")
            return
        if response.is_success and variant.must_refuse:
            self.problems.append(f"{where} accepted a value no field may take")
        if response.is_success:
            await self.check_read_back(where, case, variant, response)
            return
        answer = response.json()
        if set(answer) != {"error", "detail"} or not answer["detail"]:
            self.problems.append(f"{where} not the hub's error shape: {response.text[:200]}")
        elif response.status_code in NAMES_THE_FIELD and not names_field_or_limit(
            response.status_code, answer["detail"], variant, case.body, reached
        ):
            self.problems.append(f"{where} names neither field nor limit: {answer['detail']}")
        allowed = COUNTED_GUESSES.get(model, set()) | BACKGROUND
        changed = grown(*counts) - allowed
        if changed:
            self.problems.append(f"{where} refused, yet changed rows in {sorted(changed)}")

    async def check_read_back(
        self, where: str, case: Case, variant: Variant, response: Response
    ) -> None:
        text_field = isinstance(leaf(case.body, variant.path), str) and len(variant.path) == 1
        if not isinstance(variant.value, str) or not text_field or case.read is None:
            return
        stored = await case.read(response)
        name = str(variant.path[0])
        # RequestBody strips surrounding whitespace; nothing else may change.
        sent = variant.value.strip().lower() if name in LOWER_CASED else variant.value.strip()
        if name in stored and stored[name] != sent:
            self.problems.append(f"{where} stored {stored[name]!r}, not what was sent")


async def test_hostile_bodies_reach_past_validation_and_never_crash(
    app: FastAPI,
    client: AsyncClient,
    actors: Actors,
    hub: HubState,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(security, "_HASHER", cheap_hasher())
    routes = body_routes(app)
    documented = {
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    }
    assert {f"{m} {r.path}" for m, r, _ in routes} == documented  # the walk found them all
    missing = sorted({model for _, _, model in routes} - CASES.keys())
    assert not missing, f"add a base body to tests/hub/hostile/cases.py for {missing}"
    world = await world_module.build(actors, client, hub)
    assert world.row_counts() == actors.row_counts()  # the one-query count counts the same
    reach = Reach()
    run = Run(world, reach)
    with reach.watching(monkeypatch, app, [(method, route) for method, route, _ in routes]):
        for n, (method, route, model) in enumerate(routes):
            # An address of its own per route: counted guesses on one don't lock out another.
            transport = ASGITransport(
                app=app, raise_app_exceptions=False, client=(f"198.51.100.{n + 10}", 50000)
            )
            async with AsyncClient(transport=transport, base_url="http://hub.test") as http:
                await run.route(http, method, route, model)
    report = table(run.tallies)
    sys.stdout.write(f"\nHostile bodies per route:\n{report}\n")  # shown with -s
    unreached = [key for key, tally in run.tallies.items() if tally.past_validation == 0]
    assert not unreached, f"no hostile request got past validation in {unreached}:\n{report}"
    assert not run.problems, "\n".join([report, *run.problems[:60]])
    assert json.dumps(sorted(run.tallies)) == json.dumps(
        sorted(f"{m} {r.path}" for m, r, _ in routes)
    )
