"""For every JSON body the hub takes: a request the route accepts, made afresh on demand.

``make`` sets up what the request needs (a new pairing code, a clip's uploaded parts, a
pending extension ask...) and returns the request; the runner calls it again after each
request that reached the route's code, since that request may have used the precondition
up. ``read`` fetches what was stored, keyed by the body's field names, so accepted text can
be compared with what was sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from httpx import Response

from doorstep.crypto.envelope import clip_subject, home_subject, wrap_key
from doorstep.crypto.keys import key_id, private_raw, public_raw
from doorstep.crypto.stream import new_content_key
from doorstep.hub.accounts.models import Role
from tests.hub.actors import JURISDICTION, PASSWORD
from tests.hub.clips.uploads import PARTS, clip_times, commit_body, home_key_wrap, seal_parts
from tests.hub.devices.pairing import CODE_BODY, pair_body
from tests.hub.hostile.world import World, b64, new_public_key
from tests.hub.keys.bodies import key_body, list_body, next_list, rotation_body
from tests.hub.shares import scene

Reader = Callable[[Response], Awaitable[dict[str, Any]]]


@dataclass
class Case:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    read: Reader | None = None
    # Made afresh after every request that reached the route, not only accepted ones:
    # refused guesses at a password lock the account out.
    fresh_after_refusal: bool = False


Make = Callable[[World], Awaitable[Case]]
CASES: dict[str, Make] = {}  # by body model name


def case(name: str) -> Callable[[Make], Make]:
    def register(make: Make) -> Make:
        CASES[name] = make
        return make

    return register


def iso(delta: timedelta) -> str:
    return (scene.now() + delta).isoformat()


@case("UserRegister")
async def register(w: World) -> Case:
    async def read(response: Response) -> dict[str, Any]:
        return await w.find("/v1/admin/users", w.admin.headers, response.json()["id"])

    body = {"email": f"new{w.next()}@doorstep.example", "password": "x" * 16, "display_name": "N"}
    return Case("/v1/accounts", {}, body, read)


@case("SignIn")
async def sign_in(w: World) -> Case:
    body = {"email": w.actors.resident().email, "password": PASSWORD}
    return Case("/v1/auth/login", {}, body, fresh_after_refusal=True)


@case("PasswordChange")
async def change_password(w: World) -> Case:
    body = {"current_password": PASSWORD, "new_password": "a brand new passphrase"}
    return Case("/v1/me/password", w.actors.resident().headers, body, fresh_after_refusal=True)


@case("TokenCreate")
async def create_token(w: World) -> Case:
    async def read(response: Response) -> dict[str, Any]:
        return await w.find("/v1/auth/tokens", w.resident.headers, response.json()["id"])

    return Case("/v1/auth/tokens", w.resident.headers, {"name": "laptop"}, read)


async def read_home(w: World, response: Response) -> dict[str, Any]:
    home: dict[str, Any] = await w.get(f"/v1/homes/{response.json()['id']}", w.resident.headers)
    return home


@case("HomeCreate")
async def create_home(w: World) -> Case:
    async def read(response: Response) -> dict[str, Any]:
        return await read_home(w, response)

    body = {"name": "Home", "retention_days": 30}
    return Case("/v1/homes", w.resident.headers, body, read)


@case("HomeUpdate")
async def update_home(w: World) -> Case:
    async def read(response: Response) -> dict[str, Any]:
        return await read_home(w, response)

    body = {"name": "Renamed", "retention_days": 14}
    return Case(f"/v1/homes/{w.home_id}", w.resident.headers, body, read)


@case("MemberAdd")
async def add_member(w: World) -> Case:
    home_id, _ = w.actors.home(w.resident, cameras=0)
    body = {"email": w.actors.resident().email}
    return Case(f"/v1/homes/{home_id}/members", w.resident.headers, body)


async def read_camera(w: World, response: Response) -> dict[str, Any]:
    camera: dict[str, Any] = await w.get(f"/v1/cameras/{response.json()['id']}", w.resident.headers)
    return camera


@case("CameraCreate")
async def create_camera(w: World) -> Case:
    async def read(response: Response) -> dict[str, Any]:
        return await read_camera(w, response)

    body = {"name": "Door", "latitude": 45.5, "longitude": -122.6, "audio_enabled": False}
    return Case(f"/v1/homes/{w.home_id}/cameras", w.resident.headers, body, read)


@case("CameraUpdate")
async def update_camera(w: World) -> Case:
    async def read(response: Response) -> dict[str, Any]:
        return await read_camera(w, response)

    body = {"name": "Porch", "latitude": 45.51, "longitude": -122.61, "audio_enabled": True}
    return Case(f"/v1/cameras/{w.spare_camera_id}", w.resident.headers, body, read)


async def new_pairing_code(w: World) -> str:
    issued = await w.client.post(
        f"/v1/homes/{w.home_id}/pairing-codes", json=CODE_BODY, headers=w.resident.headers
    )
    assert issued.status_code == 201, issued.text
    code: str = issued.json()["code"]
    return code


@case("PairingCodeCreate")
async def create_pairing_code(w: World) -> Case:
    return Case(f"/v1/homes/{w.home_id}/pairing-codes", w.resident.headers, CODE_BODY)


@case("PairingCodeBody")
async def pairing_owner(w: World) -> Case:
    return Case("/v1/devices/pairing-owner", {}, {"code": await new_pairing_code(w)})


@case("DevicePair")
async def pair_device(w: World) -> Case:
    code = await new_pairing_code(w)

    async def read(response: Response) -> dict[str, Any]:
        device_id = response.json()["device"]["id"]
        return await w.find(f"/v1/homes/{w.home_id}/devices", w.resident.headers, device_id)

    key = b64(public_raw(Ed25519PrivateKey.generate().public_key()))
    return Case("/v1/devices/pair", {}, pair_body(code, "edge", key), read)


@case("CameraHealthReport")
async def report_health(w: World) -> Case:
    last_frame = iso(-timedelta(seconds=2))
    body = {"connected": True, "fps": 15.0, "last_frame_at": last_frame, "errors": 0}
    return Case(f"/v1/device/cameras/{w.camera_id}/health", w.device, body)


@case("AgencyKeyPut")
async def put_agency_key(w: World) -> Case:
    # Not ``w.agency``: its shares are wrapped to its key.
    member = w.actors.user(Role.AGENCY_MEMBER)
    return Case("/v1/agency/key", member.headers, {"public_key": new_public_key()})


async def read_agency(w: World, response: Response) -> dict[str, Any]:
    agency = await w.find("/v1/admin/agencies", w.admin.headers, response.json()["id"])
    return {**agency, "reason": agency["suspension_reason"]}


@case("AgencyCreate")
async def create_agency(w: World) -> Case:
    async def read(response: Response) -> dict[str, Any]:
        return await read_agency(w, response)

    body = {
        "name": f"Agency {w.next()}",
        "kind": "police",
        "contact_email": "desk@agency.example",
        "jurisdiction": JURISDICTION,
    }
    return Case("/v1/admin/agencies", w.admin.headers, body, read)


@case("AgencyMemberCreate")
async def add_agency_member(w: World) -> Case:
    async def read(response: Response) -> dict[str, Any]:
        return await w.find("/v1/admin/users", w.admin.headers, response.json()["user"]["id"])

    body = {"email": f"officer{w.next()}@agency.example", "display_name": "Officer"}
    return Case(f"/v1/admin/agencies/{w.agency_id}/members", w.admin.headers, body, read)


@case("AgencySuspend")
async def suspend_agency(w: World) -> Case:
    async def read(response: Response) -> dict[str, Any]:
        return await read_agency(w, response)

    path = f"/v1/admin/agencies/{w.new_agency()}/suspend"
    return Case(path, w.admin.headers, {"reason": "Requests aimed at a protest."}, read)


@case("ClipCommit")
async def commit_clip(w: World) -> Case:
    """A clip whose parts are uploaded; only its commit is left."""
    clip_id, content_key, times = uuid.uuid4(), new_content_key(), clip_times()
    payloads = {name: b"hostile " + name.encode() for name in PARTS}
    sealed = seal_parts(w.device, clip_id, w.camera_id, payloads, content_key, times)
    for name, data in sealed.items():
        path = f"/v1/device/clips/{clip_id}/parts/{name}"
        response = await w.client.put(path, content=data, headers=w.device)
        assert response.status_code == 200, response.text
    keys = await home_key_wrap(w.client, w.device, clip_id, content_key)
    body = commit_body(clip_id, w.camera_id, sealed, keys, times)
    return Case("/v1/device/clips", w.device, body)


@case("UserKeySet")
async def set_user_key(w: World) -> Case:
    body = key_body(X25519PrivateKey.generate())
    return Case("/v1/me/key", w.actors.resident().headers, body)


@case("HomeKeyRotate")
async def rotate_home_key(w: World) -> Case:
    owner_key = w.actors.user_key(w.resident)
    body = rotation_body(
        w.hub,
        w.keyed_home_id,
        owner_key=owner_key,
        new=X25519PrivateKey.generate(),
        grant_to=[owner_key.public_key(), w.actors.user_key(w.member).public_key()],
    )
    return Case(f"/v1/homes/{w.keyed_home_id}/keys", w.resident.headers, body)


@case("SignedKeyListBody")
async def put_key_list(w: World) -> Case:
    owner_key = w.actors.user_key(w.resident)
    body = list_body(next_list(w.hub, w.keyed_home_id), owner_key)
    return Case(f"/v1/homes/{w.keyed_home_id}/key-list", w.resident.headers, body)


@case("HomeKeyGrantSet")
async def grant_home_key(w: World) -> Case:
    keys = await w.get(f"/v1/homes/{w.keyed_home_id}/keys", w.resident.headers)
    home_key_id = keys["keys"][0]["id"]
    await rotate_to_known_key(w, home_key_id)
    home_key = w.actors.home_keys[w.keyed_home_id]
    member_key = w.actors.user_key(w.member).public_key()
    subject = home_subject(home_key_id)
    wrapped = wrap_key(private_raw(home_key), recipient=member_key, subject=subject)
    path = f"/v1/homes/{w.keyed_home_id}/keys/{home_key_id}/grants/{key_id(member_key)}"
    return Case(path, w.resident.headers, {"wrapped_key": b64(wrapped)})


async def rotate_to_known_key(w: World, current: str) -> None:
    """HomeKeyRotate's requests leave keys whose private half nobody kept: make a new one."""
    known = w.actors.home_keys.get(w.keyed_home_id)
    if known is None or key_id(known.public_key()) != current:
        w.actors.home_key(w.resident, w.keyed_home_id, rotate=True)


@case("ClipShare")
async def share_clip(w: World) -> Case:
    member_key = w.actors.user_key(w.member).public_key()
    recipient = key_id(member_key)
    path = f"/v1/clips/{w.keyed_clip_id}/keys"
    await w.client.delete(f"{path}/{recipient}", headers=w.resident.headers)  # shared before
    wrapped = wrap_key(bytes(32), recipient=member_key, subject=clip_subject(w.keyed_clip_id))
    body = {"recipient_key_id": recipient, "wrapped_key": b64(wrapped)}
    return Case(path, w.resident.headers, body)


@case("FlagCreate")
async def flag_request(w: World) -> Case:
    async def read(response: Response) -> dict[str, Any]:
        return await w.find("/v1/admin/flags", w.admin.headers, response.json()["id"])

    body = {"reason": "This request targets a protest march."}
    path = f"/v1/requests/{await live_request(w)}/flags"
    return Case(path, w.actors.resident().headers, body, read)


async def live_request(w: World) -> str:
    """``w.request_id``, or a new one when a hostile review withdrew it."""
    logged = await w.get(f"/v1/requests/{w.request_id}", {})
    if logged["status"] != "open":
        agency = await scene.agency(w.actors, w.client)
        w.request_id = (await scene.file_request(w.client, agency))["id"]
    return w.request_id


@case("FlagReview")
async def review_flag(w: World) -> Case:
    path = f"/v1/requests/{await live_request(w)}/flags"
    reason = {"reason": "This request targets a protest march."}
    flag = await w.client.post(path, json=reason, headers=w.actors.resident().headers)
    assert flag.status_code == 201, flag.text
    body = {"withdraw": False, "note": "Within the rules."}
    return Case(f"/v1/admin/flags/{flag.json()['id']}/review", w.admin.headers, body)


@case("RequestCreate")
async def file_request(w: World) -> Case:
    agency = await w.filing_agency()

    async def read(response: Response) -> dict[str, Any]:
        path = f"/v1/agency/requests/{response.json()['id']}"
        stored: dict[str, Any] = await w.get(path, agency.member.headers)
        return stored

    body = scene.request_body(
        investigation_code=f"HOSTILE-{w.next()}",  # at most 3 requests per code
        open_until=iso(timedelta(days=2)),
        retention_days=30,
        emergency=True,
        emergency_reason="A child is missing near the block.",
    )
    return Case("/v1/agency/requests", agency.member.headers, body, read)


@case("RequestSettingsBody")
async def set_request_settings(w: World) -> Case:
    path = f"/v1/homes/{w.keyed_home_id}/request-settings"

    async def read(response: Response) -> dict[str, Any]:
        stored: dict[str, Any] = await w.get(path, w.resident.headers)
        return stored

    body = {
        "receive": True,
        "agency_kinds": ["police", "fire"],
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "time_zone": "Europe/Amsterdam",
        "emergencies_bypass_quiet": True,
    }
    return Case(path, w.resident.headers, body, read)


@case("ShareCreate")
async def share(w: World) -> Case:
    """The same clip, shared in answer to a new request each time."""
    home, agency = await w.sharing_home(), await w.filing_agency()
    filed = await scene.file_request(w.client, agency, investigation_code=f"SHARE-{w.next()}")
    entry = await scene.delivery_of(w.client, home, filed["id"])
    body = await scene.share_body(w.client, w.actors, home, agency)
    body["expires_in_days"] = 30
    return Case(f"/v1/inbox/{entry['id']}/share", home.owner.headers, body)


@case("ExtensionAsk")
async def ask_extension(w: World) -> Case:
    answer = f"/v1/me/shares/{w.share_id}/extension"
    await w.client.post(answer, json={"grant": False}, headers=w.share_owner.headers)

    async def read(response: Response) -> dict[str, Any]:
        shared = await w.get(f"/v1/me/shares/{w.share_id}", w.share_owner.headers)
        return {"reason": shared["extension_reason"]}

    body = {"until": iso(timedelta(days=120 + w.next())), "reason": "Trial date moved."}
    path = f"/v1/agency/shares/{w.share_id}/extension"
    return Case(path, w.agency.member.headers, body, read)


@case("ExtensionAnswer")
async def answer_extension(w: World) -> Case:
    ask = {"until": iso(timedelta(days=120 + w.next())), "reason": "Trial date moved."}
    path = f"/v1/agency/shares/{w.share_id}/extension"
    await w.client.post(path, json=ask, headers=w.agency.member.headers)
    answer = f"/v1/me/shares/{w.share_id}/extension"
    return Case(answer, w.share_owner.headers, {"grant": False})


@case("DemandCreate")
async def record_demand(w: World) -> Case:
    async def read(response: Response) -> dict[str, Any]:
        stored: dict[str, Any] = await w.get(
            f"/v1/admin/demands/{response.json()['id']}", w.admin.headers
        )
        return stored

    body = {
        "authority": "Circuit Court",
        "kind": "warrant",
        "reference": "R-2026-7",
        "document_sha256": "ab" * 32,
        "home_id": str(w.home_id),
        "camera_id": str(w.camera_id),
        "window_start": iso(-timedelta(hours=2)),
        "window_end": iso(-timedelta(minutes=1)),
        "notice_delayed_until": iso(timedelta(days=30)),
        "notes": "Served in person.",
    }
    return Case("/v1/admin/demands", w.admin.headers, body, read)
