"""What the hub's lifespan builds once and every request shares."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from doorstep.hub.audit.node_cache import NodeCache
from doorstep.hub.bus.base import EventBus
from doorstep.hub.requests.policy import RequestLimits
from doorstep.hub.storage.base import BlobStore
from doorstep.hub.transparency.cache import ReportCache
from doorstep.settings import Settings


@dataclass(frozen=True)
class HubState:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    storage: BlobStore
    bus: EventBus
    secret_key: bytes
    request_limits: RequestLimits
    report_cache: ReportCache = field(default_factory=ReportCache)
    audit_nodes: NodeCache = field(default_factory=NodeCache)
