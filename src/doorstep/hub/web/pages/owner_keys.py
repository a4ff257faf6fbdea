"""The resident's key pages: set up keys, change the passphrase, see household keys and
alarms, pair an edge.

Everything that needs a private key happens in the browser (static/owner-*.js): these
routes only render the pages. The hub never sees the passphrase, the private keys or
the pairing code's secret part; the pages say so.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from doorstep.hub.deps import SessionDep
from doorstep.hub.homes.models import HouseholdRole
from doorstep.hub.homes.service import list_homes
from doorstep.hub.keys.models import UserKey
from doorstep.hub.web.auth import PageResident
from doorstep.hub.web.render import render

router = APIRouter(include_in_schema=False)


def _has_key(session: SessionDep, user: PageResident) -> bool:
    return session.scalar(select(UserKey.id).where(UserKey.user_id == user.id)) is not None


def _passphrase_form(
    request: Request, user: PageResident, session: SessionDep, template: str
) -> HTMLResponse:
    """A page whose passphrase is held to the strength rules: the account's email and name
    count as guessable words there."""
    return render(
        request,
        template,
        {"has_key": _has_key(session, user), "email": user.email, "name": user.display_name},
    )


@router.get("/keys/setup")
def key_setup_page(request: Request, user: PageResident, session: SessionDep) -> HTMLResponse:
    """Make your keys here, sealed under a passphrase only you know."""
    return _passphrase_form(request, user, session, "resident/keys_setup.html")


@router.get("/keys/passphrase")
def key_passphrase_page(request: Request, user: PageResident, session: SessionDep) -> HTMLResponse:
    """Seal your private key under a new passphrase: opened and sealed again here."""
    return _passphrase_form(request, user, session, "resident/keys_passphrase.html")


@router.get("/keys")
def keys_page(request: Request, user: PageResident, session: SessionDep) -> HTMLResponse:
    """Your key, your household's keys with safety numbers, and key alarms (all checked here)."""
    homes = [
        {"id": str(home.id), "name": home.name, "owner": member.role == HouseholdRole.OWNER}
        for home, member in list_homes(session, user=user)
    ]
    return render(
        request, "resident/keys.html", {"has_key": _has_key(session, user), "homes": homes}
    )


@router.get("/pair")
def pair_page(request: Request, user: PageResident, session: SessionDep) -> HTMLResponse:
    """Pair an edge device with a home you own: the code binds your key."""
    homes = [
        {"id": str(home.id), "name": home.name}
        for home, member in list_homes(session, user=user)
        if member.role == HouseholdRole.OWNER
    ]
    return render(
        request, "resident/pair.html", {"has_key": _has_key(session, user), "homes": homes}
    )
