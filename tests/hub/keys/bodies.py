"""Request bodies the owner's client sends for keys: a user key, a rotation, a key list."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from doorstep.crypto.envelope import home_subject, wrap_key
from doorstep.crypto.format import BoxParameters
from doorstep.crypto.keylist import KeyList, sign_list
from doorstep.crypto.keys import key_id, private_raw, public_raw
from doorstep.crypto.passphrase import seal_private_key
from doorstep.crypto.signing_keys import binding_signature, signing_key_of
from doorstep.demo.keys import next_key_list
from doorstep.hub.state import HubState
from tests.hub.actors import PASSWORD, TEST_BOX


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def signing_public(private: X25519PrivateKey) -> bytes:
    return public_raw(signing_key_of(private).public_key())


def key_body(private: X25519PrivateKey, parameters: BoxParameters = TEST_BOX) -> dict[str, str]:
    """PUT /v1/me/key as `doorstep keys generate` sends it."""
    box = seal_private_key(private, PASSWORD, parameters=parameters)
    return {
        "public_key": b64(public_raw(private.public_key())),
        "private_key_box": b64(box),
        "signing_key": b64(signing_public(private)),
        "binding_signature": b64(binding_signature(private)),
    }


def next_list(hub: HubState, home_id: uuid.UUID, *, new_home_key: bytes | None = None) -> KeyList:
    """The home's next key list as the hub's rows stand (``demo.keys.next_key_list``)."""
    with hub.sessions() as session:
        return next_key_list(session, home_id, new_home_key=new_home_key)


def list_body(key_list: KeyList, signer: X25519PrivateKey) -> dict[str, Any]:
    """PUT /v1/homes/{id}/key-list: ``key_list`` signed with ``signer``'s signing key."""
    return sign_list(key_list, signing_key_of(signer)).to_json()


def rotation_body(
    hub: HubState,
    home_id: uuid.UUID,
    *,
    owner_key: X25519PrivateKey,
    new: X25519PrivateKey,
    grant_to: Iterable[X25519PublicKey],
) -> dict[str, Any]:
    """POST /v1/homes/{id}/keys: ``new`` wrapped to each of ``grant_to``, with the next key
    list (``new`` current) signed by the owner."""
    subject = home_subject(key_id(new.public_key()))
    grants = [
        {
            "user_key_id": key_id(public),
            "wrapped_key": b64(wrap_key(private_raw(new), recipient=public, subject=subject)),
        }
        for public in grant_to
    ]
    new_public = public_raw(new.public_key())
    key_list = next_list(hub, home_id, new_home_key=new_public)
    return {
        "public_key": b64(new_public),
        "grants": grants,
        "key_list": list_body(key_list, owner_key),
    }
