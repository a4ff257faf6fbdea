"""The browser session and its cookies, opened the same way by the API's sign-in and the
sign-in page."""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from doorstep.hub.accounts.models import User
from doorstep.hub.accounts.service import IssuedSession, open_browser_session
from doorstep.hub.deps import CSRF_COOKIE, SESSION_COOKIE
from doorstep.hub.state import HubState
from doorstep.settings import Settings


def start_browser_session(
    response: Response, request: Request, *, session: Session, state: HubState, user: User
) -> IssuedSession:
    """A new browser session for ``user``, its cookies set on ``response``."""
    issued = open_browser_session(
        session, settings=state.settings, secret_key=state.secret_key, user=user
    )
    set_session_cookies(response, request, settings=state.settings, issued=issued)
    return issued


def set_session_cookies(
    response: Response, request: Request, *, settings: Settings, issued: IssuedSession
) -> None:
    """The session cookie (HttpOnly) and the CSRF cookie, ``Secure`` over HTTPS."""
    secure = request.url.scheme == "https"
    max_age = settings.session_hours * 3600
    response.set_cookie(
        SESSION_COOKIE, issued.token, max_age=max_age, httponly=True, samesite="lax", secure=secure
    )
    # Readable by the page's script, which echoes it in X-CSRF-Token.
    response.set_cookie(
        CSRF_COOKIE, issued.row.csrf_token, max_age=max_age, samesite="lax", secure=secure
    )


def clear_session_cookies(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
