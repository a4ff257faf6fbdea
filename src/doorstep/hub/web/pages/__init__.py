"""Every page router, in the order app.py includes them (before the /static mount).

Each module is ``router = APIRouter(include_in_schema=False)``; add a module here to
serve its pages.
"""

from __future__ import annotations

from fastapi import APIRouter

from doorstep.hub.web.pages import (
    admin,
    admin_review,
    agency,
    agency_compose,
    auth,
    clips,
    owner_keys,
    public,
    public_log,
    resident,
    resident_homes,
    resident_inbox,
    resident_settings,
    resident_shares,
    timeline,
)

PAGE_ROUTERS: tuple[APIRouter, ...] = (
    public.router,
    auth.router,
    resident.router,
    resident_homes.router,
    resident_inbox.router,
    resident_settings.router,
    resident_shares.router,
    timeline.router,
    clips.router,
    owner_keys.router,
    agency_compose.router,  # before agency: /agency/requests/new is not a request id
    agency.router,
    admin.router,
    admin_review.router,
    public_log.router,
)
