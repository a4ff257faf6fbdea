"""Starting the demo: the neighbourhood on first start, then its edge beside the hub and
the watcher that files the demo request once the edge's first clips are in."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from pathlib import Path

from doorstep.demo.edge import write_demo_edge
from doorstep.demo.keys import create_demo_agency_key, create_demo_keys, list_demo_device
from doorstep.demo.neighbourhood import (
    DemoAccount,
    create_demo_neighbourhood,
    is_empty,
    pair_demo_edge,
)
from doorstep.demo.request import watch_for_demo_clips
from doorstep.edge.config import EdgeConfig, load_edge_config
from doorstep.edge.identity import load_or_create_device_key
from doorstep.edge.trust import TRUST_FILE, save_trust
from doorstep.hub.audit.service import session_info
from doorstep.hub.db import make_engine, make_session_factory, transaction
from doorstep.hub.migrate import upgrade_database
from doorstep.settings import Settings


def edge_config_path(settings: Settings) -> Path:
    return settings.data_dir / "edge" / "edge.toml"


def prepare_demo(settings: Settings, *, hub_url: str, live_port: int) -> list[DemoAccount]:
    """Migrate the database and, if it is empty, create the demo in it.

    Returns the accounts whose passwords are to be printed: none after the first start.
    """
    secret_key = settings.resolved_secret_key()  # creates the development key (0600) first
    edge_dir = edge_config_path(settings).parent
    engine = make_engine(settings.resolved_database_url())
    try:
        upgrade_database(engine)
        with transaction(make_session_factory(engine, info=session_info(secret_key))) as session:
            if not is_empty(session):
                return []
            accounts = create_demo_neighbourhood(session, settings=settings)
            keys = create_demo_keys(session, accounts)
            create_demo_agency_key(session, path=settings.data_dir / "agency.key")
            device_key = load_or_create_device_key(edge_dir / "edge-data" / "device.key")
            pairing = pair_demo_edge(
                session, settings=settings, secret_key=secret_key, device_key=device_key
            )
            list_demo_device(session, keys, pairing.device)
            save_trust(edge_dir / "edge-data" / TRUST_FILE, pairing.trust)
            write_demo_edge(
                edge_dir,
                hub_url=hub_url,
                token=pairing.token,
                cameras=[(camera.id, camera.name) for camera in pairing.cameras],
                live_port=live_port,
            )
            return accounts
    finally:
        engine.dispose()


def start_demo_edge(
    settings: Settings, stop: threading.Event, *, hub_url: str | None = None
) -> tuple[threading.Thread, EdgeConfig] | None:
    """Run the demo edge in a thread until ``stop``; None if this data has no demo edge.

    ``hub_url``: where the hub is this time (``up --lan`` serves HTTPS), if not where the
    edge's configuration says."""
    # Loaded only here: `doorstep up --no-edge` runs without the video pipeline's modules.
    from doorstep.edge.daemon import EdgeDaemon

    config_path = edge_config_path(settings)
    if not config_path.exists():
        return None
    config = load_edge_config(config_path)
    if hub_url is not None:
        config = config.model_copy(update={"hub": config.hub.model_copy(update={"url": hub_url})})
    daemon = EdgeDaemon(config, base_dir=config_path.parent)
    thread = threading.Thread(target=daemon.run, args=(stop,), name="demo edge")
    thread.start()
    return thread, config


def start_demo_request_watcher(
    settings: Settings, stop: threading.Event, *, on_filed: Callable[[uuid.UUID], None]
) -> threading.Thread:
    """Watch, in a thread, for the demo edge's first clips and then file the demo request."""
    engine = make_engine(settings.resolved_database_url())
    sessions = make_session_factory(engine, info=session_info(settings.resolved_secret_key()))

    def watch() -> None:
        try:
            watch_for_demo_clips(
                sessions, stop, limits=settings.request_limits(), on_filed=on_filed
            )
        finally:
            engine.dispose()

    thread = threading.Thread(target=watch, name="demo request", daemon=True)
    thread.start()
    return thread
