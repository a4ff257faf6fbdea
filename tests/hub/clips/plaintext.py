"""Scanning what a hub stored for anything in clear: media signatures, plaintext, low entropy.

Three checks, each reporting findings as short strings (an empty list is a clean scan):

- signatures: MP4 boxes, JPEG and PNG starts, H.264 Annex-B SPS/PPS NAL units and the
  words of a details part. ``strict`` forms (long enough that random ciphertext of a few
  megabytes can't match by chance) are for sealed blobs; the short forms are for files
  that hold no ciphertext of that size, such as the database;
- plaintext windows: any 64-byte run of a known plaintext (or of a small one's base64)
  that holds at least 16 distinct bytes (runs of zeros or padding prove nothing);
- entropy: a sealed part past its clear header (``docs/crypto-format.md``: 12-byte
  preamble, then ``header_length`` bytes of JSON) must look random at any size.
"""

from __future__ import annotations

import base64
import math
import re
import struct
from collections import Counter
from collections.abc import Mapping

WINDOW = 64
# Every 64-byte run of a haystack holds one 32-byte run starting at a multiple of 32.
PROBE = WINDOW // 2
# A window of few distinct bytes (zeros, padding) proves nothing: files hold such runs.
MIN_DISTINCT = 16
# Plaintexts this small (details, snapshots) are also sought as base64, as a text
# column would hold them.
ENCODED_UP_TO = 32 * 1024
PREAMBLE = b"DOORSTEP"
PREAMBLE_BYTES = 12

# A 4-byte start code, nal_unit_type 7, a profile_idc H.264 defines, constraint flags and
# a level from 1 to 5.2. (A PPS is a few bytes any file may hold: the stream's own PPS and
# SPS are sought as words instead.)
H264_SPS = re.compile(rb"\x00\x00\x00\x01\x67[\x42\x4d\x58\x64\x6e\x7a\xf4].[\x09-\x34]", re.DOTALL)
STRICT = {
    # SOI, APP0/APP1 and its identifier: ten bytes.
    "JPEG start": re.compile(rb"\xff\xd8\xff[\xe0\xe1]..(?:JFIF|Exif)", re.DOTALL),
    "PNG start": re.compile(rb"\x89PNG\r\n\x1a\n"),
    "H.264 SPS": H264_SPS,
    "details words": re.compile(rb'"(?:label|score|zones|trigger)": '),
}
LOOSE = {
    "JPEG SOI": re.compile(rb"\xff\xd8\xff"),
    "PNG start": re.compile(rb"\x89PNG"),
    "MP4 box": re.compile(rb"ftyp|moov|mdat"),
    "H.264 SPS": H264_SPS,
    # A key label in an audit entry ("label": 32 hex digits) is not a details word.
    "details words": re.compile(rb'"?(?:label|score|zones|trigger)"?\s*:(?!\s*"[0-9a-f]{32}")'),
}
MP4_BOX = re.compile(rb"ftyp|moov|mdat|mvhd|trak")


def signatures(data: bytes, *, strict: bool, words: Mapping[str, bytes] | None = None) -> list[str]:
    """Media signatures and ``words`` (labels, known NAL units: by name) found in ``data``."""
    found = [
        f"{name} at {match.start()}"
        for name, pattern in (STRICT if strict else LOOSE).items()
        for match in pattern.finditer(data)
    ]
    if strict:
        # An MP4 box type with a plausible size before it.
        for match in MP4_BOX.finditer(data):
            if match.start() >= 4:
                (size,) = struct.unpack(">I", data[match.start() - 4 : match.start()])
                if 8 <= size <= len(data) or size == 1:
                    found.append(f"MP4 box {match[0].decode()} at {match.start() - 4}")
    for name, word in (words or {}).items():
        found += [f"{name} at {match.start()}" for match in re.finditer(re.escape(word), data)]
    return found


class Plaintexts:
    """What a scan looks for: every 32-byte run of the known plaintexts (to find any
    64-byte window of them), and ``words`` too short for a window (labels, NAL units)."""

    def __init__(self, plaintexts: Mapping[str, bytes], words: Mapping[str, bytes]) -> None:
        self.words = dict(words)
        self.plaintexts = dict(plaintexts)
        for name, data in plaintexts.items():
            if len(data) > ENCODED_UP_TO:
                continue
            for shift in range(3):  # base64 of the data, at each alignment
                self.plaintexts[f"{name} (base64 from byte {shift})"] = base64.b64encode(
                    data[shift:]
                )
        # Each run, with every place it occurs (two details parts share most of their words).
        self._probes: dict[bytes, tuple[tuple[str, int], ...]] = {}
        for name, data in self.plaintexts.items():
            for offset in range(len(data) - PROBE + 1):
                probe = data[offset : offset + PROBE]
                if len(set(probe)) >= MIN_DISTINCT // 2:
                    self._probes[probe] = (*self._probes.get(probe, ()), (name, offset))

    def windows(self, haystack: bytes) -> list[str]:
        """Each run of 64 bytes or more of a plaintext in ``haystack`` (with enough variety)."""
        found: list[str] = []
        end = -1
        for start in range(0, len(haystack) - PROBE + 1, PROBE):
            hits = self._probes.get(haystack[start : start + PROBE])
            if hits is None or start < end:
                continue
            runs = [
                (*_extend(haystack, start, self.plaintexts[name], offset), name)
                for name, offset in hits
            ]
            first, last, name = max(runs, key=lambda run: run[1] - run[0])
            if last - first >= WINDOW and len(set(haystack[first:last])) >= MIN_DISTINCT:
                found.append(f"{last - first} bytes of {name} at {first}")
                end = last
        return found


def _extend(haystack: bytes, start: int, data: bytes, offset: int) -> tuple[int, int]:
    """The run around ``haystack[start:]`` == ``data[offset:]``, as haystack offsets."""
    back = 0
    while start - back > 0 and offset - back > 0:
        if haystack[start - back - 1] != data[offset - back - 1]:
            break
        back += 1
    ahead = PROBE
    while start + ahead < len(haystack) and offset + ahead < len(data):
        if haystack[start + ahead] != data[offset + ahead]:
            break
        ahead += 1
    return start - back, start + ahead


def entropy(data: bytes) -> float:
    """Shannon entropy in bits per byte."""
    counts = Counter(data)
    return -sum(n / len(data) * math.log2(n / len(data)) for n in counts.values())


def random_entropy_floor(size: int) -> float:
    """Below this, ``size`` bytes are not random: uniform random bytes measure about
    8 - 184/size bits per byte (Miller-Madow), and vary far less than this margin
    (at 430 bytes the mean is 7.51, its spread 0.04 and the floor 7.11)."""
    return 8 - 384 / size


def sealed_findings(blob: bytes, plaintexts: Plaintexts) -> list[str]:
    """Everything in a sealed blob that is not ciphertext or its clear header."""
    if not blob.startswith(PREAMBLE) or len(blob) < PREAMBLE_BYTES:
        return [f"no sealed-part preamble: starts {blob[:16]!r}"]
    (header_length,) = struct.unpack(">H", blob[10:12])
    body = blob[PREAMBLE_BYTES + header_length :]
    found = signatures(blob, strict=True, words=plaintexts.words) + plaintexts.windows(blob)
    if not body:
        return [*found, "nothing after the header"]
    measured = entropy(body)
    if measured < random_entropy_floor(len(body)):
        found.append(
            f"entropy {measured:.3f} bits/byte past the header, below "
            f"{random_entropy_floor(len(body)):.3f} for {len(body)} random bytes"
        )
    return found


def file_findings(data: bytes, plaintexts: Plaintexts) -> list[str]:
    """Signatures (the short forms) and plaintext windows in a file that holds no ciphertext."""
    return signatures(data, strict=False, words=plaintexts.words) + plaintexts.windows(data)
