"""Household keys end to end, on both backends: members added later, removed, and shared with."""

from __future__ import annotations

import base64
import threading
import uuid
from pathlib import Path

import pytest

from doorstep.crypto.envelope import clip_subject
from doorstep.crypto.unwrap import unwrap_key
from doorstep.edge.outbox import Outbox
from doorstep.edge.upload import HubClient, Uploader
from doorstep.errors import CryptoError, NotFound
from doorstep.owner.keys import (
    clip_access,
    grant_member,
    home_private_keys,
    member_public_key,
    open_clip_part,
    remove_member,
    share_clip,
)
from tests.edge.hub_process import HubProcess, PairedCamera, record_events
from tests.lying_hub import ServedHub
from tests.owner.residents import add_member, current_home_key, make_home, pair_device, record_clip


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
    tmp_path: Path, served_hub: ServedHub
) -> None:
    home = make_home(served_hub.url)
    device = pair_device(home)
    before = record_clip(tmp_path, home, device)
    first_key = current_home_key(home)
    member = add_member(home)
    with member.api() as member_api, home.owner.api() as owner_api:
        # A member is nothing to the keys until the owner's client wraps the home key for them.
        with pytest.raises(CryptoError, match="none of clip"):
            clip_access(member_api, before, member.user_key)
        assert grant_member(owner_api, home.home_id, home.owner.user_key, member.user_id) == 1
        assert open_clip_part(member_api, before, "details", member.user_key).plaintext == b"{}"
        held_by_member = home_private_keys(member_api, home.home_id, member.user_key)

        remove_member(owner_api, home.home_id, home.owner.user_key, member.user_id)
        # The edge seals to the newest key the owner signed.
        following = current_home_key(home)
        assert following.id != first_key.id
        after = record_clip(tmp_path, home, device)

        # The hub no longer serves the clip to them, and the keys they held don't open it.
        with pytest.raises(NotFound):
            member_api.call("GET", f"/v1/clips/{after}/keys")
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
        for clip_id in (after, before):
            opened = open_clip_part(owner_api, clip_id, "details", home.owner.user_key)
            assert opened.plaintext == b"{}"


def test_sharing_one_clip_is_a_re_wrap_on_the_owners_client(
    tmp_path: Path, served_hub: ServedHub
) -> None:
    home = make_home(served_hub.url)
    clip_id = record_clip(tmp_path, home, pair_device(home))
    member = add_member(home)
    with member.api() as member_api, home.owner.api() as owner_api:
        public = member_public_key(owner_api, home.home_id, member.user_id)
        recipient = share_clip(owner_api, clip_id, home.owner.user_key, public)
        # Shared to their own key: no home key needed.
        assert open_clip_part(member_api, clip_id, "details", member.user_key).plaintext == b"{}"
        kinds = {
            k["recipient_kind"] for k in member_api.call("GET", f"/v1/clips/{clip_id}/keys")["keys"]
        }
        assert kinds == {"user"}
        owner_api.call("DELETE", f"/v1/clips/{clip_id}/keys/{recipient}")
        with pytest.raises(CryptoError):
            clip_access(member_api, clip_id, member.user_key)
