"""The evidence package format: write a package, and read its manifest back.

A package is a ZIP of sealed parts, keys, terms and custody, signed by the hub.

The hub builds it from what it stores and can't read: the sealed parts byte for byte,
the clip keys the owner wrapped to the agency's key, each clip's attestation sealed
under its clip key (each part's plaintext SHA-256 and device signature, read when the
owner's client opened it; only the agency opens it), and the home's owner-signed key
lists with their log proofs (``key-lists.json``: which device keys the owner vouches
for). The package is written as a stream, each file hashed as it goes into the ZIP, so
a package of many gigabytes never sits in memory; ``manifest.json`` (every other
file's size and SHA-256) and its signature come last. ``verify`` reads it back with
:func:`parse_manifest` and :func:`parse_keys`. See ``docs/evidence.md``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from doorstep.audit.checkpoint import LogKey
from doorstep.audit.entries import canonical_json
from doorstep.crypto.envelope import WRAPPED_KEY_BYTES
from doorstep.crypto.format import (
    ATTESTATION_NONCE_BYTES,
    MAX_SEALED_ATTESTATION_BYTES,
    PART_SETS,
    TAG_BYTES,
    b64decode,
    format_time,
    one_key_parts,
)
from doorstep.crypto.keys import ed25519_public, key_id
from doorstep.errors import CryptoError, InvalidInput
from doorstep.evidence import EvidenceError
from doorstep.evidence.custody import Custody, custody_json

FORMAT = "doorstep-evidence/1"
KINDS = ("share", "demand")
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
HUB_KEY = "hub-key.txt"
TERMS = "terms.json"
KEYS = "keys.json"
CUSTODY = "custody.json"
KEY_LISTS = "key-lists.json"
# Files the manifest can't list: the manifest itself and what checks it.
UNLISTED = (MANIFEST, SIGNATURE, HUB_KEY)
# What a decrypted part is written as.
PLAINTEXT_NAMES = {
    "clip": "clip.mp4",
    "snapshot": "snapshot.jpg",
    "details": "details.json",
    "twin_clip": "twin_clip.mp4",  # a share of the blurred twin alone
    "twin_snapshot": "twin_snapshot.jpg",
}


@dataclass(frozen=True)
class PackagePart:
    """One sealed part; ``chunks`` yields its stored bytes (called once)."""

    name: str
    chunks: Callable[[], Iterable[bytes]]


@dataclass(frozen=True)
class PackageClip:
    clip_id: uuid.UUID
    camera_id: uuid.UUID
    started_at: datetime
    ended_at: datetime
    device_public_key: bytes
    parts: Sequence[PackagePart]
    wrapped_key: bytes | None
    sealed_attestation: bytes | None = None


def part_path(clip_id: uuid.UUID, part: str) -> str:
    return f"clips/{clip_id}/{part}.sealed"


def hub_key_text(log_key: LogKey) -> bytes:
    """``hub-key.txt``: the verifier key on one line."""
    return f"{log_key.vkey()}\n".encode("ascii")


def signature_text(signature: bytes) -> bytes:
    """``manifest.sig``: the 64-byte Ed25519 signature in base64 on one line."""
    return base64.b64encode(signature) + b"\n"


def write_package(
    out: BinaryIO,
    *,
    kind: Literal["share", "demand"],
    subject: Mapping[str, Any],
    terms: Mapping[str, Any] | None,
    recipient_key_id: str | None,
    clips: Sequence[PackageClip],
    custody: Custody,
    signing_key: Ed25519PrivateKey,
    log_key: LogKey,
    created_at: datetime,
    key_lists: Sequence[Mapping[str, Any]] | None = None,
) -> None:
    """Write the package for ``clips`` to ``out``; InvalidInput if the arguments don't fit ``kind``.

    A share carries the terms, each clip's key wrapped to ``recipient_key_id`` and its
    sealed attestation, and ``key_lists``: the home's signed key lists, version 1 to
    the newest, each with its ``"proof"`` (the wire form of the key list routes). A
    legal demand carries none of these (ciphertext only).
    """
    _check(kind, terms, recipient_key_id, clips, signing_key, log_key, created_at)
    if (kind == "share") != bool(key_lists):
        raise InvalidInput(
            "a share package carries the home's key lists; a demand package none",
            field="key_lists",
        )
    moment = created_at.astimezone(UTC)
    files: dict[str, dict[str, Any]] = {}
    with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
        for clip in clips:
            for part in clip.parts:
                path = part_path(clip.clip_id, part.name)
                files[path] = _write_stream(archive, _info(path, moment), part.chunks())
        if kind == "share":
            assert terms is not None
            files[TERMS] = _write(archive, _info(TERMS, moment), canonical_json(dict(terms)))
            wrapped = {
                str(clip.clip_id): base64.b64encode(clip.wrapped_key or b"").decode("ascii")
                for clip in clips
            }
            keys = canonical_json({"recipient_key_id": recipient_key_id, "keys": wrapped})
            files[KEYS] = _write(archive, _info(KEYS, moment), keys)
            lists = canonical_json({"lists": [dict(each) for each in key_lists or ()]})
            files[KEY_LISTS] = _write(archive, _info(KEY_LISTS, moment), lists)
        files[CUSTODY] = _write(archive, _info(CUSTODY, moment), custody_json(custody))
        manifest = canonical_json(
            {
                "format": FORMAT,
                "kind": kind,
                "created_at": format_time(moment),
                "subject": dict(subject),
                "files": files,
                "clips": [_clip_entry(clip) for clip in clips],
            }
        )
        _write(archive, _info(HUB_KEY, moment), hub_key_text(log_key))
        _write(archive, _info(MANIFEST, moment), manifest)
        _write(archive, _info(SIGNATURE, moment), signature_text(signing_key.sign(manifest)))


def _clip_entry(clip: PackageClip) -> dict[str, Any]:
    parts = {part.name: {"file": part_path(clip.clip_id, part.name)} for part in clip.parts}
    sealed = clip.sealed_attestation
    return {
        "clip_id": str(clip.clip_id),
        "camera_id": str(clip.camera_id),
        "started_at": format_time(clip.started_at),
        "ended_at": format_time(clip.ended_at),
        "device_key_id": key_id(clip.device_public_key),
        "device_public_key": base64.b64encode(clip.device_public_key).decode("ascii"),
        "parts": parts,
        "sealed_attestation": base64.b64encode(sealed).decode("ascii") if sealed else None,
    }


def _info(path: str, moment: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=moment.timetuple()[:6])
    info.external_attr = 0o644 << 16
    # Ciphertext doesn't compress; the JSON files do.
    info.compress_type = zipfile.ZIP_STORED if path.endswith(".sealed") else zipfile.ZIP_DEFLATED
    return info


def _write(archive: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes) -> dict[str, Any]:
    archive.writestr(info, data)
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _write_stream(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, chunks: Iterable[bytes]
) -> dict[str, Any]:
    digest, size = hashlib.sha256(), 0
    # The size isn't known up front, and a part may pass 4 GiB: always ZIP64.
    with archive.open(info, "w", force_zip64=True) as member:
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            member.write(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _check(
    kind: str,
    terms: Mapping[str, Any] | None,
    recipient_key_id: str | None,
    clips: Sequence[PackageClip],
    signing_key: Ed25519PrivateKey,
    log_key: LogKey,
    created_at: datetime,
) -> None:
    if kind not in KINDS:
        raise InvalidInput(f"kind {kind!r} is not one of {', '.join(KINDS)}", field="kind")
    if signing_key.public_key().public_bytes_raw() != log_key.public_key.public_bytes_raw():
        raise InvalidInput("the signing key is not the log key's private key", field="signing_key")
    share = kind == "share"
    if share != (terms is not None) or share != (recipient_key_id is not None):
        raise InvalidInput(
            "a share package needs terms and recipient_key_id; a demand package has neither",
            field="terms",
        )
    if not clips:
        raise InvalidInput("a package needs at least one clip", field="clips")
    if len({clip.clip_id for clip in clips}) != len(clips):
        raise InvalidInput("a clip appears twice", field="clips")
    _check_time(created_at, "created_at")
    for clip in clips:
        _check_clip(clip, share=share)


def _check_clip(clip: PackageClip, *, share: bool) -> None:
    where = f"clip {clip.clip_id}"
    _check_time(clip.started_at, f"{where}: started_at")
    _check_time(clip.ended_at, f"{where}: ended_at")
    try:
        ed25519_public(clip.device_public_key)
    except CryptoError as exc:
        raise InvalidInput(f"{where}: {exc.detail}", field="device_public_key") from exc
    if share != (clip.wrapped_key is not None):
        raise InvalidInput(
            f"{where}: a share carries each clip's wrapped key, a demand none", field="wrapped_key"
        )
    names = [part.name for part in clip.parts]
    if len(set(names)) != len(names) or not one_key_parts(names):
        raise InvalidInput(
            f"{where}: parts {names} are not distinct names, {PART_SETS}",
            field="parts",
        )
    sealed = clip.sealed_attestation
    if share != (sealed is not None):
        raise InvalidInput(
            f"{where}: a share carries the owner's sealed attestation; nobody who can decrypt "
            "attests a demand's clips",
            field="sealed_attestation",
        )
    if sealed is not None and not _SEALED_BYTES[0] <= len(sealed) <= _SEALED_BYTES[1]:
        raise InvalidInput(
            f"{where}: the sealed attestation is {len(sealed)} bytes", field="sealed_attestation"
        )


def _check_time(moment: datetime, what: str) -> None:
    if moment.tzinfo is None:
        raise InvalidInput(f"{what} must be timezone-aware (UTC)", field=what)


# -- reading the manifest back --------------------------------------------------------

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_KEY_ID = re.compile(r"[0-9a-f]{32}")
# The sizes a sealed attestation may have (crypto/attestation.py).
_SEALED_BYTES = (ATTESTATION_NONCE_BYTES + TAG_BYTES, MAX_SEALED_ATTESTATION_BYTES)


@dataclass(frozen=True)
class PartEntry:
    name: str
    file: str


@dataclass(frozen=True)
class ClipEntry:
    clip_id: uuid.UUID
    camera_id: uuid.UUID
    started_at: datetime
    ended_at: datetime
    device_key_id: str
    device_public_key: bytes
    parts: list[PartEntry]
    sealed_attestation: bytes | None


@dataclass(frozen=True)
class Manifest:
    kind: str
    created_at: datetime
    subject: dict[str, Any]
    files: dict[str, dict[str, Any]]
    clips: list[ClipEntry]


@dataclass(frozen=True)
class PackageKeys:
    recipient_key_id: str
    keys: dict[uuid.UUID, bytes]


def parse_json(data: bytes, path: str) -> dict[str, Any]:
    """A file that must hold one JSON object; EvidenceError names ``path`` otherwise."""
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise EvidenceError(path, "parse", "is not UTF-8 JSON") from exc
    if not isinstance(value, dict):
        raise EvidenceError(path, "parse", "is not a JSON object")
    return value


def _field(data: Any, name: str, kind: type | tuple[type, ...], where: str, path: str) -> Any:
    value = data.get(name) if isinstance(data, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise EvidenceError(path, "parse", f"{where}{name} is missing or of the wrong type")
    return value


def _uuid(data: Any, name: str, where: str) -> uuid.UUID:
    text = _field(data, name, str, where, MANIFEST)
    try:
        return uuid.UUID(text)
    except ValueError as exc:
        raise EvidenceError(MANIFEST, "parse", f"{where}{name} is not a UUID") from exc


def _time(data: Any, name: str, where: str) -> datetime:
    text = _field(data, name, str, where, MANIFEST)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise EvidenceError(MANIFEST, "parse", f"{where}{name} is not an RFC 3339 time") from exc
    if moment.tzinfo is None:
        raise EvidenceError(MANIFEST, "parse", f"{where}{name} has no time zone")
    return moment


def _base64(data: Any, name: str, length: int, where: str, path: str) -> bytes:
    try:
        raw = b64decode(_field(data, name, str, where, path), name)
    except CryptoError as exc:
        raise EvidenceError(path, "parse", f"{where}{name} is not base64") from exc
    if len(raw) != length:
        raise EvidenceError(path, "parse", f"{where}{name} is not {length} bytes")
    return raw


def parse_manifest(data: bytes) -> Manifest:
    """Read ``manifest.json`` (already signature-checked) and check its shape."""
    fields = parse_json(data, MANIFEST)
    if fields.get("format") != FORMAT:
        raise EvidenceError(MANIFEST, "parse", f"format is {fields.get('format')!r}, not {FORMAT}")
    kind = fields.get("kind")
    if kind not in KINDS:
        raise EvidenceError(MANIFEST, "parse", f"kind {kind!r} is not one of {', '.join(KINDS)}")
    files: dict[str, dict[str, Any]] = _field(fields, "files", dict, "", MANIFEST)
    for path, entry in files.items():
        size = _field(entry, "size", int, f"files[{path}].", MANIFEST)
        digest = _field(entry, "sha256", str, f"files[{path}].", MANIFEST)
        if size < 0 or not _SHA256_HEX.fullmatch(digest):
            raise EvidenceError(MANIFEST, "parse", f"files[{path}] has a bad size or SHA-256")
    raw_clips = _field(fields, "clips", list, "", MANIFEST)
    clips = [_clip(raw, f"clips[{n}].", share=kind == "share") for n, raw in enumerate(raw_clips)]
    if not clips or len({clip.clip_id for clip in clips}) != len(clips):
        raise EvidenceError(MANIFEST, "parse", "clips is empty or names a clip twice")
    expected = {CUSTODY, *((TERMS, KEYS, KEY_LISTS) if kind == "share" else ())}
    expected |= {part.file for clip in clips for part in clip.parts}
    if set(files) != expected:
        odd = sorted(set(files) ^ expected)
        raise EvidenceError(
            MANIFEST, "parse", f"files does not list exactly this package's files: {odd}"
        )
    return Manifest(
        kind=kind,
        created_at=_time(fields, "created_at", ""),
        subject=_field(fields, "subject", dict, "", MANIFEST),
        files=files,
        clips=clips,
    )


def _clip(data: Any, where: str, *, share: bool) -> ClipEntry:
    clip_id = _uuid(data, "clip_id", where)
    public = _base64(data, "device_public_key", 32, where, MANIFEST)
    try:
        ed25519_public(public)
    except CryptoError as exc:
        raise EvidenceError(MANIFEST, "parse", f"{where}device_public_key: {exc.detail}") from exc
    device_key_id = _field(data, "device_key_id", str, where, MANIFEST)
    if device_key_id != key_id(public):
        raise EvidenceError(
            MANIFEST, "parse", f"{where}device_key_id is not the key id of device_public_key"
        )
    raw_parts = _field(data, "parts", dict, where, MANIFEST)
    if not one_key_parts(raw_parts):
        raise EvidenceError(MANIFEST, "parse", f"{where}parts must be {PART_SETS}")
    parts = []
    for name, entry in raw_parts.items():
        inner = f"{where}parts.{name}."
        path = _field(entry, "file", str, inner, MANIFEST)
        if path != part_path(clip_id, name):
            raise EvidenceError(MANIFEST, "parse", f"{inner}file is not {part_path(clip_id, name)}")
        parts.append(PartEntry(name=name, file=path))
    return ClipEntry(
        clip_id=clip_id,
        camera_id=_uuid(data, "camera_id", where),
        started_at=_time(data, "started_at", where),
        ended_at=_time(data, "ended_at", where),
        device_key_id=device_key_id,
        device_public_key=public,
        parts=parts,
        sealed_attestation=_sealed_attestation(data, where, share=share),
    )


def _sealed_attestation(data: Any, where: str, *, share: bool) -> bytes | None:
    value = data.get("sealed_attestation")
    if share != (value is not None):
        raise EvidenceError(
            MANIFEST, "parse", f"{where}sealed_attestation: a share carries one, a demand none"
        )
    if value is None:
        return None
    try:
        raw = b64decode(_field(data, "sealed_attestation", str, where, MANIFEST), "attestation")
    except CryptoError as exc:
        raise EvidenceError(MANIFEST, "parse", f"{where}sealed_attestation is not base64") from exc
    if not _SEALED_BYTES[0] <= len(raw) <= _SEALED_BYTES[1]:
        raise EvidenceError(
            MANIFEST,
            "parse",
            f"{where}sealed_attestation is {len(raw)} bytes, outside "
            f"{_SEALED_BYTES[0]}..{_SEALED_BYTES[1]}",
        )
    return raw


def parse_keys(data: bytes, manifest: Manifest) -> PackageKeys:
    """Read ``keys.json``: one wrapped key for each of the manifest's clips, no other."""
    fields = parse_json(data, KEYS)
    recipient = _field(fields, "recipient_key_id", str, "", KEYS)
    if not _KEY_ID.fullmatch(recipient):
        raise EvidenceError(KEYS, "parse", "recipient_key_id is not a key id")
    wrapped = _field(fields, "keys", dict, "", KEYS)
    keys: dict[uuid.UUID, bytes] = {}
    for clip in manifest.clips:
        keys[clip.clip_id] = _base64(wrapped, str(clip.clip_id), WRAPPED_KEY_BYTES, "keys.", KEYS)
    if len(wrapped) != len(keys):
        raise EvidenceError(KEYS, "parse", "holds keys for clips that are not in the manifest")
    return PackageKeys(recipient_key_id=recipient, keys=keys)
