"""Every table, imported in one place so metadata and Alembic see them all."""

from doorstep.hub.accounts.models import ApiToken, AuthAttempt, BrowserSession, User
from doorstep.hub.agencies.models import Agency
from doorstep.hub.audit.models import AuditCheckpoint, AuditEntry, AuditHead, AuditNode
from doorstep.hub.clips.models import Clip, ClipPart
from doorstep.hub.db import Base
from doorstep.hub.devices.models import EdgeDevice, PairingCode
from doorstep.hub.homes.models import Camera, Home, HomeMember
from doorstep.hub.keys.models import ClipKey, HomeKey, HomeKeyGrant, UserKey

__all__ = [
    "Agency",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditHead",
    "AuditNode",
    "ApiToken",
    "AuthAttempt",
    "Base",
    "BrowserSession",
    "Camera",
    "Clip",
    "ClipKey",
    "ClipPart",
    "EdgeDevice",
    "Home",
    "HomeKey",
    "HomeKeyGrant",
    "HomeMember",
    "PairingCode",
    "User",
    "UserKey",
]
