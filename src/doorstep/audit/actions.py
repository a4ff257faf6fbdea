"""The audit actions the transparency report counts, and the object fields it reads.

Whoever appends these entries uses these names, so the report and the log can't
drift apart. Every field is in the entry's public ``objects``; ids are UUID strings.

- ``request.created``: an agency opened a request. The actor is the agency member
  (``{"kind": "agency_member", "name", "agency"}``); objects ``request_id``,
  ``category`` (the incident category) and ``emergency`` (bool).
- ``clip.shared``: a clip key was re-wrapped. Objects ``clip_id`` and
  ``recipient_key_id``, plus ``request_id`` when the share answers an agency's
  request; shares within a household carry no ``request_id``.
- ``share.expired``: an agency's access to a shared clip ended (objects ``clip_id``,
  ``request_id``).
- ``demand.recorded``: a legal demand was received; objects ``demand_id`` and
  ``notice_delayed_until``, the UTC date (``YYYY-MM-DD``) a court-ordered delay of
  the owner's notice ends on, or null when there is none.
- ``demand.served``: the demand was answered with ciphertext only (``demand_id``).
- ``demand.owner_notified``: one owner was told of the demand (``demand_id``); a
  demand on several homes notifies several owners.
- ``moderation.removed``: a moderator removed a post (``post_id``).
"""

from __future__ import annotations

REQUEST_CREATED = "request.created"
CLIP_SHARED = "clip.shared"
SHARE_EXPIRED = "share.expired"
DEMAND_RECORDED = "demand.recorded"
DEMAND_SERVED = "demand.served"
DEMAND_OWNER_NOTIFIED = "demand.owner_notified"
MODERATION_REMOVED = "moderation.removed"

# Every action the report reads; the hub selects just these from the log.
REPORTED_ACTIONS = (
    REQUEST_CREATED,
    CLIP_SHARED,
    SHARE_EXPIRED,
    DEMAND_RECORDED,
    DEMAND_SERVED,
    DEMAND_OWNER_NOTIFIED,
    MODERATION_REMOVED,
)

# Object fields.
REQUEST_ID = "request_id"
CATEGORY = "category"
EMERGENCY = "emergency"
CLIP_ID = "clip_id"
DEMAND_ID = "demand_id"
NOTICE_DELAYED_UNTIL = "notice_delayed_until"
POST_ID = "post_id"

# The actor field that names an agency member's agency.
AGENCY = "agency"
