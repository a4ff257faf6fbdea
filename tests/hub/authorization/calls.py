"""How the walker calls each route: the concrete path, query and body, per role.

``EXAMPLES`` are schema-valid bodies, used wherever the call is meant to be refused
(wrong role, another tenant's id). ``SUCCESS`` builds, for the calls meant to succeed,
what a real client of that role would send on its own objects; a builder may first make
the object it spends (a fresh home to delete, a fresh request to withdraw).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.crypto.envelope import clip_subject, home_subject, wrap_key
from doorstep.crypto.keys import key_id, private_raw, public_raw
from doorstep.crypto.stream import new_content_key
from doorstep.hub.agencies.models import AgencyKind
from doorstep.hub.agencies.service import create_agency, suspend_agency, verify_agency
from doorstep.hub.db import transaction
from tests.hub.actors import JURISDICTION, PASSWORD
from tests.hub.authorization import world as seeded
from tests.hub.authorization.examples import CONTENT, EXAMPLES, MOUNT_FILES, QUERIES, b64
from tests.hub.authorization.world import World
from tests.hub.clips.uploads import commit_body, home_key_wrap, seal_parts, upload_clip
from tests.hub.devices.pairing import CODE_BODY, pair_body
from tests.hub.keys.bodies import key_body, list_body, next_list, rotation_body
from tests.hub.shares import scene


@dataclass
class Call:
    path: str
    json: Any = None
    content: bytes | None = None
    params: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] | None = None  # instead of the role's own credentials


def fill(template: str, values: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        assert match[1] in values, f"{template}: the world has no value for {{{match[1]}}}"
        return str(values[match[1]])

    return re.sub(r"\{(\w+)\}", value, MOUNT_FILES.get(template, template))


def example(method: str, path: str, values: dict[str, Any]) -> Call:
    """The call with the example body, on the objects ``values`` name."""
    return Call(
        fill(path, values),
        json=EXAMPLES.get((method, path)),
        content=CONTENT.get((method, path)),
        params={name: values[name] for name in QUERIES.get((method, path), ())},
    )


Builder = Callable[[World, str, Call], Awaitable[Call]]
SUCCESS: dict[tuple[str, str], Builder] = {}


def success(method: str, path: str) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        SUCCESS[(method, path)] = builder
        return builder

    return register


async def succeeding(w: World, role: str, method: str, path: str) -> Call:
    """The call ``role`` makes on its own objects, meant to succeed."""
    call = example(method, path, w.ids(role))
    builder = SUCCESS.get((method, path))
    return await builder(w, role, call) if builder else call


def _email() -> str:
    return f"walk-{uuid.uuid4().hex[:12]}@doorstep.example"


@success("POST", "/v1/accounts")
async def _register(w: World, role: str, call: Call) -> Call:
    return replace(call, json={"email": _email(), "password": PASSWORD, "display_name": "New"})


@success("POST", "/v1/auth/login")
async def _login(w: World, role: str, call: Call) -> Call:
    return replace(call, json={"email": w.own.resident.email, "password": PASSWORD})


@success("POST", "/v1/me/password")
async def _password(w: World, role: str, call: Call) -> Call:
    return replace(call, json={"current_password": PASSWORD, "new_password": PASSWORD})


@success("POST", "/v1/homes/{home_id}/members")
async def _add_member(w: World, role: str, call: Call) -> Call:
    return replace(call, json={"email": w.actors.resident().email})


@success("DELETE", "/v1/homes/{home_id}/members/{user_id}")
async def _remove_member(w: World, role: str, call: Call) -> Call:
    newcomer = w.actors.resident()
    home_id = w.own.home.home_id
    added = await w.client.post(
        f"/v1/homes/{home_id}/members", json={"email": newcomer.email}, headers=w.headers(role)
    )
    assert added.status_code == 201, added.text
    return replace(call, path=f"/v1/homes/{home_id}/members/{newcomer.user_id}")


@success("DELETE", "/v1/homes/{home_id}")
async def _delete_home(w: World, role: str, call: Call) -> Call:
    home_id, _ = w.actors.home(w.own.resident)
    return replace(call, path=f"/v1/homes/{home_id}")


@success("DELETE", "/v1/cameras/{camera_id}")
async def _delete_camera(w: World, role: str, call: Call) -> Call:
    made = await w.client.post(
        f"/v1/homes/{w.own.home.home_id}/cameras",
        json=EXAMPLES[("POST", "/v1/homes/{home_id}/cameras")],
        headers=w.headers(role),
    )
    assert made.status_code == 201, made.text
    return replace(call, path=f"/v1/cameras/{made.json()['id']}")


async def _pairing_code(w: World) -> str:
    issued = await w.client.post(
        f"/v1/homes/{w.own.home.home_id}/pairing-codes",
        json=CODE_BODY,
        headers=w.own.resident.headers,
    )
    assert issued.status_code == 201, issued.text
    code: str = issued.json()["code"]
    return code


@success("POST", "/v1/devices/pairing-owner")
async def _pairing_owner(w: World, role: str, call: Call) -> Call:
    return replace(call, json={"code": await _pairing_code(w)})


@success("POST", "/v1/devices/pair")
async def _pair(w: World, role: str, call: Call) -> Call:
    public = public_raw(Ed25519PrivateKey.generate().public_key())
    return replace(call, json=pair_body(await _pairing_code(w), "edge", b64(public)))


@success("DELETE", "/v1/devices/{device_id}")
async def _revoke_device(w: World, role: str, call: Call) -> Call:
    home_id = w.own.home.home_id
    before = seeded.device_ids(w.actors, home_id)
    w.actors.device(w.own.resident, home_id)
    [device_id] = seeded.device_ids(w.actors, home_id) - before
    return replace(call, path=f"/v1/devices/{device_id}")


@success("PUT", "/v1/device/clips/{clip_id}/parts/{part}")
async def _upload_part(w: World, role: str, call: Call) -> Call:
    clip_id = uuid.uuid4()
    sealed = seal_parts(
        w.own.device, clip_id, w.own.home.camera_id, {"clip": os.urandom(500)}, new_content_key()
    )
    return replace(call, path=f"/v1/device/clips/{clip_id}/parts/clip", content=sealed["clip"])


@success("POST", "/v1/device/clips")
async def _commit(w: World, role: str, call: Call) -> Call:
    device, camera_id, clip_id, content_key = (
        w.own.device,
        w.own.home.camera_id,
        uuid.uuid4(),
        new_content_key(),
    )
    plaintexts = {name: os.urandom(500) for name in ("clip", "snapshot", "details")}
    sealed = seal_parts(device, clip_id, camera_id, plaintexts, content_key)
    for name, data in sealed.items():
        put = await w.client.put(
            f"/v1/device/clips/{clip_id}/parts/{name}", content=data, headers=device
        )
        assert put.status_code == 200, put.text
    keys = await home_key_wrap(w.client, device, clip_id, content_key)
    return replace(call, json=commit_body(clip_id, camera_id, sealed, keys))


@success("PUT", "/v1/agency/key")
async def _agency_key(w: World, role: str, call: Call) -> Call:
    return replace(call, json={"public_key": b64(public_raw(w.own.agency.key.public_key()))})


def _agency(w: World, *, verified: bool, suspended: bool = False) -> uuid.UUID:
    with transaction(w.actors.hub.sessions) as session:
        agency = create_agency(
            session,
            actor=None,
            name=f"Agency {uuid.uuid4().hex[:8]}",
            kind=AgencyKind.FIRE,
            contact_email="desk@agency.example",
            jurisdiction=JURISDICTION,
        )
        if verified:
            verify_agency(session, actor=None, agency_id=agency.id)
        if suspended:
            suspend_agency(session, actor=None, agency_id=agency.id, reason="For the walk.")
        return agency.id


@success("POST", "/v1/admin/agencies")
async def _create_agency(w: World, role: str, call: Call) -> Call:
    return replace(call, json={**call.json, "name": f"Agency {uuid.uuid4().hex[:8]}"})


@success("POST", "/v1/admin/agencies/{agency_id}/verify")
async def _verify(w: World, role: str, call: Call) -> Call:
    return replace(call, path=f"/v1/admin/agencies/{_agency(w, verified=False)}/verify")


@success("POST", "/v1/admin/agencies/{agency_id}/members")
async def _agency_member(w: World, role: str, call: Call) -> Call:
    return replace(call, json={"email": _email(), "display_name": "Officer"})


@success("POST", "/v1/admin/agencies/{agency_id}/suspend")
async def _suspend(w: World, role: str, call: Call) -> Call:
    return replace(call, path=f"/v1/admin/agencies/{_agency(w, verified=True)}/suspend")


@success("POST", "/v1/admin/agencies/{agency_id}/reinstate")
async def _reinstate(w: World, role: str, call: Call) -> Call:
    agency_id = _agency(w, verified=True, suspended=True)
    return replace(call, path=f"/v1/admin/agencies/{agency_id}/reinstate")


@success("DELETE", "/v1/clips/{clip_id}")
async def _delete_clip(w: World, role: str, call: Call) -> Call:
    clip_id = await upload_clip(w.client, w.own.device, w.own.home.camera_id)
    return replace(call, path=f"/v1/clips/{clip_id}")


@success("PUT", "/v1/me/key")
async def _my_key(w: World, role: str, call: Call) -> Call:
    # A resident publishes a key once; a newcomer without one does it here.
    newcomer = w.actors.resident()
    return replace(call, json=key_body(X25519PrivateKey.generate()), headers=newcomer.headers)


@success("POST", "/v1/homes/{home_id}/keys")
async def _rotate(w: World, role: str, call: Call) -> Call:
    owner = w.own.resident
    home_id, _ = w.actors.home(owner)  # its own home, so the walk's home keeps its key
    w.actors.home_key(owner, home_id)
    mine = w.actors.user_key(owner)
    body = rotation_body(
        w.actors.hub,
        home_id,
        owner_key=mine,
        new=X25519PrivateKey.generate(),
        grant_to=[mine.public_key()],
    )
    return replace(call, path=f"/v1/homes/{home_id}/keys", json=body)


@success("PUT", "/v1/homes/{home_id}/key-list")
async def _key_list(w: World, role: str, call: Call) -> Call:
    home_id = w.own.home.home_id
    owner_key = w.actors.user_key(w.own.resident)
    return replace(call, json=list_body(next_list(w.actors.hub, home_id), owner_key))


@success("PUT", "/v1/homes/{home_id}/keys/{home_key_id}/grants/{user_key_id}")
async def _grant(w: World, role: str, call: Call) -> Call:
    home_key = w.actors.home_keys[w.own.home.home_id]
    member_key = w.actors.user_key(w.own.member)
    subject = home_subject(key_id(home_key.public_key()))
    wrapped = wrap_key(private_raw(home_key), recipient=member_key.public_key(), subject=subject)
    return replace(call, json={"wrapped_key": b64(wrapped)})


def _clip_share(w: World, clip_id: uuid.UUID) -> dict[str, str]:
    member_key = w.actors.user_key(w.own.member)
    wrapped = wrap_key(bytes(32), recipient=member_key.public_key(), subject=clip_subject(clip_id))
    return {"recipient_key_id": key_id(member_key.public_key()), "wrapped_key": b64(wrapped)}


@success("POST", "/v1/clips/{clip_id}/keys")
async def _share_clip(w: World, role: str, call: Call) -> Call:
    return replace(call, json=_clip_share(w, w.own.home.clip_id))


@success("DELETE", "/v1/clips/{clip_id}/keys/{recipient_key_id}")
async def _unshare_clip(w: World, role: str, call: Call) -> Call:
    clip_id = await upload_clip(w.client, w.own.device, w.own.home.camera_id)
    body = _clip_share(w, clip_id)
    shared = await w.client.post(f"/v1/clips/{clip_id}/keys", json=body, headers=w.headers(role))
    assert shared.status_code == 201, shared.text
    return replace(call, path=f"/v1/clips/{clip_id}/keys/{body['recipient_key_id']}")


@success("POST", "/v1/agency/requests")
async def _file(w: World, role: str, call: Call) -> Call:
    return replace(call, json=scene.request_body(investigation_code=seeded.code()))


@success("POST", "/v1/agency/requests/{request_id}/withdraw")
async def _withdraw_request(w: World, role: str, call: Call) -> Call:
    request_id = await seeded.file_request(w.client, w.own.agency)
    return replace(call, path=f"/v1/agency/requests/{request_id}/withdraw")


async def _fresh_delivery(w: World) -> uuid.UUID:
    request_id = await seeded.file_request(w.client, w.own.agency)
    return await seeded.delivery(w.client, w.own.home, request_id)


@success("POST", "/v1/inbox/{delivery_id}/decline")
async def _decline(w: World, role: str, call: Call) -> Call:
    return replace(call, path=f"/v1/inbox/{await _fresh_delivery(w)}/decline")


@success("POST", "/v1/inbox/{delivery_id}/share")
async def _share(w: World, role: str, call: Call) -> Call:
    body = await scene.share_body(w.client, w.actors, w.own.home, w.own.agency)
    return replace(call, path=f"/v1/inbox/{await _fresh_delivery(w)}/share", json=body)


@success("POST", "/v1/me/shares/{share_id}/withdraw")
async def _withdraw_share(w: World, role: str, call: Call) -> Call:
    request_id = await seeded.file_request(w.client, w.own.agency)
    shared = await scene.share(w.client, w.actors, w.own.home, w.own.agency, str(request_id))
    return replace(call, path=f"/v1/me/shares/{shared['id']}/withdraw")


def _extension(w: World) -> dict[str, str]:
    until = w.own.share_expires_at + timedelta(days=30)
    return {"until": until.isoformat(), "reason": "The trial date moved."}


@success("POST", "/v1/me/shares/{share_id}/extension")
async def _answer_extension(w: World, role: str, call: Call) -> Call:
    asked = await w.client.post(
        f"/v1/agency/shares/{w.own.share_id}/extension",
        json=_extension(w),
        headers=w.own.agency.member.headers,
    )
    assert asked.status_code == 200, asked.text
    return replace(call, json={"grant": False})


@success("POST", "/v1/agency/shares/{share_id}/extension")
async def _ask_extension(w: World, role: str, call: Call) -> Call:
    return replace(call, json=_extension(w))


@success("POST", "/v1/admin/demands")
async def _demand(w: World, role: str, call: Call) -> Call:
    started = scene.now() - timedelta(hours=1)
    return replace(call, json=seeded.demand_body(w.own.home.home_id, started))
