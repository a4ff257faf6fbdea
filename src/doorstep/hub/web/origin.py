"""The same-origin check: unsafe requests from another site are refused before any route.

It covers every unsafe request that carries the session cookie (pages and the ``/v1``
API) and every unsafe request to a page route (so another site can't sign a browser in
to its own account either). A bearer-token call without the cookie is not a browser's
ambient credential and passes. Refused when ``Sec-Fetch-Site`` is present and is neither
``same-origin`` nor ``none`` (typed by the user), or when ``Origin`` is present and is
not this request's own origin. CSRF tokens (deps.py, web/auth.py) remain the second lock.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from doorstep.hub.deps import SAFE_METHODS, SESSION_COOKIE
from doorstep.hub.errors import error_response

_DEFAULT_PORTS = {"http": "80", "https": "443"}
_ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})


def _normal_origin(scheme: str, host: str) -> str:
    """``scheme://host`` in lower case, without the scheme's default port."""
    scheme, host = scheme.lower(), host.lower()
    default = _DEFAULT_PORTS.get(scheme)
    if default is not None and host.endswith(":" + default):
        host = host[: -len(default) - 1]
    return f"{scheme}://{host}"


def cross_origin_problem(request: Request) -> str | None:
    """Why this request looks cross-site, or ``None`` when it is same-origin.

    ``Origin: null`` is what browsers send on this hub's own form posts and fetches,
    because every response says ``Referrer-Policy: no-referrer``; it passes only when
    ``Sec-Fetch-Site`` (which pages can't forge) vouches for the request.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site.lower() not in _ALLOWED_FETCH_SITES:
        return (
            f"refused a cross-site request (Sec-Fetch-Site: {fetch_site}); use Doorstep's own pages"
        )
    origin = request.headers.get("origin")
    if origin is None or (origin == "null" and fetch_site is not None):
        return None
    own = _normal_origin(request.url.scheme, request.headers.get("host", ""))
    scheme, _, host = origin.partition("://")
    if not host or _normal_origin(scheme, host) != own:
        return f"refused a request from another origin (Origin: {origin}); expected {own}"
    return None


def _is_page_path(path: str) -> bool:
    return not (path == "/v1" or path.startswith(("/v1/", "/static/")))


class SameOriginCheck:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if SESSION_COOKIE not in request.cookies and not _is_page_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        problem = cross_origin_problem(request)
        if problem is None:
            await self.app(scope, receive, send)
            return
        response = error_response(403, "permission_denied", problem)
        await response(scope, receive, send)
