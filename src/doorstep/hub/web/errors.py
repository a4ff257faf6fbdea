"""Errors as pages for browsers: the hub's JSON errors, rendered with ``error.html``.

A request gets the page when it is for neither ``/v1`` nor ``/static``, its ``Accept``
names ``text/html`` and it is not an htmx call (app.js shows an htmx call's JSON
``detail`` in the page's message region). API clients keep the JSON body. Page guards
raise ``PageRedirect`` (303, to sign in) and ``PageForbidden`` (the 403 page).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import cast

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from doorstep import errors
from doorstep.hub.errors import error_response
from doorstep.hub.web.auth import PageForbidden, PageRedirect, forget_principal
from doorstep.hub.web.render import render

Handler = Callable[[Request, Exception], Awaitable[Response]]

# Headers of the JSON error worth keeping on the page (a lockout's Retry-After).
_KEPT_HEADERS = ("retry-after",)

TITLES = {
    400: "The request was not understood",
    401: "Please sign in",
    403: "Not allowed",
    404: "Page not found",
    409: "That conflicts with what is there",
    413: "Too large",
    422: "Please check what you entered",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "Doorstep is not ready",
}


def wants_html(request: Request) -> bool:
    path = request.url.path
    if path == "/v1" or path.startswith(("/v1/", "/static/")):
        return False
    if request.headers.get("hx-request"):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_page(
    request: Request, status: int, detail: str, headers: dict[str, str] | None = None
) -> Response:
    forget_principal(request)
    return render(
        request,
        "error.html",
        {
            "status": status,
            "title": TITLES.get(status, "Something went wrong"),
            "detail": detail,
        },
        status_code=status,
        headers=headers,
    )


def _as_page(json_handler: Handler) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        response = await json_handler(request, exc)
        if not wants_html(request):
            return response
        body = json.loads(bytes(response.body))
        headers = {name: value for name, value in response.headers.items() if name in _KEPT_HEADERS}
        return error_page(request, response.status_code, str(body.get("detail", "")), headers)

    return handle


async def _redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageRedirect)
    return RedirectResponse(exc.location, status_code=303)


async def _forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageForbidden)
    if not wants_html(request):  # htmx and scripts get the hub's JSON error
        return error_response(403, "permission_denied", exc.detail)
    return error_page(request, 403, exc.detail)


def install_page_error_handlers(app: FastAPI) -> None:
    """Call after ``install_error_handlers``: wraps its JSON handlers."""
    for kind in (errors.DoorstepError, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(kind, _as_page(cast(Handler, app.exception_handlers[kind])))
    app.add_exception_handler(PageRedirect, _redirect)
    app.add_exception_handler(PageForbidden, _forbidden)
