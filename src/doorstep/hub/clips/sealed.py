"""Uploads must be sealed parts: the hub checks the clear header, never the contents.

This keeps a misconfigured or outdated edge from ever storing plaintext on the hub:
a part whose header is not the format's, or names another clip, part or device, is
refused before any of it is stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator

from doorstep.crypto.format import PREAMBLE, header_length, parse_header
from doorstep.errors import CryptoError, InvalidInput


def read_header(stream: Iterator[bytes]) -> bytes:
    """Read chunks from ``stream`` until preamble and header are whole; returns all read.

    Raises CryptoError when the stream ends first or the preamble is not the format's.
    """
    head = b""
    needed = PREAMBLE.size
    while len(head) < needed:
        chunk = next(stream, None)
        if chunk is None:
            raise CryptoError("truncated: the part ends inside the header")
        head += chunk
        if needed == PREAMBLE.size and len(head) >= PREAMBLE.size:
            needed = header_length(head)
    return head


def require_sealed(
    chunks: Iterable[bytes], *, clip_id: uuid.UUID, part: str, device_key_id: str
) -> Iterator[bytes]:
    """Pass ``chunks`` through once their header shows a part sealed for this clip and device."""
    stream = iter(chunks)
    try:
        head = read_header(stream)
        header = parse_header(head).header
    except CryptoError as exc:
        raise InvalidInput(f"body: not a sealed part ({exc.detail})", field="body") from exc
    for field, found, expected in (
        ("clip_id", str(header.clip_id), str(clip_id)),
        ("part", header.part, part),
        ("device_key_id", header.device_key_id, device_key_id),
    ):
        if found != expected:
            raise InvalidInput(
                f"body: the sealed part's header names {field} {found}, not {expected}",
                field="body",
            )
    yield head
    yield from stream
