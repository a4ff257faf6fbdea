"""Synthetic footage, a small audit log, a home's signed key lists and the packages built
from them, for the tests."""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import uuid
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.audit import merkle
from doorstep.audit.checkpoint import Checkpoint, LogKey, generate_log_key, sign_checkpoint
from doorstep.audit.entries import ObjectValue, key_label, public_entry
from doorstep.audit.keyproof import KeyProof
from doorstep.crypto.format import b64decode
from doorstep.crypto.keylist import (
    ListedDevice,
    ListedHomeKey,
    Member,
    SignedKeyList,
    next_list,
    sign_list,
    with_device,
)
from doorstep.crypto.keys import key_id, public_raw
from doorstep.crypto.signing_keys import signing_key_of
from doorstep.crypto.stream import PartContext, new_content_key, seal_part
from doorstep.evidence.custody import Custody, CustodyEntry
from doorstep.evidence.package import PackageClip, PackagePart, write_package
from doorstep.owner.sharing import share_choice

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
CHUNK_SIZE = 1024
REQUEST_ID = uuid.UUID("6d1c3b8e-0f7a-4b53-9e2a-0c5f1f3d7a10")
SHARE_ID = uuid.UUID("0b9e5a61-3c4d-4f0e-8a27-51d2e6c4b903")
DEMAND_ID = uuid.UUID("f3a8d2c1-7b6e-4a59-8d10-2e4c6b8a0f57")


@dataclass(frozen=True)
class Hub:
    signing_key: Ed25519PrivateKey
    log_key: LogKey


def make_hub(name: str = "hub.doorstep.example/audit") -> Hub:
    signing_key, log_key = generate_log_key(name)
    return Hub(signing_key=signing_key, log_key=log_key)


@dataclass(frozen=True)
class Footage:
    """One clip as the edge sealed it, with what only the owner's side can know."""

    clip_id: uuid.UUID
    camera_id: uuid.UUID
    started_at: datetime
    ended_at: datetime
    device_key: Ed25519PrivateKey
    content_key: bytes
    plaintexts: dict[str, bytes]
    sealed: dict[str, bytes] = field(default_factory=dict)

    @property
    def device_public(self) -> bytes:
        return self.device_key.public_key().public_bytes_raw()


def make_footage(number: int = 0, *, clip_bytes: int = 3000) -> Footage:
    started = NOW - timedelta(hours=2, minutes=number)
    footage = Footage(
        clip_id=uuid.uuid4(),
        camera_id=uuid.uuid4(),
        started_at=started,
        ended_at=started + timedelta(seconds=30),
        device_key=Ed25519PrivateKey.generate(),
        content_key=new_content_key(),
        plaintexts={
            "clip": os.urandom(clip_bytes),
            "snapshot": b"\xff\xd8\xff" + os.urandom(1200),
            "details": json.dumps({"labels": ["person"], "score": 0.91}).encode(),
        },
    )
    for part, plaintext in footage.plaintexts.items():
        context = PartContext(
            clip_id=footage.clip_id,
            camera_id=footage.camera_id,
            part=part,
            started_at=footage.started_at,
            ended_at=footage.ended_at,
        )
        footage.sealed[part] = seal_part(
            plaintext,
            content_key=footage.content_key,
            context=context,
            device_key=footage.device_key,
            chunk_size=CHUNK_SIZE,
        )
    return footage


def make_custody(
    hub: Hub, actions: Sequence[tuple[str, Mapping[str, ObjectValue]]], *, noise: int = 5
) -> Custody:
    """A log of ``noise`` unrelated entries, then ``actions``; those are proven, signed."""
    entries = [
        public_entry(
            at=NOW - timedelta(days=1, minutes=n),
            action="auth.signed_in",
            actor={"kind": "resident", "pseudonym": f"{n:032x}"},
            objects={},
        )
        for n in range(noise)
    ]
    proven = []
    for n, (action, objects) in enumerate(actions):
        proven.append(len(entries))
        entries.append(
            public_entry(
                at=NOW - timedelta(minutes=30 - n),
                action=action,
                actor={"kind": "resident", "pseudonym": "3f0c" * 8},
                objects=objects,
            )
        )
    entries.append(
        public_entry(at=NOW, action="auth.signed_in", actor={"kind": "anonymous"}, objects={})
    )
    nodes: dict[tuple[int, int], bytes] = {}
    tree = merkle.TreeBuilder()
    for entry in entries:
        for level, index, digest in tree.append(merkle.leaf_hash(entry)):
            nodes[(level, index)] = digest
    checkpoint = Checkpoint(origin=hub.log_key.name, size=tree.size, root=tree.root())
    note = sign_checkpoint(checkpoint, name=hub.log_key.name, private_key=hub.signing_key)
    return Custody(
        checkpoint=note,
        entries=[
            CustodyEntry(
                index=index,
                entry=entries[index],
                proof=merkle.inclusion_proof(index, tree.size, lambda lv, i: nodes[(lv, i)]),
            )
            for index in proven
        ],
    )


def _chunks(data: bytes, size: int = 700) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def package_clip(
    footage: Footage, *, kind: Literal["share", "demand"], agency: X25519PrivateKey | None
) -> PackageClip:
    """The clip as the hub packages it; a share's wrapped key and sealed attestation are
    made by the owner's client code (``share_choice``)."""
    parts = [
        PackagePart(name=name, chunks=functools.partial(_chunks, sealed))
        for name, sealed in footage.sealed.items()
    ]
    wrapped = sealed_attestation = None
    if kind == "share":
        assert agency is not None
        choice = share_choice(
            clip_id=footage.clip_id,
            content_key=footage.content_key,
            sealed_parts=footage.sealed,
            device_public=footage.device_key.public_key(),
            agency_public_key=public_raw(agency.public_key()),
        )
        wrapped = b64decode(choice["wrapped_key"], "wrapped_key")
        sealed_attestation = b64decode(choice["sealed_attestation"], "sealed_attestation")
    return PackageClip(
        clip_id=footage.clip_id,
        camera_id=footage.camera_id,
        started_at=footage.started_at,
        ended_at=footage.ended_at,
        device_public_key=footage.device_public,
        parts=parts,
        wrapped_key=wrapped,
        sealed_attestation=sealed_attestation,
    )


@dataclass(frozen=True)
class KeyHome:
    """A home whose owner signed its key lists: version 1 (owner, home key), then one
    version per device listed."""

    home_id: uuid.UUID
    owner: X25519PrivateKey
    lists: list[SignedKeyList]


def key_home(devices: Sequence[bytes], *, owner: X25519PrivateKey | None = None) -> KeyHome:
    """The lists of a home that paired ``devices`` (Ed25519 public keys) one by one."""
    owner = owner or X25519PrivateKey.generate()
    signing = signing_key_of(owner)
    home_id = uuid.uuid4()
    home_key = public_raw(X25519PrivateKey.generate().public_key())
    member = Member(
        user_id=uuid.uuid4(),
        owner=True,
        key_id=key_id(owner.public_key()),
        public_key=public_raw(owner.public_key()),
        signing_key=public_raw(signing.public_key()),
    )
    current = next_list(
        None,
        home_id=home_id,
        members=[member],
        home_keys=[ListedHomeKey(key_id(home_key), home_key, 1, retired=False)],
        devices=[],
    )
    lists = [sign_list(current, signing)]
    for device in devices:
        listed = ListedDevice(uuid.uuid4(), key_id(device), device, revoked=False)
        current = with_device(current, listed)
        lists.append(sign_list(current, signing))
    return KeyHome(home_id=home_id, owner=owner, lists=lists)


def list_action(signed: SignedKeyList, home_id: uuid.UUID) -> tuple[str, dict[str, ObjectValue]]:
    """The ``home_keys.signed`` entry the hub logs for ``signed``."""
    return (
        "home_keys.signed",
        {
            "home": "5e" * 16,
            "label": key_label("home", home_id),
            "version": signed.version,
            "list_sha256": hashlib.sha256(signed.body).hexdigest(),
            "signing_key_id": key_id(signed.signer),
        },
    )


def proven_lists(
    home: KeyHome, custody: Custody, entries: Sequence[CustodyEntry]
) -> list[dict[str, Any]]:
    """``home``'s lists in the wire form, each with the proof of its entry in ``entries``."""
    return [
        {
            **signed.to_json(),
            "proof": KeyProof(
                index=entry.index,
                entry=entry.entry,
                checkpoint=custody.checkpoint,
                inclusion=tuple(entry.proof),
            ).to_json(),
        }
        for signed, entry in zip(home.lists, entries, strict=True)
    ]


def custody_for(
    hub: Hub,
    kind: str,
    clips: Sequence[Footage],
    agency_key_id: str,
    home: KeyHome | None = None,
) -> tuple[Custody, list[dict[str, Any]] | None]:
    """The package's custody log and, for a share, ``home``'s lists proven into the same
    checkpoint (a home listing the clips' devices unless given)."""
    if kind == "share":
        actions: list[tuple[str, Mapping[str, ObjectValue]]] = [
            ("request.created", {"request_id": str(REQUEST_ID), "category": "burglary"}),
        ]
        actions += [
            (
                "clip.shared",
                {
                    "clip_id": str(footage.clip_id),
                    "recipient_key_id": agency_key_id,
                    "request_id": str(REQUEST_ID),
                    "share_id": str(SHARE_ID),
                },
            )
            for footage in clips
        ]
    else:
        actions = [
            ("demand.recorded", {"demand_id": str(DEMAND_ID), "notice_delayed_until": None}),
            ("demand.served", {"demand_id": str(DEMAND_ID)}),
        ]
    if kind != "share":
        return make_custody(hub, actions), None
    home = home or key_home(sorted({footage.device_public for footage in clips}))
    lists = [list_action(signed, home.home_id) for signed in home.lists]
    both = make_custody(hub, [*lists, *actions])
    custody = Custody(checkpoint=both.checkpoint, entries=both.entries[len(lists) :])
    return custody, proven_lists(home, both, both.entries[: len(lists)])


def build_package(
    hub: Hub,
    clips: Sequence[Footage],
    *,
    agency: X25519PrivateKey | None = None,
    kind: Literal["share", "demand"] = "share",
    custody: Custody | None = None,
    package_clips: Sequence[PackageClip] | None = None,
    home: KeyHome | None = None,
    key_lists: Sequence[Mapping[str, Any]] | None = None,
) -> bytes:
    agency_key_id = key_id(agency.public_key()) if agency else ""
    subject: dict[str, Any]
    if kind == "share":
        subject = {
            "request_id": str(REQUEST_ID),
            "agency": "Springfield Police Department",
            "investigation_code": "SPD-2026-0412",
            "category": "burglary",
        }
        terms: dict[str, Any] | None = {
            "purpose": "Investigation of a reported burglary on Evergreen Terrace",
            "expires_at": "2027-05-23T10:00:00Z",
            "share_id": str(SHARE_ID),
        }
    else:
        subject = {"demand_id": str(DEMAND_ID), "authority": "District Court", "reference": "X-1"}
        terms = None
    made_custody, made_lists = custody_for(hub, kind, clips, agency_key_id, home)
    out = io.BytesIO()
    write_package(
        out,
        kind=kind,
        subject=subject,
        terms=terms,
        recipient_key_id=agency_key_id if kind == "share" else None,
        clips=package_clips
        or [package_clip(footage, kind=kind, agency=agency) for footage in clips],
        custody=custody or made_custody,
        key_lists=key_lists if key_lists is not None else made_lists,
        signing_key=hub.signing_key,
        log_key=hub.log_key,
        created_at=NOW,
    )
    return out.getvalue()


def members(package: bytes) -> dict[str, tuple[bytes, int]]:
    """Each file's content and compression type, in ZIP order."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {
            info.filename: (archive.read(info), info.compress_type) for info in archive.infolist()
        }


def rewrite(files: Mapping[str, tuple[bytes, int]]) -> bytes:
    """A fresh, well-formed ZIP of ``files`` (CRCs recomputed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, (data, compression) in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 24, 10, 0, 0))
            info.compress_type = compression
            archive.writestr(info, data)
    return out.getvalue()
