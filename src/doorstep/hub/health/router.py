"""Liveness and readiness probes for load balancers and `doorstep up`."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from doorstep.hub.deps import StateDep
from doorstep.hub.health.checks import OK, readiness

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up and answering."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "A dependency is unreachable."}})
async def readyz(state: StateDep) -> JSONResponse:
    """The database, blob storage and event bus are all reachable."""
    checks = await readiness(state)
    ready = all(value == OK for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status_code=200 if ready else 503,
    )
