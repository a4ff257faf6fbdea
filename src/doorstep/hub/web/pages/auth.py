"""Sign in, sign up (residents) and sign out: forms posting to page routes.

They call the same account service as ``POST /v1/auth/login`` and ``POST /v1/accounts``
and set the same cookies, so lockouts and per-address limits apply unchanged. Errors are
shown on the form (``role="alert"``, fields marked ``aria-invalid``) with the status the
API would answer: 401 wrong password, 409 email taken, 422 bad input, 429 locked out.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from doorstep.errors import AuthenticationFailed, Conflict, InvalidInput, RateLimited
from doorstep.hub.accounts import service
from doorstep.hub.accounts.cookies import clear_session_cookies, start_browser_session
from doorstep.hub.accounts.models import Role, User
from doorstep.hub.accounts.schemas import SignIn, UserRegister
from doorstep.hub.deps import SessionDep, StateDep, client_address
from doorstep.hub.state import HubState
from doorstep.hub.web.auth import PageCsrf, PageUser, page_principal
from doorstep.hub.web.pages.form_errors import first_problems
from doorstep.hub.web.render import ROLE_HOME, render

router = APIRouter(include_in_schema=False)

# After sign-up the resident makes their keys first: nothing can be decrypted without them.
AFTER_SIGN_UP = "/keys/setup"
FIELD_NAMES = {"email": "Email", "password": "Password", "display_name": "Your name"}

Field = Annotated[str, Form()]


def safe_next(target: str | None) -> str | None:
    """A path on this hub to return to after signing in, or ``None`` (never another site)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(char) < 0x20 for char in target):
        return None
    return target


def _home_of(user: User) -> str:
    return ROLE_HOME[Role(user.role)]


def _field_errors(error: ValidationError) -> dict[str, str]:
    """The first problem with each field, as a sentence naming the field."""
    errors: dict[str, str] = {}
    for name, problem in first_problems(error).items():
        message = "is not a valid email address" if name == "email" else problem["msg"].lower()
        if problem["type"] == "string_too_short" and problem.get("input") == "":
            message = "is required"
        errors[name] = f"{FIELD_NAMES.get(name, name)} {message}"
    return errors


def _sign_in_and_redirect(
    request: Request,
    session: Session,
    state: HubState,
    *,
    email: str,
    password: str,
    target: str | None,
) -> Response:
    """Sign in through the service (limits, lockouts, the audit entry) and go to ``target``,
    or to the user's home when it is ``None``."""
    user = service.sign_in(
        session,
        settings=state.settings,
        email=email,
        password=password,
        address=client_address(request),
    )
    response = RedirectResponse(target or _home_of(user), status_code=303)
    start_browser_session(response, request, session=session, state=state, user=user)
    return response


def _sign_in_form(
    request: Request,
    *,
    email: str = "",
    next_path: str | None = None,
    error: str | None = None,
    field_errors: dict[str, str] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "auth/sign_in.html",
        {
            "email": email,
            "next_path": next_path or "",
            "error": error,
            "field_errors": field_errors or {},
        },
        status_code=status_code,
        headers=headers,
    )


@router.get("/sign-in")
def sign_in_page(request: Request, user: PageUser, next: str | None = None) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next) or _home_of(user), status_code=303)
    return _sign_in_form(request, next_path=safe_next(next))


@router.post("/sign-in")
def sign_in(
    request: Request,
    session: SessionDep,
    state: StateDep,
    email: Field = "",
    password: Field = "",
    next: Field = "",
) -> Response:
    next_path = safe_next(next)
    try:
        body = SignIn(email=email, password=password)
    except ValidationError as invalid:
        field_errors = _field_errors(invalid)
        return _sign_in_form(
            request,
            email=email,
            next_path=next_path,
            error="Please check the form: " + "; ".join(field_errors.values()) + ".",
            field_errors=field_errors,
            status_code=422,
        )
    try:
        return _sign_in_and_redirect(
            request, session, state, email=body.email, password=body.password, target=next_path
        )
    except AuthenticationFailed:
        return _sign_in_form(
            request,
            email=email,
            next_path=next_path,
            error="The email or the password is wrong.",
            field_errors={"password": "Check the email and the password, then try again."},
            status_code=401,
        )
    except RateLimited as limited:
        return _sign_in_form(
            request,
            email=email,
            next_path=next_path,
            error=f"Signing in is paused: {limited.detail}.",
            status_code=429,
            headers={"Retry-After": str(limited.retry_after)},
        )


def _sign_up_form(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    field_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    state: HubState = request.app.state.hub
    return render(
        request,
        "auth/sign_up.html",
        {
            "values": values or {"email": "", "display_name": ""},
            "error": error,
            "field_errors": field_errors or {},
            "password_min_length": state.settings.password_min_length,
        },
        status_code=status_code,
    )


@router.get("/sign-up")
def sign_up_page(request: Request, user: PageUser) -> Response:
    if user is not None:
        return RedirectResponse(_home_of(user), status_code=303)
    return _sign_up_form(request)


@router.post("/sign-up")
def sign_up(
    request: Request,
    session: SessionDep,
    state: StateDep,
    email: Field = "",
    display_name: Field = "",
    password: Field = "",
) -> Response:
    values = {"email": email, "display_name": display_name}
    field_errors: dict[str, str] = {}
    status_code = 422
    try:
        body = UserRegister(email=email, password=password, display_name=display_name.strip())
        service.register_resident(session, settings=state.settings, registration=body)
    except ValidationError as invalid:
        field_errors = _field_errors(invalid)
    except InvalidInput as invalid:
        field_errors = {
            invalid.field or "password": invalid.detail[:1].upper() + invalid.detail[1:]
        }
    except Conflict:
        field_errors = {"email": "An account with this email exists already; sign in instead."}
        status_code = 409
    if field_errors:
        return _sign_up_form(
            request,
            values=values,
            error="Please check the form: " + "; ".join(field_errors.values()) + ".",
            field_errors=field_errors,
            status_code=status_code,
        )
    # Signing in through the service logs the sign-in like any other.
    return _sign_in_and_redirect(
        request, session, state, email=body.email, password=body.password, target=AFTER_SIGN_UP
    )


@router.post("/sign-out")
def sign_out(request: Request, session: SessionDep, _: PageCsrf) -> Response:
    principal = page_principal(request, session)
    if principal is not None and principal.session is not None:
        service.close_browser_session(session, browser_session=principal.session)
    response = RedirectResponse("/", status_code=303)
    clear_session_cookies(response)
    return response
