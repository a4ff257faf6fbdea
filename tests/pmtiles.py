"""A small PMTiles v3 writer for tests: raster tiles in one file, as the spec lays it out.

https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md: a 127-byte header, the
root directory and the metadata (gzip, "internal compression" 2), then the tile data.
Tiles are addressed by a Hilbert-curve tile id. Written from the spec, not from the
reader in static/map-pmtiles.js, so the browser test checks one against the other.
"""

from __future__ import annotations

import gzip
import json
import struct
import zlib
from pathlib import Path

HEADER_BYTES = 127
GZIP = 2
NO_COMPRESSION = 1
PNG = 2


def tile_id(z: int, x: int, y: int) -> int:
    """The spec's tile id: tiles of lower zooms first, then the Hilbert index at ``z``."""
    base: int = (4**z - 1) // 3
    index = 0
    side = 1 << z
    s = side // 2
    while s > 0:
        rx = 1 if x & s else 0
        ry = 1 if y & s else 0
        index += s * s * ((3 * rx) ^ ry)
        # Rotate the quadrant (Hilbert curve), within the whole side as the spec's code does.
        if ry == 0:
            if rx == 1:
                x, y = side - 1 - x, side - 1 - y
            x, y = y, x
        s //= 2
    return base + index


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _directory(entries: list[tuple[int, int, int, int]]) -> bytes:
    """Entries (tile_id, offset, length, run_length), sorted by tile id, column by column."""
    out = bytearray(_varint(len(entries)))
    previous = 0
    for tid, _, _, _ in entries:
        out += _varint(tid - previous)
        previous = tid
    for _, _, _, run in entries:
        out += _varint(run)
    for _, _, length, _ in entries:
        out += _varint(length)
    for number, (_, offset, _, _) in enumerate(entries):
        before = entries[number - 1] if number else None
        if before is not None and offset == before[1] + before[2]:
            out += _varint(0)
        else:
            out += _varint(offset + 1)
    return bytes(out)


def solid_png(red: int, green: int, blue: int, size: int = 256) -> bytes:
    """A one-colour RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes((red, green, blue)) * size
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


def write_pmtiles(
    path: Path,
    tiles: dict[tuple[int, int, int], bytes],
    attribution: str = "Test tiles",
    leaf_size: int | None = None,
) -> bytes:
    """Write ``tiles`` ((z, x, y) -> PNG) as a PMTiles v3 file; returns the file's bytes.

    With ``leaf_size``, the tiles' entries go in leaf directories of that many entries and
    the root directory points at them (run length 0), as large archives do.
    """
    ordered = sorted((tile_id(*zxy), data) for zxy, data in tiles.items())
    entries: list[tuple[int, int, int, int]] = []
    offset = 0
    for tid, data in ordered:
        entries.append((tid, offset, len(data), 1))
        offset += len(data)
    tile_data = b"".join(data for _, data in ordered)
    leaves = b""
    if leaf_size is None:
        root = gzip.compress(_directory(entries), mtime=0)
    else:
        pointers = []
        for start in range(0, len(entries), leaf_size):
            leaf = gzip.compress(_directory(entries[start : start + leaf_size]), mtime=0)
            pointers.append((entries[start][0], len(leaves), len(leaf), 0))
            leaves += leaf
        root = gzip.compress(_directory(pointers), mtime=0)
    metadata = gzip.compress(json.dumps({"attribution": attribution}).encode(), mtime=0)
    zooms = [z for z, _, _ in tiles]
    root_offset = HEADER_BYTES
    metadata_offset = root_offset + len(root)
    leaf_offset = metadata_offset + len(metadata)
    data_offset = leaf_offset + len(leaves)
    header = b"PMTiles\x03" + struct.pack(
        "<QQQQQQQQQQQBBBBBBiiiiBii",
        root_offset,
        len(root),
        metadata_offset,
        len(metadata),
        leaf_offset,
        len(leaves),
        data_offset,
        len(tile_data),
        len(entries),  # addressed tiles
        len(entries),  # tile entries
        len(entries),  # tile contents
        1,  # clustered
        GZIP,  # internal compression
        NO_COMPRESSION,  # tile compression
        PNG,
        min(zooms),
        max(zooms),
        -180 * 10**7,
        -85 * 10**7,
        180 * 10**7,
        85 * 10**7,
        min(zooms),
        0,
        0,
    )
    assert len(header) == HEADER_BYTES, len(header)
    body = header + root + metadata + leaves + tile_data
    path.write_bytes(body)
    return body
