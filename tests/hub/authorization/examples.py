"""Schema-valid example requests for every route: the walker sends these wherever a call
is meant to be refused (the wrong role, another tenant's id), so the refusal can't come
from a malformed body."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from tests.hub.actors import JURISDICTION
from tests.hub.authorization import world as seeded
from tests.hub.devices.pairing import CODE_BODY, pair_body
from tests.hub.shares import scene


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


WRAPPED = base64.b64encode(b"\x01" + bytes(80)).decode()
PUBLIC_KEY = base64.b64encode(bytes(range(32))).decode()
SOME_ID = "6f1c1c1e-0000-4000-8000-000000000001"
KEY_LIST = {"version": 1, "body": b64(b"{}"), "signer": PUBLIC_KEY, "signature": b64(bytes(64))}


# A mount answers below its prefix: one real file there.
MOUNT_FILES = {
    "/docs/assets": "/docs/assets/swagger-ui-bundle.js",
    "/static": "/static/clip-viewer.html",
}

# Query parameters each route is called with, by name (values from World.ids).
QUERIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("GET", "/v1/audit/proofs/inclusion"): ("index", "size"),
    ("GET", "/v1/audit/proofs/consistency"): ("old_size", "new_size"),
    ("GET", "/v1/audit/entries"): ("start",),
    ("GET", "/v1/requests"): ("agency_id",),
    ("GET", "/v1/requests.csv"): ("agency_id",),
}

EXAMPLES: dict[tuple[str, str], Any] = {
    ("POST", "/v1/accounts"): {"email": "n@doorstep.example", "password": "x" * 16},
    ("POST", "/v1/auth/login"): {"email": "nobody@doorstep.example", "password": "x" * 16},
    ("POST", "/v1/me/password"): {"current_password": "w" * 16, "new_password": "y" * 16},
    ("POST", "/v1/auth/tokens"): {"name": "laptop"},
    ("POST", "/v1/homes"): {"name": "Home"},
    ("PATCH", "/v1/homes/{home_id}"): {"name": "Renamed"},
    ("POST", "/v1/homes/{home_id}/members"): {"email": "someone@doorstep.example"},
    ("POST", "/v1/homes/{home_id}/cameras"): {
        "name": "Door",
        "latitude": 45.5,
        "longitude": -122.6,
    },
    ("PATCH", "/v1/cameras/{camera_id}"): {"name": "Renamed"},
    ("POST", "/v1/homes/{home_id}/pairing-codes"): CODE_BODY,
    ("POST", "/v1/devices/pairing-owner"): {"code": "AAAAA-AAAAA"},
    ("POST", "/v1/devices/pair"): pair_body("AAAAA-AAAAA", "edge", PUBLIC_KEY),
    ("PUT", "/v1/device/cameras/{camera_id}/health"): {
        "connected": True,
        "fps": 15,
        "last_frame_at": None,
        "errors": 0,
    },
    ("PUT", "/v1/agency/key"): {"public_key": PUBLIC_KEY},
    ("POST", "/v1/admin/agencies"): {
        "name": "Agency",
        "kind": "fire",
        "contact_email": "a@agency.example",
        "jurisdiction": JURISDICTION,
    },
    ("POST", "/v1/admin/agencies/{agency_id}/members"): {
        "email": "m@agency.example",
        "display_name": "M",
    },
    ("POST", "/v1/admin/agencies/{agency_id}/suspend"): {"reason": "Requests aimed at a march."},
    ("POST", "/v1/device/clips"): {
        "id": SOME_ID,
        "camera_id": SOME_ID,
        "started_at": "2026-11-24T10:00:00Z",
        "ended_at": "2026-11-24T10:00:10Z",
        "parts": {"clip": {"size": 1, "sha256": "0" * 64}},
        "keys": [{"recipient_key_id": "a" * 32, "wrapped_key": WRAPPED}],
    },
    ("PUT", "/v1/me/key"): {
        "public_key": PUBLIC_KEY,
        "private_key_box": b64(bytes(89)),
        "signing_key": PUBLIC_KEY,
        "binding_signature": b64(bytes(64)),
    },
    ("POST", "/v1/homes/{home_id}/keys"): {
        "public_key": PUBLIC_KEY,
        "grants": [],
        "key_list": KEY_LIST,
    },
    ("PUT", "/v1/homes/{home_id}/key-list"): KEY_LIST,
    ("PUT", "/v1/homes/{home_id}/keys/{home_key_id}/grants/{user_key_id}"): {
        "wrapped_key": WRAPPED
    },
    ("POST", "/v1/clips/{clip_id}/keys"): {"recipient_key_id": "a" * 32, "wrapped_key": WRAPPED},
    ("POST", "/v1/requests/{request_id}/flags"): {"reason": "This request targets a protest."},
    ("POST", "/v1/admin/flags/{flag_id}/review"): {"withdraw": False, "note": "Within the rules."},
    ("POST", "/v1/agency/requests"): scene.request_body(),
    ("PUT", "/v1/homes/{home_id}/request-settings"): {"receive": True},
    ("POST", "/v1/inbox/{delivery_id}/share"): {
        "clips": [
            {"clip_id": SOME_ID, "wrapped_key": WRAPPED, "sealed_attestation": b64(bytes(28))}
        ]
    },
    ("POST", "/v1/me/shares/{share_id}/extension"): {"grant": False},
    ("POST", "/v1/agency/shares/{share_id}/extension"): {
        "until": "2027-12-01T00:00:00Z",
        "reason": "Trial date moved.",
    },
    ("POST", "/v1/admin/demands"): seeded.demand_body(uuid.UUID(SOME_ID), scene.now()),
}
CONTENT = {("PUT", "/v1/device/clips/{clip_id}/parts/{part}"): b"not a sealed part"}
