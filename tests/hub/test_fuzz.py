"""Every operation of the hub, fuzzed from its OpenAPI document as each kind of caller.

Schemathesis draws requests from the document (ones that keep to it and ones that break
it); the hub must answer none of them with a 5xx. The callers are anonymous, a resident,
an agency member and an admin, with bearer tokens, on a hub seeded with a neighbourhood
(a home with a camera and a clip, an agency with a request, a delivery, a share, a flag,
a demand and a checkpoint), and a third of the requests name what was seeded, so they
reach past the 404s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

import anyio.from_thread
import anyio.to_thread
import schemathesis
from fastapi import FastAPI
from httpx import AsyncClient, Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok

from doorstep.hub.accounts.models import Role
from doorstep.hub.audit.checkpoints import issue_checkpoint
from doorstep.hub.state import HubState
from tests.hub.actors import Actors
from tests.hub.authorization.table import ANONYMOUS, ROUTES
from tests.hub.shares import scene

Operation = APIOperation[Any, Any, Any, Any]

# Routes that would end or change the fuzzing callers' own credentials mid-run.
LEFT_OUT = {
    ("POST", "/v1/auth/logout"),
    ("POST", "/v1/me/password"),
    ("GET", "/v1/auth/tokens"),
    ("POST", "/v1/auth/tokens"),
    ("DELETE", "/v1/auth/tokens/{token_id}"),
}
# Requests drawn per operation and caller: more for the callers it admits, a few for
# those it turns away before it reads the request. To hunt deeper, raise them: at 100,
# a run (about 4 minutes per backend) finds the 64-bit overflows hub/params.py now refuses.
ADMITTED_EXAMPLES = 8
TURNED_AWAY_EXAMPLES = 1
# Which fuzzing callers each route admits, from the authorization table (the spec).
PEOPLE_AND_ANONYMOUS = frozenset({"anonymous", "resident", "agency_member", "admin"})
ADMITS = {
    (row.method, row.path): PEOPLE_AND_ANONYMOUS if ANONYMOUS in row.roles else row.roles
    for row in ROUTES
}
# Reads go first and deletions last, so what one operation removes is missed by few others.
ORDER = {"GET": 0, "DELETE": 2}


@dataclass(frozen=True)
class Neighbourhood:
    callers: dict[str, dict[str, str]]  # headers by caller
    ids: dict[str, str]  # what was seeded, by path parameter name


async def seed(hub: HubState, actors: Actors, client: AsyncClient) -> Neighbourhood:
    agency = await scene.agency(actors, client)
    home = await scene.home_with_clip(actors, client)
    filed = await scene.file_request(client, agency)
    shared = await scene.share(client, actors, home, agency, filed["id"])
    admin = actors.user(Role.ADMIN).headers
    resident, member = home.owner.headers, agency.member.headers

    async def made(method: str, url: str, headers: dict[str, str], **body: Any) -> Any:
        response = await client.request(method, url, headers=headers, json=body or None)
        assert response.is_success, response.text
        return response.json()

    flag = await made(
        "POST", f"/v1/requests/{filed['id']}/flags", resident, reason="Aimed at a protest march."
    )
    moment = scene.now()
    demand = await made(
        "POST",
        "/v1/admin/demands",
        admin,
        authority="Circuit Court",
        kind="warrant",
        reference="R-2026-7",
        document_sha256="ab" * 32,
        home_id=str(home.home_id),
        window_start=(moment - timedelta(hours=2)).isoformat(),
        window_end=moment.isoformat(),
    )
    issue_checkpoint(hub.sessions, secret_key=hub.secret_key, origin=hub.settings.audit_origin)
    [device] = (await made("GET", f"/v1/homes/{home.home_id}/devices", resident))["data"]
    [notification, *_] = (await made("GET", "/v1/me/notifications", resident))["data"]
    ids = {
        "home_id": home.home_id,
        "camera_id": home.camera_id,
        "clip_id": home.clip_id,
        "part": "clip",
        "user_id": home.owner.user_id,
        "agency_id": (await made("GET", "/v1/agency", member))["id"],
        "request_id": filed["id"],
        "delivery_id": (await scene.delivery_of(client, home, filed["id"]))["id"],
        "share_id": shared["id"],
        "flag_id": flag["id"],
        "demand_id": demand["id"],
        "device_id": device["id"],
        "notification_id": notification["id"],
    }
    return Neighbourhood(
        callers={"anonymous": {}, "resident": resident, "agency_member": member, "admin": admin},
        ids={name: str(value) for name, value in ids.items()},
    )


def cases(operation: Operation, ids: dict[str, str]) -> st.SearchStrategy[Case[Operation]]:
    """Requests that keep to the document, ones naming what was seeded, and ones that don't."""
    names = {parameter.name for parameter in operation.path_parameters}
    return st.one_of(
        operation.as_strategy(),
        operation.as_strategy(path_parameters={n: v for n, v in ids.items() if n in names}),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )


def httpx_arguments(case: Case[Operation], headers: dict[str, str]) -> dict[str, Any]:
    """The request ``case`` describes (schemathesis gives arguments for requests), for httpx."""
    sent = case.as_transport_kwargs(base_url="http://hub.test", headers=headers)
    assert not sent.get("cookies"), "the document declares no cookie parameters"
    arguments = {key: sent[key] for key in ("method", "url", "headers", "params")}
    if "json" in sent:
        arguments["json"] = sent["json"]
    elif isinstance(sent.get("data"), bytes | str):
        arguments["content"] = sent["data"]
    elif "data" in sent:
        arguments["data"] = sent["data"]
    return arguments


def fuzz_operation(
    client: AsyncClient,
    operation: Operation,
    headers: dict[str, str],
    ids: dict[str, str],
    examples: int,
) -> None:
    """Runs in a worker thread; each request goes back to the test's event loop."""

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases(operation, ids))
    def answers_without_server_error(case: Case[Operation]) -> None:
        arguments = httpx_arguments(case, headers)
        try:
            response: Response = anyio.from_thread.run(partial(client.request, **arguments))
        except Exception as crash:  # the app raised: the client would have had a 500
            crash.add_note(f"Reproduce with: {case.as_curl_command(headers=headers)}")
            raise
        case.validate_response(response, checks=[not_a_server_error])

    answers_without_server_error()


async def test_no_operation_answers_any_caller_with_a_server_error(
    app: FastAPI, hub: HubState, client: AsyncClient, actors: Actors
) -> None:
    seeded = await seed(hub, actors, client)
    schema = schemathesis.openapi.from_dict(app.openapi())
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    documented = {
        (method.upper(), path)
        for path, methods in app.openapi()["paths"].items()
        for method in methods
    }
    # Schemathesis reads every documented operation, and the table has a row for each.
    assert {operation_key(operation) for operation in operations} == documented
    assert documented <= ADMITS.keys(), sorted(documented - ADMITS.keys())
    assert LEFT_OUT < documented  # what is left out is still served
    fuzzed = sorted(
        (operation for operation in operations if operation_key(operation) not in LEFT_OUT),
        key=lambda operation: ORDER.get(operation.method.upper(), 1),
    )
    for operation in fuzzed:
        admits = ADMITS[operation_key(operation)]
        for caller, headers in seeded.callers.items():
            examples = ADMITTED_EXAMPLES if caller in admits else TURNED_AWAY_EXAMPLES
            await anyio.to_thread.run_sync(
                fuzz_operation, client, operation, headers, seeded.ids, examples
            )


def operation_key(operation: Operation) -> tuple[str, str]:
    return operation.method.upper(), operation.path
