"""The front page: what Doorstep is and promises; a signed-in person goes to their own home."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from doorstep.hub.accounts.models import Role
from doorstep.hub.web.auth import PageUser
from doorstep.hub.web.render import ROLE_HOME, render

router = APIRouter(include_in_schema=False)


@router.get("/")
def front_page(request: Request, user: PageUser) -> Response:
    if user is not None:
        return RedirectResponse(ROLE_HOME[Role(user.role)], status_code=303)
    return render(request, "public/front.html")
