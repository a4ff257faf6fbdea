"""Household keys end to end, against a real hub: members added later and removed."""

from __future__ import annotations

import base64
import threading
import uuid
from pathlib import Path

import httpx
import pytest

from doorstep.crypto.envelope import clip_subject
from doorstep.crypto.unwrap import unwrap_key
from doorstep.edge.outbox import Outbox
from doorstep.edge.upload import HubClient, Uploader
from doorstep.errors import CryptoError, NotFound
from doorstep.owner.api import HubApi
from doorstep.owner.keys import (
    clip_access,
    grant_member,
    home_private_keys,
    open_clip_part,
    publish_user_key,
    rotate_home_key,
    share_clip,
)
from tests.edge.hub_process import HubProcess, PairedCamera, pair_camera, record_events
from tests.hub.actors import TEST_BOX

MEMBER = {"email": "member@doorstep.example", "password": "member password 123"}


def register(hub_url: str, account: dict[str, str]) -> HubApi:
    """A resident account with an API token and a published key."""
    with httpx.Client(base_url=hub_url) as http:
        http.post("/v1/accounts", json={**account, "display_name": "Member"}).raise_for_status()
        csrf = http.post("/v1/auth/login", json=account).json()["csrf_token"]
        token = http.post(
            "/v1/auth/tokens", json={"name": "tests"}, headers={"X-CSRF-Token": csrf}
        ).json()["token"]
    return HubApi(hub_url, token)


def upload(tmp_path: Path, hub: HubProcess, camera: PairedCamera, size: int = 5000) -> uuid.UUID:
    """Record one event the way the edge does (sealed to the home key it knows), upload it."""
    outbox = Outbox(tmp_path / f"outbox-{uuid.uuid4().hex[:6]}", quota_bytes=10**9)
    (clip_id,) = record_events(outbox, camera, 1, size)
    client = HubClient(hub.url, camera.device_token)
    Uploader(outbox, client).run(threading.Event(), exit_on_empty=True)
    assert outbox.get(clip_id).state == "uploaded"
    client.close()
    outbox.close()
    return clip_id


def test_member_added_later_opens_clips_a_removed_member_cannot_open_new_ones(
    tmp_path: Path, hub: HubProcess
) -> None:
    camera = pair_camera(hub.url)
    owner = camera.owner
    home_id = uuid.UUID(owner.home_id)
    before = upload(tmp_path, hub, camera)
    with register(hub.url, MEMBER) as member, owner.api(hub.url) as owner_api:
        member_key = publish_user_key(member, MEMBER["password"], parameters=TEST_BOX)
        owner_api.call("POST", f"/v1/homes/{home_id}/members", json={"email": MEMBER["email"]})
        # A member is nothing to the keys until the owner's client wraps the home key for them.
        with pytest.raises(CryptoError, match="none of clip"):
            clip_access(member, before, member_key)
        member_id = uuid.UUID(member.call("GET", "/v1/me")["id"])
        assert grant_member(owner_api, home_id, owner.user_key, member_id) == 1
        assert open_clip_part(member, before, "details", member_key).plaintext == b"{}"
        held_by_member = home_private_keys(member, home_id, member_key)

        owner_api.call("DELETE", f"/v1/homes/{home_id}/members/{member_id}")
        assert owner_api.call("GET", f"/v1/homes/{home_id}/keys")["rotation_due"] is True
        rotate_home_key(owner_api, home_id)
        # The edge follows the hub's current home key.
        edge = HubClient(hub.url, camera.device_token)
        following = edge.home_key()
        edge.close()
        assert following is not None and following.id != camera.home_key.id
        after = upload(tmp_path, hub, PairedCamera(**{**camera.__dict__, "home_key": following}))

        # The hub no longer serves the clip to them, and the keys they held don't open it.
        with pytest.raises(NotFound):
            member.call("GET", f"/v1/clips/{after}/keys")
        wrapped = owner_api.call("GET", f"/v1/clips/{after}/keys")["keys"]
        assert [k["recipient_key_id"] for k in wrapped] == [following.id]
        for home_key in held_by_member.values():
            with pytest.raises(CryptoError):
                unwrap_key(
                    base64.b64decode(wrapped[0]["wrapped_key"]),
                    recipient=home_key,
                    subject=clip_subject(after),
                )
        # The owner opens both, old and new.
        assert open_clip_part(owner_api, after, "details", owner.user_key).plaintext == b"{}"
        assert open_clip_part(owner_api, before, "details", owner.user_key).plaintext == b"{}"


def test_sharing_one_clip_is_a_re_wrap_on_the_owners_client(
    tmp_path: Path, hub: HubProcess
) -> None:
    camera = pair_camera(hub.url)
    owner = camera.owner
    home_id = uuid.UUID(owner.home_id)
    clip_id = upload(tmp_path, hub, camera)
    with register(hub.url, MEMBER) as member, owner.api(hub.url) as owner_api:
        member_key = publish_user_key(member, MEMBER["password"], parameters=TEST_BOX)
        owner_api.call("POST", f"/v1/homes/{home_id}/members", json={"email": MEMBER["email"]})
        public = base64.b64decode(member.call("GET", "/v1/me/key")["public_key"])
        recipient = share_clip(owner_api, clip_id, owner.user_key, public)
        # Shared to their own key: no home key needed.
        assert open_clip_part(member, clip_id, "details", member_key).plaintext == b"{}"
        kinds = {
            k["recipient_kind"] for k in member.call("GET", f"/v1/clips/{clip_id}/keys")["keys"]
        }
        assert kinds == {"user"}
        owner_api.call("DELETE", f"/v1/clips/{clip_id}/keys/{recipient}")
        with pytest.raises(CryptoError):
            clip_access(member, clip_id, member_key)
