"""Liveness and readiness probes for load balancers and `doorstep up`."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from doorstep.errors import DoorstepError
from doorstep.hub.deps import StateDep
from doorstep.hub.state import HubState

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up and answering."""
    return {"status": "ok"}


def _check_database(state: HubState) -> None:
    with state.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


@router.get("/readyz", responses={503: {"description": "A dependency is unreachable."}})
async def readyz(state: StateDep) -> JSONResponse:
    """The database, blob storage and event bus are all reachable."""
    checks: dict[str, str] = {}
    try:
        await run_in_threadpool(_check_database, state)
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "not ready"
        checks["database"] = f"unreachable: {exc.__class__.__name__}"
    try:
        await run_in_threadpool(state.storage.check)
        checks["storage"] = "ok"
    except DoorstepError as exc:
        checks["storage"] = f"unreachable: {exc.detail}"
    try:
        await state.bus.check()
        checks["bus"] = "ok"
    except DoorstepError as exc:
        checks["bus"] = f"unreachable: {exc.detail}"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status_code=200 if ready else 503,
    )
