"""Every table, imported in one place so metadata and Alembic see them all."""

from doorstep.hub.accounts.models import ApiToken, AuthAttempt, BrowserSession, User
from doorstep.hub.agencies.models import Agency
from doorstep.hub.audit.models import AuditCheckpoint, AuditEntry, AuditHead, AuditNode
from doorstep.hub.clips.models import Clip, ClipPart
from doorstep.hub.db import Base
from doorstep.hub.demands.models import DemandNotice, LegalDemand
from doorstep.hub.devices.models import EdgeDevice, PairingCode
from doorstep.hub.homes.models import Camera, Home, HomeMember
from doorstep.hub.keys.models import ClipKey, HomeKey, HomeKeyGrant, HomeKeyList, UserKey
from doorstep.hub.notifications.models import Notification
from doorstep.hub.requests.models import (
    FootageRequest,
    RequestDelivery,
    RequestFlag,
    RequestSettings,
)
from doorstep.hub.shares.models import Share, SharedClip, ShareDownload, ShareEvent
from doorstep.hub.web.models import WebManifest

__all__ = [
    "Agency",
    "ApiToken",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditHead",
    "AuditNode",
    "AuthAttempt",
    "Base",
    "BrowserSession",
    "Camera",
    "Clip",
    "ClipKey",
    "ClipPart",
    "DemandNotice",
    "EdgeDevice",
    "FootageRequest",
    "Home",
    "HomeKey",
    "HomeKeyGrant",
    "HomeKeyList",
    "HomeMember",
    "LegalDemand",
    "Notification",
    "PairingCode",
    "RequestDelivery",
    "RequestFlag",
    "RequestSettings",
    "Share",
    "ShareDownload",
    "ShareEvent",
    "SharedClip",
    "User",
    "UserKey",
    "WebManifest",
]
