"""Public pages, no sign-in: the request log, the agencies and their budgets, the audit log.

Each shows what the public JSON routes already publish (``/v1/requests``,
``/v1/agencies``, ``/v1/audit/...``), read through the same services; the audit page
checks an entry's inclusion proof in the visitor's own browser (static/audit-page.js).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from doorstep.crypto.safety import agency_fingerprint
from doorstep.errors import NotFound
from doorstep.hub.audit import checkpoints
from doorstep.hub.audit.service import entries, tree_size
from doorstep.hub.deps import RequestLimitsDep, SessionDep, StateDep
from doorstep.hub.params import Offset
from doorstep.hub.requests import public
from doorstep.hub.requests.policy import duration_text
from doorstep.hub.web.maps import cells_json
from doorstep.hub.web.render import render

router = APIRouter(include_in_schema=False)

LOG_PAGE = 50
RECENT_ENTRIES = 20
Page = Annotated[int, Query(ge=1, le=1_000_000, description="Page of the log, from 1.")]


AgencyFilter = Annotated[uuid.UUID | None, Query(description="Only this agency's requests.")]


@router.get("/requests")
def request_log(
    request: Request, session: SessionDep, page: Page = 1, agency: AgencyFilter = None
) -> HTMLResponse:
    offset = (page - 1) * LOG_PAGE
    logged, total = public.request_log(session, offset=offset, limit=LOG_PAGE, agency_id=agency)
    only = f"&agency_id={agency}" if agency else ""
    cells = sorted({cell for row in logged for cell in row.coarse_cells})
    return render(
        request,
        "public/requests.html",
        {
            "logged": logged,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // LOG_PAGE)),
            "offset": offset,
            "cells": cells_json(cells),
            "csv": f"/v1/requests.csv?offset={offset}&limit={LOG_PAGE}{only}",
            "agency": agency,
        },
    )


@router.get("/agencies")
def agencies_page(request: Request, session: SessionDep, limits: RequestLimitsDep) -> HTMLResponse:
    rows = public.agencies_with_budget(session, limits)
    return render(
        request,
        "public/agencies.html",
        {
            "agencies": [
                {
                    "agency": row.agency,
                    "used": row.requests_in_period,
                    "fingerprint": agency_fingerprint(row.agency.public_key)
                    if row.agency.public_key
                    else None,
                }
                for row in rows
            ],
            "budget": limits.agency_max_requests,
            "period": duration_text(limits.agency_period),
        },
    )


def _recent(session: SessionDep) -> list[dict[str, Any]]:
    start = max(0, tree_size(session) - RECENT_ENTRIES)
    rows = entries(session, start=start, limit=RECENT_ENTRIES)
    return [
        {"index": row.index, "at": row.at, "action": row.action, "entry": row.public.decode()}
        for row, _ in reversed(rows)
    ]


@router.get("/audit")
def audit_page(
    request: Request, session: SessionDep, state: StateDep, index: Offset | None = None
) -> HTMLResponse:
    try:
        newest = checkpoints.latest_checkpoint(session)
    except NotFound:
        newest = None
    origin = state.settings.audit_origin
    return render(
        request,
        "public/audit.html",
        {
            "checkpoint": newest,
            "vkey": checkpoints.log_key(state.secret_key, origin).vkey(),
            "recent": _recent(session),
            "index": index,
        },
    )
