"""Open a sealed part, whole or chunk by chunk. For the owner's client, never the hub.

:class:`PartOpener` takes bytes as they arrive and hands back plaintext as each chunk
authenticates, so playback can start early; :meth:`PartOpener.finish` then checks that
nothing was cut off and that the plaintext matches what the device signed. Until
``finish`` returns, what was handed out must be treated as unverified.

SHA-256 of each batch of decrypted chunks runs on a worker thread while the next batch
decrypts (:mod:`doorstep.crypto.pipeline`).
"""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from doorstep.crypto.format import (
    DIGEST_BYTES,
    FLAG_CHUNK,
    FLAG_LAST,
    FLAG_SIGNATURE,
    HEADER_PROBE_BYTES,
    PREAMBLE,
    SIGNATURE_BLOCK_BYTES,
    SIGNATURE_COUNTER,
    TAG_BYTES,
    PartHeader,
    header_length,
    nonce,
    parse_header,
    part_key,
)
from doorstep.crypto.keys import key_id
from doorstep.crypto.pipeline import BATCH_BYTES, SCRATCH_BUFFERS, Update, hashing
from doorstep.crypto.signing import verify_part_signature
from doorstep.errors import CryptoError

# Enough leading bytes for any preamble, header and signature block.
START_BYTES = HEADER_PROBE_BYTES + SIGNATURE_BLOCK_BYTES


@dataclass(frozen=True)
class PartSummary:
    """What a fully verified part proves: its header and the device-signed digest."""

    header: PartHeader
    plaintext_sha256: bytes
    device_signature: bytes


@dataclass(frozen=True)
class OpenedPart:
    summary: PartSummary
    plaintext: bytes


class PartOpener:
    def __init__(
        self,
        *,
        content_key: bytes,
        clip_id: uuid.UUID,
        part: str,
        device_public: Ed25519PublicKey,
    ) -> None:
        self._content_key = content_key
        self._clip_id = clip_id
        self._part = part
        self._device_public = device_public
        self._buffer = bytearray()
        self._hash = hashlib.sha256()
        self._aead: AESGCM | None = None
        self._header: PartHeader | None = None
        self._aad = b""
        self._digest = b""
        self._signature = b""
        self._index = 0
        self._done = False

    def feed(self, data: bytes) -> bytes:
        """Take the next bytes of the part; return the plaintext they completed.

        Chunks are opened straight from ``data``: only the header and a chunk split
        across two calls go through the buffer.
        """
        if self._done:
            raise CryptoError("the part was already finished")
        rest = memoryview(data)
        if self._aead is None:
            take = max(0, START_BYTES - len(self._buffer))
            self._buffer += rest[:take]
            rest = rest[take:]
            body = self._start(self._buffer)
            if body is None:
                return b""  # fewer than START_BYTES so far, so ``rest`` is empty
            del self._buffer[:body]
        step = self._chunk_size + TAG_BYTES
        # A chunk is surely not the last one while more bytes follow it.
        count = max(0, (len(self._buffer) + len(rest) - 1) // step)
        fill = min(len(rest), -len(self._buffer) % step)  # completes the buffer's last chunk
        self._buffer += rest[:fill]
        rest = rest[fill:]
        buffered = min(count, len(self._buffer) // step)
        out = io.BytesIO()
        with hashing(self._hash, count * self._chunk_size) as update:
            with memoryview(self._buffer) as buffer:
                self._open_chunks(buffer, buffered, out, update)
            del self._buffer[: buffered * step]
            # Only once the buffer's chunks are all opened can any come from ``rest``.
            self._open_chunks(rest, count - buffered, out, update)
        self._buffer += rest[(count - buffered) * step :]
        return out.getvalue()

    def finish(self) -> tuple[bytes, PartSummary]:
        """Open the last chunk and check the whole part; CryptoError names what failed.

        Returns the last chunk's plaintext and what the part proves.
        """
        if self._done:
            raise CryptoError("the part was already finished")
        if self._aead is None and self._start(self._buffer) is None:
            raise CryptoError("truncated: the file ends before the first chunk")
        out = io.BytesIO()
        with memoryview(self._buffer) as buffer:
            summary = self._finish(buffer, out)
        self._buffer.clear()
        return out.getvalue(), summary

    def _open_whole(self, sealed: bytes) -> OpenedPart:
        """Open a whole part held in memory (a fresh opener only)."""
        view = memoryview(sealed)
        body_offset = self._start(view[:START_BYTES])
        if body_offset is None:
            raise CryptoError("truncated: the file ends before the first chunk")
        body = view[body_offset:]
        step = self._chunk_size + TAG_BYTES
        count = max(0, (len(body) - 1) // step)
        # One buffer for the whole plaintext: BytesIO.getvalue() hands it over without a copy.
        out = io.BytesIO()
        with hashing(self._hash, count * self._chunk_size) as update:
            self._open_chunks(body, count, out, update)
        summary = self._finish(body[count * step :], out)
        return OpenedPart(summary=summary, plaintext=out.getvalue())

    @property
    def _chunk_size(self) -> int:
        assert self._header is not None
        return self._header.chunk_size

    def _start(self, data: bytearray | memoryview) -> int | None:
        """Check the header and signature block at the start of ``data``.

        Returns where the body starts, or None while ``data`` is too short to tell.
        """
        if len(data) < PREAMBLE.size:
            return None
        end = header_length(bytes(data[: PREAMBLE.size]))
        if len(data) < end:
            return None
        parsed = parse_header(bytes(data[:end]))
        if len(data) < parsed.body_offset:
            return None
        header = parsed.header
        if header.clip_id != self._clip_id:
            raise CryptoError(f"the part belongs to clip {header.clip_id}, not {self._clip_id}")
        if header.part != self._part:
            raise CryptoError(f"the part is a {header.part}, not a {self._part}")
        device_key_id = key_id(self._device_public)
        if header.device_key_id != device_key_id:
            raise CryptoError(
                f"the part was signed by device key {header.device_key_id}, not {device_key_id}"
            )
        aead = AESGCM(part_key(self._content_key, header.clip_id, header.part))
        block = bytes(data[len(parsed.aad) : parsed.body_offset])
        try:
            opened = aead.decrypt(
                nonce(header.nonce_prefix, SIGNATURE_COUNTER, FLAG_SIGNATURE), block, parsed.aad
            )
        except InvalidTag as exc:
            raise CryptoError(
                "the signature block does not authenticate: the header was edited "
                "or the content key is wrong"
            ) from exc
        self._digest, self._signature = opened[:DIGEST_BYTES], opened[DIGEST_BYTES:]
        verify_part_signature(
            self._device_public, aad=parsed.aad, digest=self._digest, signature=self._signature
        )
        self._aead, self._header, self._aad = aead, header, parsed.aad
        return parsed.body_offset

    def _open_chunks(self, sealed: memoryview, count: int, out: io.BytesIO, update: Update) -> None:
        """Open the first ``count`` chunks of ``sealed``, none of them the last, onto ``out``.

        Each batch of chunks is decrypted into a scratch buffer, appended to ``out`` and
        given to ``update``. The buffers take turns, so that none is written again while
        the worker may still be hashing it.
        """
        size = self._chunk_size
        step = size + TAG_BYTES
        batch = max(1, min(count, BATCH_BYTES // size))
        turns = min(SCRATCH_BUFFERS, -(-count // batch))
        scratch = [memoryview(bytearray(batch * size)) for _ in range(turns)]
        for number, first in enumerate(range(0, count, batch)):
            end = min(count, first + batch)
            plain = scratch[number % turns][: (end - first) * size]
            for index in range(first, end):
                at = (index - first) * size
                self._open_chunk(
                    sealed[index * step : (index + 1) * step],
                    last=False,
                    into=plain[at : at + size],
                )
            out.write(plain)
            update(plain)

    def _finish(self, sealed: memoryview, out: io.BytesIO) -> PartSummary:
        """Open the last chunk (``sealed``: all that is left) onto ``out``; check the digest."""
        if not sealed:
            if self._index == 0:
                raise CryptoError("truncated: the file ends before the first chunk")
            raise CryptoError(
                f"truncated: the file ends after chunk {self._index - 1} without the last chunk"
            )
        if len(sealed) < TAG_BYTES:
            raise CryptoError(f"truncated: chunk {self._index} is shorter than its tag")
        plain = bytearray(len(sealed) - TAG_BYTES)
        self._open_chunk(sealed, last=True, into=memoryview(plain))
        self._hash.update(plain)
        out.write(plain)
        self._done = True
        if self._hash.digest() != self._digest:
            raise CryptoError("the decrypted part differs from the digest the device signed")
        assert self._header is not None
        return PartSummary(
            header=self._header, plaintext_sha256=self._digest, device_signature=self._signature
        )

    def _open_chunk(self, sealed: memoryview, *, last: bool, into: memoryview) -> None:
        assert self._aead is not None and self._header is not None
        if self._index >= SIGNATURE_COUNTER:
            raise CryptoError("too many chunks")
        flag = FLAG_LAST if last else FLAG_CHUNK
        plain = into[: len(sealed) - TAG_BYTES]
        try:
            self._aead.decrypt_into(
                nonce(self._header.nonce_prefix, self._index, flag), sealed, self._aad, plain
            )
        except InvalidTag as exc:
            raise CryptoError(self._chunk_failure(sealed, last=last)) from exc
        self._index += 1

    def _chunk_failure(self, sealed: memoryview, *, last: bool) -> str:
        assert self._aead is not None and self._header is not None
        if not last:
            try:
                marker = nonce(self._header.nonce_prefix, self._index, FLAG_LAST)
                self._aead.decrypt(marker, sealed, self._aad)
            except InvalidTag:
                pass
            else:
                return f"trailing data: bytes follow the last chunk ({self._index})"
        else:
            try:
                marker = nonce(self._header.nonce_prefix, self._index, FLAG_CHUNK)
                self._aead.decrypt(marker, sealed, self._aad)
            except InvalidTag:
                pass
            else:
                return f"truncated: the file ends after chunk {self._index}, which is not the last"
        return (
            f"chunk {self._index} does not authenticate: it was edited, reordered, "
            "dropped or spliced from another part"
        )


def open_part(
    sealed: bytes,
    *,
    content_key: bytes,
    clip_id: uuid.UUID,
    part: str,
    device_public: Ed25519PublicKey,
) -> OpenedPart:
    """Open a whole part in memory; nothing is returned unless every check passed."""
    opener = PartOpener(
        content_key=content_key, clip_id=clip_id, part=part, device_public=device_public
    )
    return opener._open_whole(sealed)
