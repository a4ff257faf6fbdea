"""Share receipts: what the hub hands an agency when a resident shares, signed and on the record.

A receipt is ``{"receipt": body, "signature": b64, "hub_key": vkey}``. The body names
the request, the agency, the investigation code, the share, when access ends, each
clip's ciphertext SHA-256 (nothing about the plaintext, which the hub never learns:
that travels to the agency sealed under the clip key), and the audit entry
that records the share with its inclusion proof into a signed checkpoint. The hub
signs the body's canonical JSON with its audit log key, so an edited receipt fails,
and the proof shows the share is in the public log, where the owner can see it too.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from doorstep.audit.checkpoint import CheckpointError, LogKey
from doorstep.audit.entries import canonical_json
from doorstep.crypto.format import SIGNATURE_BYTES, b64decode
from doorstep.errors import CryptoError, InvalidInput
from doorstep.evidence import EvidenceError
from doorstep.evidence.custody import VerifiedCustody, open_custody

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
BODY = "receipt"


@dataclass(frozen=True)
class ReceiptReport:
    request_id: uuid.UUID
    agency: str
    investigation_code: str
    share_id: uuid.UUID
    expires_at: datetime
    clips: list[dict[str, Any]]
    audit_index: int
    audit_entry: dict[str, Any]
    custody: VerifiedCustody
    hub_key: str
    hub_key_pinned: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "verified": True,
            "request_id": str(self.request_id),
            "agency": self.agency,
            "investigation_code": self.investigation_code,
            "share_id": str(self.share_id),
            "expires_at": self.expires_at.isoformat(),
            "clips": self.clips,
            "audit": {
                "index": self.audit_index,
                "entry": self.audit_entry,
                "origin": self.custody.checkpoint.origin,
                "checkpoint_size": self.custody.checkpoint.size,
            },
            "hub_key": self.hub_key,
            "hub_key_pinned": self.hub_key_pinned,
        }


def sign_receipt(
    body: Mapping[str, Any], *, signing_key: Ed25519PrivateKey, log_key: LogKey
) -> dict[str, Any]:
    """The signed receipt for ``body``; InvalidInput if the body lacks a field or the key is off."""
    if signing_key.public_key().public_bytes_raw() != log_key.public_key.public_bytes_raw():
        raise InvalidInput("the signing key is not the log key's private key", field="signing_key")
    try:
        _fields(body)
        message = canonical_json(dict(body))
    except EvidenceError as exc:
        raise InvalidInput(exc.detail, field=exc.file) from exc
    signature = base64.b64encode(signing_key.sign(message)).decode("ascii")
    return {"receipt": dict(body), "signature": signature, "hub_key": log_key.vkey()}


def verify_receipt(
    data: Mapping[str, Any] | bytes, *, hub_key: LogKey | None = None
) -> ReceiptReport:
    """Check the hub's signature and the audit entry's proof; EvidenceError names the field."""
    if isinstance(data, bytes):
        try:
            data = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise EvidenceError("the receipt", "parse", "is not UTF-8 JSON") from exc
    if not isinstance(data, Mapping):
        raise EvidenceError("the receipt", "parse", "is not a JSON object")
    key = _hub_key(data.get("hub_key"), hub_key)
    body = data.get(BODY)
    if not isinstance(body, Mapping):
        raise EvidenceError(BODY, "parse", "is missing or not a JSON object")
    try:
        signature = b64decode(_string(data.get("signature"), "signature"), "signature")
    except CryptoError as exc:
        raise EvidenceError("signature", "signature", "is not base64") from exc
    if len(signature) != SIGNATURE_BYTES:
        raise EvidenceError("signature", "signature", "is not a 64-byte Ed25519 signature")
    try:
        message = canonical_json(dict(body))
    except ValueError as exc:
        raise EvidenceError(BODY, "parse", "is not plain JSON (NaN or infinity?)") from exc
    try:
        key.public_key.verify(signature, message)
    except InvalidSignature as exc:
        raise EvidenceError(
            BODY,
            "signature",
            "the hub's signature does not verify over it: the receipt or its signature was "
            "edited, or another key signed it",
        ) from exc
    fields = _fields(body)
    audit = fields["audit"]
    custody = open_custody(
        {
            "checkpoint": audit.get("checkpoint"),
            "entries": [{k: audit.get(k) for k in ("index", "entry", "proof")}],
        },
        key,
        source="receipt.audit",
    )
    entry = custody.entries[0]
    objects = entry.get("objects")
    objects = objects if isinstance(objects, dict) else {}
    for name in ("share_id", "request_id"):
        if objects.get(name) != str(fields[name]):
            raise EvidenceError(
                "receipt.audit",
                "audit-entry",
                f"the audit entry's {name} is {objects.get(name)!r}, not the receipt's "
                f"{fields[name]}",
            )
    return ReceiptReport(
        request_id=fields["request_id"],
        agency=fields["agency"],
        investigation_code=fields["investigation_code"],
        share_id=fields["share_id"],
        expires_at=fields["expires_at"],
        clips=fields["clips"],
        audit_index=custody.indexes[0],
        audit_entry=entry,
        custody=custody,
        hub_key=key.vkey(),
        hub_key_pinned=hub_key is not None,
    )


def _hub_key(text: Any, pinned: LogKey | None) -> LogKey:
    if not isinstance(text, str):
        raise EvidenceError("hub_key", "hub-key", "is missing or not a string")
    try:
        key = LogKey.from_vkey(text)
    except CheckpointError as exc:
        raise EvidenceError("hub_key", "hub-key", f"is not a verifier key: {exc.detail}") from exc
    if pinned is not None and pinned.vkey() != key.vkey():
        raise EvidenceError("hub_key", "hub-key", f"not the key you pinned: it is {key.vkey()}")
    return key


def _fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """The body's fields, typed; EvidenceError names ``receipt.<field>`` that is off."""
    fields: dict[str, Any] = {}
    for name in ("request_id", "share_id"):
        fields[name] = _uuid(body.get(name), f"receipt.{name}")
    for name in ("agency", "investigation_code"):
        fields[name] = _string(body.get(name), f"receipt.{name}")
    expires = _string(body.get("expires_at"), "receipt.expires_at")
    try:
        fields["expires_at"] = datetime.fromisoformat(expires)
    except ValueError as exc:
        raise EvidenceError("receipt.expires_at", "parse", "is not an RFC 3339 time") from exc
    if fields["expires_at"].tzinfo is None:
        raise EvidenceError("receipt.expires_at", "parse", "has no time zone")
    clips = body.get("clips")
    if not isinstance(clips, list) or not clips:
        raise EvidenceError("receipt.clips", "parse", "is missing, empty or not a list")
    for number, clip in enumerate(clips):
        where = f"receipt.clips[{number}]"
        if not isinstance(clip, Mapping):
            raise EvidenceError(where, "parse", "is not a JSON object")
        _uuid(clip.get("clip_id"), f"{where}.clip_id")
        digest = clip.get("ciphertext_sha256")
        if not (isinstance(digest, str) and _SHA256_HEX.fullmatch(digest)):
            raise EvidenceError(f"{where}.ciphertext_sha256", "parse", "is not a SHA-256 in hex")
    fields["clips"] = [dict(clip) for clip in clips]
    audit = body.get("audit")
    if not isinstance(audit, Mapping):
        raise EvidenceError("receipt.audit", "parse", "is missing or not a JSON object")
    fields["audit"] = audit
    return fields


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise EvidenceError(where, "parse", "is missing or not a string")
    return value


def _uuid(value: Any, where: str) -> uuid.UUID:
    try:
        return uuid.UUID(_string(value, where))
    except ValueError as exc:
        raise EvidenceError(where, "parse", "is not a UUID") from exc
