"""Answering an agency's request on the owner's client: open, attest, re-wrap, share.

For each chosen clip the client opens every part (checking the device signature with
a device key the home's owner-signed key list holds), and sends the agency the clip
key wrapped to the agency's public key, with the attestation (each part's plaintext
digest and device signature) sealed under the clip key. The agency's key is used only
once its log proof checks. The hub never sees the clip key, and learns nothing about
the plaintext.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.crypto.attestation import Attestation, PartAttestation, seal_attestation
from doorstep.crypto.decrypt import open_part
from doorstep.crypto.envelope import clip_subject, wrap_key
from doorstep.crypto.format import PARTS, TWIN_PARTS
from doorstep.crypto.keys import key_id, x25519_public
from doorstep.errors import Conflict
from doorstep.owner.api import HubApi
from doorstep.owner.keys import b64, clip_access
from doorstep.owner.trust import verified_agency_key


def share_choice(
    *,
    clip_id: uuid.UUID,
    content_key: bytes,
    sealed_parts: Mapping[str, bytes],
    device_public: Ed25519PublicKey,
    agency_public_key: bytes,
) -> dict[str, Any]:
    """One clip of a share: its key wrapped to the agency, and its sealed attestation."""
    seen = {}
    for part, sealed in sealed_parts.items():
        opened = open_part(
            sealed,
            content_key=content_key,
            clip_id=clip_id,
            part=part,
            device_public=device_public,
        )
        seen[part] = PartAttestation(
            plaintext_sha256=opened.summary.plaintext_sha256,
            device_signature=opened.summary.device_signature,
        )
    attestation = Attestation(device_key_id=key_id(device_public), parts=seen)
    wrapped = wrap_key(
        content_key, recipient=x25519_public(agency_public_key), subject=clip_subject(clip_id)
    )
    return {
        "clip_id": str(clip_id),
        "wrapped_key": b64(wrapped),
        "sealed_attestation": b64(
            seal_attestation(attestation, content_key=content_key, clip_id=clip_id)
        ),
    }


def answer_request(
    api: HubApi,
    delivery_id: uuid.UUID,
    clip_ids: Sequence[uuid.UUID],
    user_key: X25519PrivateKey,
    *,
    expires_in_days: int | None = None,
    twin: bool = False,
) -> dict[str, Any]:
    """Share ``clip_ids`` with the agency that sent inbox entry ``delivery_id``.

    With ``twin``, each clip's blurred twin alone: its own key, its two parts attested.
    """
    entry = api.call("GET", f"/v1/inbox/{delivery_id}")
    if entry["agency"]["public_key"] is None:
        raise Conflict(
            f"{entry['agency']['name']} has published no key yet; it can't receive clips"
        )
    # Refused (KeyRefused, KeyAlarm) before any clip key is opened or wrapped.
    agency_public_key = verified_agency_key(api, entry["agency"])
    choices = []
    for clip_id in clip_ids:
        access = clip_access(api, clip_id, user_key, twin=twin)
        parts = TWIN_PARTS if twin else PARTS
        sealed = {part: api.download(f"/v1/clips/{clip_id}/parts/{part}") for part in parts}
        choice = share_choice(
            clip_id=clip_id,
            content_key=access.content_key,
            sealed_parts=sealed,
            device_public=access.device_public,
            agency_public_key=agency_public_key,
        )
        choices.append(choice | {"twin": True} if twin else choice)
    shared: dict[str, Any] = api.call(
        "POST",
        f"/v1/inbox/{delivery_id}/share",
        json={"clips": choices, "expires_in_days": expires_in_days},
    )
    return shared
