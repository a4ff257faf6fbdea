"""The sealed part's layout: preamble, header, nonces and part keys; the box layout.

Nothing here needs a private key, so the hub may use it to check that an upload is
a sealed part for the clip it claims, without being able to open it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import struct
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from doorstep.errors import CryptoError

MAGIC = b"DOORSTEP"
VERSION = 1
PREAMBLE = struct.Struct(">8sBBH")
MAX_HEADER_BYTES = 4096
TAG_BYTES = 16
DIGEST_BYTES = 32
SIGNATURE_BYTES = 64
SIGNATURE_BLOCK_BYTES = DIGEST_BYTES + SIGNATURE_BYTES + TAG_BYTES
SIGNATURE_COUNTER = 0xFFFFFFFF
NONCE_PREFIX_BYTES = 7
MIN_CHUNK_SIZE = 1024
MAX_CHUNK_SIZE = 1 << 24
DEFAULT_CHUNK_SIZE = 64 * 1024
PARTS = ("clip", "snapshot", "details")  # sealed under the clip's content key
# The blurred twin (edge/twin.py): sealed under a second content key of its own, so that
# sharing the twin hands over nothing that opens the parts above.
TWIN_PARTS = ("twin_clip", "twin_snapshot")
SEALED_PARTS = PARTS + TWIN_PARTS
# What an attestation or an evidence package may hold of one clip: parts under one key.
PART_SETS = "some of clip, snapshot, details, or of twin_clip, twin_snapshot"


def one_key_parts(names: Collection[str]) -> bool:
    """Whether ``names`` are some of one key's parts: the clip's own, or its twin's."""
    return bool(names) and (set(names) <= set(PARTS) or set(names) <= set(TWIN_PARTS))


# A clip's attestation sealed under its clip key (crypto/attestation.py): the nonce in
# front, and the most a sealed one may take (three parts take about 700 bytes).
ATTESTATION_NONCE_BYTES = 12
MAX_SEALED_ATTESTATION_BYTES = 4096
# Enough leading bytes to read any header.
HEADER_PROBE_BYTES = PREAMBLE.size + MAX_HEADER_BYTES

FLAG_CHUNK = 0
FLAG_LAST = 1
FLAG_SIGNATURE = 2

PART_KEY_INFO = b"doorstep part key v1\0"

# What a header's fields look like, checked the same way by the browser's reader
# (doorstep-crypto.js): a UUID in its 8-4-4-4-12 form, an RFC 3339 time, and JSON
# nesting no deeper than a header needs.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"  # fromisoformat took +00:60 for +01:00
)
MAX_HEADER_DEPTH = 16


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, what: str) -> bytes:
    """Standard base64 with padding; no excess padding (``AAAA=``), as ``atob`` reads it."""
    try:
        if len(text) % 4:
            raise binascii.Error("the length is not a multiple of 4")
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise CryptoError(f"{what} is not base64") from exc


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def nonce(prefix: bytes, counter: int, flag: int) -> bytes:
    return prefix + struct.pack(">IB", counter, flag)


def hkdf(ikm: bytes, *, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def part_key(content_key: bytes, clip_id: uuid.UUID, part: str) -> bytes:
    if len(content_key) != 32:
        raise CryptoError(f"a content key must be 32 bytes, got {len(content_key)}")
    info = PART_KEY_INFO + str(clip_id).encode() + b"\0" + part.encode()
    return hkdf(content_key, salt=b"", info=info)


@dataclass(frozen=True)
class PartHeader:
    clip_id: uuid.UUID
    camera_id: uuid.UUID
    part: str
    started_at: datetime
    ended_at: datetime
    chunk_size: int
    nonce_prefix: bytes
    device_key_id: str

    def encode(self) -> bytes:
        fields = {
            "clip_id": str(self.clip_id),
            "camera_id": str(self.camera_id),
            "part": self.part,
            "started_at": format_time(self.started_at),
            "ended_at": format_time(self.ended_at),
            "chunk_size": self.chunk_size,
            "nonce_prefix": b64encode(self.nonce_prefix),
            "device_key_id": self.device_key_id,
        }
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def aad(self) -> bytes:
        """Preamble and header: the associated data of every AEAD call in the part."""
        header = self.encode()
        return PREAMBLE.pack(MAGIC, VERSION, 0, len(header)) + header


@dataclass(frozen=True)
class ParsedHeader:
    header: PartHeader
    aad: bytes

    @property
    def body_offset(self) -> int:
        """Where the first chunk starts: after the preamble, header and signature block."""
        return len(self.aad) + SIGNATURE_BLOCK_BYTES


def header_length(prefix: bytes) -> int:
    """Bytes of preamble and header, read from the preamble (the first 12 bytes)."""
    if len(prefix) < PREAMBLE.size:
        raise CryptoError(f"truncated: {len(prefix)} bytes is shorter than the preamble")
    magic, version, reserved, length = PREAMBLE.unpack_from(prefix)
    if magic != MAGIC:
        raise CryptoError("not a Doorstep sealed part (the preamble's magic is wrong)")
    if version != VERSION or reserved != 0:
        raise CryptoError(f"sealed part version {version} is not supported (this reads {VERSION})")
    if not 1 <= length <= MAX_HEADER_BYTES:
        raise CryptoError(f"header length {length} is outside 1..{MAX_HEADER_BYTES}")
    return PREAMBLE.size + int(length)


def parse_header(data: bytes) -> ParsedHeader:
    """Parse the preamble and header at the start of ``data`` (checks layout, not keys)."""
    end = header_length(data)
    if len(data) < end:
        raise CryptoError("truncated: the file ends inside the header")
    try:
        text = data[PREAMBLE.size : end].decode("utf-8")
        fields = json.loads(text, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise CryptoError("the header is not UTF-8 JSON") from exc
    except RecursionError:  # nested far deeper than the limit
        raise _too_deep() from None
    if _deeper(fields, MAX_HEADER_DEPTH):
        raise _too_deep()
    if not isinstance(fields, dict):
        raise CryptoError("the header is not a JSON object")
    return ParsedHeader(header=_header_from(fields), aad=data[:end])


def _no_constant(name: str) -> Any:
    """NaN and Infinity are not JSON (Python's json reads them; browsers don't)."""
    raise ValueError(f"{name} is not JSON")


def _too_deep() -> CryptoError:
    return CryptoError(f"the header nests deeper than {MAX_HEADER_DEPTH} levels")


def _deeper(value: Any, levels: int) -> bool:
    """Whether ``value`` nests objects and arrays more than ``levels`` deep."""
    if isinstance(value, dict):
        value = list(value.values())
    elif not isinstance(value, list):
        return False
    return levels == 0 or any(_deeper(item, levels - 1) for item in value)


def _field(fields: dict[str, Any], name: str, kind: type) -> Any:
    value = fields.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        article = "an" if kind is int else "a"
        raise CryptoError(f"header field {name!r} is missing or not {article} {kind.__name__}")
    return value


def _uuid_field(fields: dict[str, Any], name: str) -> uuid.UUID:
    value = _field(fields, name, str)
    if not _UUID.fullmatch(value):
        raise CryptoError(f"header field {name!r} is not a UUID: {value}")
    return uuid.UUID(value)


def _time_field(fields: dict[str, Any], name: str) -> datetime:
    value = _field(fields, name, str)
    try:
        if _RFC3339.fullmatch(value):
            return datetime.fromisoformat(value)
    except ValueError:
        pass  # a date or time out of range, like 2026-02-30
    raise CryptoError(f"header field {name!r} is not an RFC 3339 time: {value}")


def _header_from(fields: dict[str, Any]) -> PartHeader:
    clip_id = _uuid_field(fields, "clip_id")
    camera_id = _uuid_field(fields, "camera_id")
    started_at = _time_field(fields, "started_at")
    ended_at = _time_field(fields, "ended_at")
    part = _field(fields, "part", str)
    if part not in SEALED_PARTS:
        raise CryptoError(f"header part {part!r} is not one of {', '.join(SEALED_PARTS)}")
    chunk_size = _field(fields, "chunk_size", int)
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise CryptoError(f"chunk_size {chunk_size} is outside {MIN_CHUNK_SIZE}..{MAX_CHUNK_SIZE}")
    prefix = b64decode(_field(fields, "nonce_prefix", str), "nonce_prefix")
    if len(prefix) != NONCE_PREFIX_BYTES:
        raise CryptoError(f"nonce_prefix must be {NONCE_PREFIX_BYTES} bytes, got {len(prefix)}")
    device_key_id = _field(fields, "device_key_id", str)
    return PartHeader(
        clip_id=clip_id,
        camera_id=camera_id,
        part=part,
        started_at=started_at,
        ended_at=ended_at,
        chunk_size=chunk_size,
        nonce_prefix=prefix,
        device_key_id=device_key_id,
    )


def signature_message(aad: bytes, digest: bytes) -> bytes:
    return b"doorstep part signature v1\0" + aad + digest


# Passphrase box: u8 version, u32 memory KiB, u32 iterations, u32 lanes, salt, nonce, sealed key.
BOX_VERSION = 1
BOX_LAYOUT = struct.Struct(">BIII16s12s")
BOX_BYTES = BOX_LAYOUT.size + 32 + TAG_BYTES
MIN_BOX_MEMORY_KIB = 19456
MIN_BOX_ITERATIONS = 2
MAX_BOX_MEMORY_KIB = 4 * 1024 * 1024
MAX_BOX_ITERATIONS = 64
MAX_BOX_LANES = 64


@dataclass(frozen=True)
class BoxParameters:
    memory_kib: int
    iterations: int
    lanes: int


def box_parameters(box: bytes) -> BoxParameters:
    """Check a passphrase box's layout and cost; raise naming what is wrong."""
    if len(box) != BOX_BYTES:
        raise CryptoError(f"a passphrase box is {BOX_BYTES} bytes, got {len(box)}")
    version, memory, iterations, lanes, _salt, _nonce = BOX_LAYOUT.unpack_from(box)
    if version != BOX_VERSION:
        raise CryptoError(f"passphrase box version {version} is not supported")
    if not MIN_BOX_MEMORY_KIB <= memory <= MAX_BOX_MEMORY_KIB:
        raise CryptoError(
            f"Argon2id memory {memory} KiB is outside {MIN_BOX_MEMORY_KIB}..{MAX_BOX_MEMORY_KIB}"
        )
    if not MIN_BOX_ITERATIONS <= iterations <= MAX_BOX_ITERATIONS:
        raise CryptoError(
            f"Argon2id iterations {iterations} is outside "
            f"{MIN_BOX_ITERATIONS}..{MAX_BOX_ITERATIONS}"
        )
    if not 1 <= lanes <= MAX_BOX_LANES:
        raise CryptoError(f"Argon2id lanes {lanes} is outside 1..{MAX_BOX_LANES}")
    return BoxParameters(memory_kib=memory, iterations=iterations, lanes=lanes)
