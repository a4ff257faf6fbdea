"""The hub's FastAPI application: ``create_app(settings)``.

The lifespan builds the engine, applies migrations, logs the manifest of the browser
code it serves, opens blob storage and the event bus, and puts them on
``app.state.hub``; nothing is created at import time.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from doorstep import __version__
from doorstep.hub.accounts.admin_router import router as admin_accounts_router
from doorstep.hub.accounts.router import router as accounts_router
from doorstep.hub.accounts.security import prepare_password_checks
from doorstep.hub.agencies.router import router as agencies_router
from doorstep.hub.api_docs import install_api_docs
from doorstep.hub.audit.checkpoints import checkpoint_periodically, issue_checkpoint
from doorstep.hub.audit.router import router as audit_router
from doorstep.hub.audit.service import session_info
from doorstep.hub.bus.factory import open_event_bus
from doorstep.hub.clips.retention import sweep_periodically
from doorstep.hub.clips.router import UPLOAD_PATH
from doorstep.hub.clips.router import router as clips_router
from doorstep.hub.db import make_engine, make_session_factory, transaction
from doorstep.hub.demands.router import router as demands_router
from doorstep.hub.devices.router import router as devices_router
from doorstep.hub.errors import install_error_handlers
from doorstep.hub.health.router import router as health_router
from doorstep.hub.homes.router import router as homes_router
from doorstep.hub.keys.router import router as keys_router
from doorstep.hub.middleware import BodySizeLimit, SecurityHeaders
from doorstep.hub.migrate import upgrade_database
from doorstep.hub.notifications.router import router as notifications_router
from doorstep.hub.requests.housekeeping import housekeep_periodically
from doorstep.hub.requests.inbox_router import router as inbox_router
from doorstep.hub.requests.public_router import router as public_requests_router
from doorstep.hub.requests.router import router as requests_router
from doorstep.hub.shares.agency_router import router as agency_shares_router
from doorstep.hub.shares.router import router as shares_router
from doorstep.hub.state import HubState
from doorstep.hub.storage.factory import open_blob_store
from doorstep.hub.transparency.router import router as transparency_router
from doorstep.hub.web import WEB_STATIC
from doorstep.hub.web.errors import install_page_error_handlers
from doorstep.hub.web.manifest import record_manifest
from doorstep.hub.web.map_router import router as map_router
from doorstep.hub.web.origin import SameOriginCheck
from doorstep.hub.web.pages import PAGE_ROUTERS
from doorstep.hub.web.router import router as web_router
from doorstep.settings import Settings, get_settings

# Routes anyone may call without signing in; every other route demands credentials.
PUBLIC_ROUTES = frozenset(
    {
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("POST", "/v1/accounts"),
        ("POST", "/v1/auth/login"),
        ("POST", "/v1/devices/pairing-owner"),
        ("POST", "/v1/devices/pair"),
        ("GET", "/v1/audit/key"),
        ("GET", "/v1/audit/checkpoint"),
        ("GET", "/v1/audit/checkpoints"),
        ("GET", "/v1/audit/checkpoints/{size}"),
        ("GET", "/v1/audit/proofs/inclusion"),
        ("GET", "/v1/audit/proofs/consistency"),
        ("GET", "/v1/audit/entries"),
        ("GET", "/v1/transparency"),
        ("GET", "/v1/transparency.csv"),
        ("GET", "/transparency"),
        ("GET", "/v1/requests"),
        ("GET", "/v1/requests.csv"),
        ("GET", "/v1/requests/limits"),
        ("GET", "/v1/requests/{request_id}"),
        ("GET", "/v1/agencies"),
        ("GET", "/v1/web/manifest"),
        ("GET", "/v1/map"),
        ("GET", "/map/basemap.pmtiles"),
    }
)

# Every router the hub serves; the authorization test walks these (and checks that the
# OpenAPI document lists nothing else).
ROUTERS: tuple[APIRouter, ...] = (
    health_router,
    accounts_router,
    admin_accounts_router,
    homes_router,
    devices_router,
    agencies_router,
    clips_router,
    keys_router,
    audit_router,
    transparency_router,
    public_requests_router,
    requests_router,
    inbox_router,
    shares_router,
    agency_shares_router,
    notifications_router,
    demands_router,
    web_router,
    map_router,
)


def _record_web_manifest(sessions: sessionmaker[Session], secret_key: bytes, origin: str) -> None:
    """Log the browser code this start serves, and sign a checkpoint covering it before the
    first request: a client can check the manifest at once, and the log's state right
    after start doesn't depend on when the checkpoint timer first runs."""
    with transaction(sessions) as session:
        record_manifest(session, WEB_STATIC)
    issue_checkpoint(sessions, secret_key=secret_key, origin=origin)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        secret_key = settings.resolved_secret_key()
        engine = make_engine(settings.resolved_database_url())
        await run_in_threadpool(upgrade_database, engine)
        await run_in_threadpool(prepare_password_checks)
        sessions = make_session_factory(engine, info=session_info(secret_key))
        await run_in_threadpool(_record_web_manifest, sessions, secret_key, settings.audit_origin)
        storage = open_blob_store(settings)
        bus = open_event_bus(settings)
        await bus.connect()
        app.state.hub = state = HubState(
            settings=settings,
            engine=engine,
            sessions=sessions,
            storage=storage,
            bus=bus,
            secret_key=secret_key,
            request_limits=settings.request_limits(),
        )
        stop_sweeping = threading.Event()
        sweeper = asyncio.create_task(
            sweep_periodically(
                state.sessions,
                storage=state.storage,
                interval_s=settings.retention_interval_s,
                stop=stop_sweeping,
            ),
            name="doorstep-retention",
        )
        checkpointer = asyncio.create_task(
            checkpoint_periodically(
                state.sessions,
                secret_key=secret_key,
                origin=settings.audit_origin,
                interval_s=settings.audit_checkpoint_interval_s,
                stop=stop_sweeping,
            ),
            name="doorstep-audit-checkpoints",
        )
        housekeeper = asyncio.create_task(
            housekeep_periodically(
                state.sessions, interval_s=settings.retention_interval_s, stop=stop_sweeping
            ),
            name="doorstep-requests-housekeeping",
        )
        try:
            yield
        finally:
            # Stop the background tasks (a sweep in progress ends after its current clip)
            # before the engine they use goes.
            stop_sweeping.set()
            for task in (sweeper, checkpointer, housekeeper):
                task.cancel()
            await asyncio.wait({sweeper, checkpointer, housekeeper})
            await bus.close()
            engine.dispose()

    app = FastAPI(
        title="Doorstep hub",
        version=__version__,
        summary="Home cameras with end-to-end encryption and bounded, public agency requests.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    install_api_docs(app)
    install_error_handlers(app)
    install_page_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    # The web app's pages (hub/web/pages): HTML, not in the OpenAPI document.
    for page_router in PAGE_ROUTERS:
        app.include_router(page_router)
    # The browser's clip decryption (WebCrypto): public files, no secrets, no CDN.
    app.mount("/static", StaticFiles(directory=WEB_STATIC), name="static")
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        streaming_paths=re.compile(UPLOAD_PATH),
    )
    app.add_middleware(SameOriginCheck)
    app.add_middleware(SecurityHeaders)
    return app
