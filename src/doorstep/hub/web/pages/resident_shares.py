"""What a resident handed over: receipts of their shares, and who holds their footage now.

``/receipts`` lists every share with its ciphertext hashes; each receipt downloads as
the very JSON ``doorstep inbox receipt`` saves (the hub-signed body of
``GET /v1/me/shares/{id}/receipt``). ``/holdings`` shows the live shares, the agency's
downloads and expiry, and withdraws one after a confirmation page.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from doorstep.hub.db import utcnow
from doorstep.hub.deps import SessionDep, StateDep
from doorstep.hub.shares import evidence, service, views
from doorstep.hub.shares.schemas import SharePublic
from doorstep.hub.web.auth import PageCsrf, PageResident
from doorstep.hub.web.pages.resident_views import days_left, when
from doorstep.hub.web.render import render

router = APIRouter(include_in_schema=False)

DONE = {
    "withdrawn": "Withdrawn: the agency's keys to those clips are deleted.",
    "extended": "Extended: the agency may download the clips until the new date.",
    "refused": "Refused: the agency's access ends on the date it had.",
}


def live(share: SharePublic) -> bool:
    return share.ended_at is None and share.expires_at > utcnow()


@router.get("/receipts")
def receipts_page(request: Request, user: PageResident, session: SessionDep) -> HTMLResponse:
    shares = [views.for_owner(session, row) for row in service.owner_shares(session, user=user)]
    return render(request, "resident/receipts.html", {"shares": shares, "when": when})


@router.get("/receipts/{share_id}/receipt.json")
def receipt_download(
    share_id: uuid.UUID, user: PageResident, session: SessionDep, state: StateDep
) -> JSONResponse:
    """The signed receipt, byte for byte what the API answers, as a file to save."""
    row = service.owner_share(session, user=user, share_id=share_id)
    return JSONResponse(
        evidence.receipt(session, state, row),
        headers={"Content-Disposition": f'attachment; filename="receipt-{share_id}.json"'},
    )


@router.get("/holdings")
def holdings_page(
    request: Request, user: PageResident, session: SessionDep, done: str | None = None
) -> HTMLResponse:
    now = utcnow()
    shares = [views.for_owner(session, row) for row in service.owner_shares(session, user=user)]
    return render(
        request,
        "resident/holdings.html",
        {
            "live": [share for share in shares if live(share)],
            "ended": [share for share in shares if not live(share)],
            "done": DONE.get(done or ""),
            "when": when,
            "left": lambda until: days_left(until, now),
        },
    )


@router.get("/holdings/{share_id}/withdraw")
def withdraw_confirm(
    request: Request, share_id: uuid.UUID, user: PageResident, session: SessionDep
) -> HTMLResponse:
    share = views.for_owner(session, service.owner_share(session, user=user, share_id=share_id))
    return render(
        request,
        "resident/withdraw.html",
        {"share": share, "live": live(share), "when": when},
    )


@router.post("/holdings/{share_id}/withdraw")
def withdraw(
    share_id: uuid.UUID, user: PageResident, session: SessionDep, _: PageCsrf
) -> RedirectResponse:
    service.withdraw_share(session, user=user, share_id=share_id)
    return RedirectResponse("/holdings?done=withdrawn", status_code=303)


@router.post("/holdings/{share_id}/extension")
def answer_extension(
    share_id: uuid.UUID,
    grant: Annotated[Literal["yes", "no"], Form()],
    user: PageResident,
    session: SessionDep,
    _: PageCsrf,
) -> RedirectResponse:
    """Grant or refuse the longer access the agency asked for."""
    service.answer_extension(session, user=user, share_id=share_id, grant=grant == "yes")
    done = "extended" if grant == "yes" else "refused"
    return RedirectResponse(f"/holdings?done={done}", status_code=303)
