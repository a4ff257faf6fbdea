"""``render()``: a Jinja2 template as an HTML response, with the page's user, role and nav.

Templates live in ``templates/`` (``<role>/<page>.html`` extending ``base.html``). The
environment autoescapes everything and refuses undefined names (``StrictUndefined``), so
a misspelt variable fails the test that renders the page instead of printing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape

from doorstep.hub.accounts.models import Role
from doorstep.hub.web.auth import CSRF_FIELD, page_principal

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class NavLink:
    href: str
    label: str


# The navigation each role sees in the header; the public pages are in every footer.
PUBLIC_NAV = (
    NavLink("/requests", "Requests"),
    NavLink("/agencies", "Agencies"),
    NavLink("/transparency", "Transparency"),
    NavLink("/audit", "Audit"),
)
NAV: dict[str, tuple[NavLink, ...]] = {
    Role.RESIDENT.value: (
        NavLink("/home", "Home"),
        NavLink("/inbox", "Inbox"),
        NavLink("/receipts", "Receipts"),
        NavLink("/holdings", "Who holds my footage"),
        NavLink("/keys", "Keys"),
    ),
    Role.AGENCY_MEMBER.value: (
        NavLink("/agency", "Requests"),
        NavLink("/agency/requests/new", "New request"),
        NavLink("/agency/shares", "Shares"),
        NavLink("/agency/members", "Members"),
    ),
    Role.ADMIN.value: (
        NavLink("/admin", "Overview"),
        NavLink("/admin/agencies", "Agencies"),
        NavLink("/admin/flags", "Flags"),
        NavLink("/admin/demands", "Demands"),
        NavLink("/admin/users", "Users"),
    ),
    "public": PUBLIC_NAV,
}

# Where each role lands after signing in, and from ``/``.
ROLE_HOME: dict[Role, str] = {
    Role.RESIDENT: "/home",
    Role.AGENCY_MEMBER: "/agency",
    Role.ADMIN: "/admin",
}


def static(path: str) -> str:
    return "/static/" + path.lstrip("/")


@pass_context
def csrf_field(context: Context) -> Markup:
    """The hidden ``csrf_token`` input for a plain ``<form method="post">``."""
    token = context.get("csrf_token")
    if not token:
        return Markup("")
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, escape(token))


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = static
    env.globals["csrf_field"] = csrf_field
    env.globals["public_nav"] = PUBLIC_NAV
    return env


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` for this request; ``context`` adds to (or overrides) the basics:
    ``user``, ``csrf_token``, ``role`` ("resident", "agency_member", "admin" or "public"),
    ``nav`` (the role's links), ``current_path``, ``request`` and ``static()``."""
    principal = page_principal(request)
    user = principal.user if principal else None
    role = Role(user.role).value if user is not None else "public"
    values: dict[str, Any] = {
        "request": request,
        "user": user,
        "csrf_token": principal.session.csrf_token if principal and principal.session else None,
        "role": role,
        "nav": NAV[role],
        "current_path": request.url.path,
    }
    values.update(context or {})
    html = environment().get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code, headers=headers)
