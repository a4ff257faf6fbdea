"""Open a sealed part, whole or chunk by chunk. For the owner's client, never the hub.

:class:`PartOpener` takes bytes as they arrive and hands back plaintext as each chunk
authenticates, so playback can start early; :meth:`PartOpener.finish` then checks that
nothing was cut off and that the plaintext matches what the device signed. Until
``finish`` returns, what was handed out must be treated as unverified.
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
        """Take the next bytes of the part; return the plaintext they completed."""
        out = io.BytesIO()
        self._feed_into(data, out)
        return out.getvalue()

    def _feed_into(self, data: bytes, out: io.BytesIO) -> None:
        """Append to ``out`` the plaintext of the chunks ``data`` completes.

        Chunks are opened straight from ``data``: only the header and a chunk split
        across two calls go through the buffer, so a whole part is not copied first.
        """
        if self._done:
            raise CryptoError("the part was already finished")
        rest = memoryview(data)
        if self._aead is None:
            take = max(0, START_BYTES - len(self._buffer))
            self._buffer += rest[:take]
            rest = rest[take:]
            if not self._start():
                return  # fewer than START_BYTES so far, so ``rest`` is empty
        step = self._chunk_size + TAG_BYTES
        plain = memoryview(bytearray(self._chunk_size))
        # A chunk is surely not the last one while more bytes follow it.
        if self._buffer:
            fill = -len(self._buffer) % step  # what completes the buffer's last chunk
            self._buffer += rest[:fill]
            rest = rest[fill:]
            count = len(self._buffer) // step if rest else (len(self._buffer) - 1) // step
            self._open_chunks(self._buffer, count, plain, out)
            del self._buffer[: count * step]
        if not self._buffer:
            count = max(0, (len(rest) - 1) // step)
            self._open_chunks(rest, count, plain, out)
            self._buffer += rest[count * step :]

    def _open_chunks(
        self, sealed: bytearray | memoryview, count: int, plain: memoryview, out: io.BytesIO
    ) -> None:
        """Open the first ``count`` chunks of ``sealed``, none of them the last."""
        step = self._chunk_size + TAG_BYTES
        with memoryview(sealed) as view:
            for index in range(count):
                self._open_chunk(view[index * step : (index + 1) * step], last=False, into=plain)
                out.write(plain)

    def finish(self) -> tuple[bytes, PartSummary]:
        """Open the last chunk and check the whole part; CryptoError names what failed.

        Returns the last chunk's plaintext and what the part proves.
        """
        out = io.BytesIO()
        summary = self._finish_into(out)
        return out.getvalue(), summary

    def _finish_into(self, out: io.BytesIO) -> PartSummary:
        if self._aead is None and not self._start():
            raise CryptoError("truncated: the file ends before the first chunk")
        if not self._buffer:
            if self._index == 0:
                raise CryptoError("truncated: the file ends before the first chunk")
            raise CryptoError(
                f"truncated: the file ends after chunk {self._index - 1} without the last chunk"
            )
        if len(self._buffer) < TAG_BYTES:
            raise CryptoError(f"truncated: chunk {self._index} is shorter than its tag")
        tail = bytearray(len(self._buffer) - TAG_BYTES)
        with memoryview(self._buffer) as view:
            self._open_chunk(view, last=True, into=memoryview(tail))
        out.write(tail)
        self._buffer.clear()
        self._done = True
        if self._hash.digest() != self._digest:
            raise CryptoError("the decrypted part differs from the digest the device signed")
        assert self._header is not None
        summary = PartSummary(
            header=self._header, plaintext_sha256=self._digest, device_signature=self._signature
        )
        return summary

    @property
    def _chunk_size(self) -> int:
        assert self._header is not None
        return self._header.chunk_size

    def _start(self) -> bool:
        """Parse the header and check the signature block once enough bytes are in."""
        if len(self._buffer) < PREAMBLE.size:
            return False
        end = header_length(bytes(self._buffer[: PREAMBLE.size]))
        if len(self._buffer) < end:
            return False
        parsed = parse_header(bytes(self._buffer[:end]))
        if len(self._buffer) < parsed.body_offset:
            return False
        header = parsed.header
        if header.clip_id != self._clip_id:
            raise CryptoError(f"the part belongs to clip {header.clip_id}, not {self._clip_id}")
        if header.part != self._part:
            raise CryptoError(f"the part is a {header.part}, not a {self._part}")
        if header.device_key_id != key_id(self._device_public):
            raise CryptoError(
                f"the part was signed by device key {header.device_key_id}, "
                f"not {key_id(self._device_public)}"
            )
        aead = AESGCM(part_key(self._content_key, header.clip_id, header.part))
        block = bytes(self._buffer[len(parsed.aad) : parsed.body_offset])
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
        del self._buffer[: parsed.body_offset]
        return True

    def _open_chunk(self, sealed: memoryview, *, last: bool, into: memoryview) -> None:
        assert self._aead is not None and self._header is not None
        prefix = self._header.nonce_prefix
        if self._index >= SIGNATURE_COUNTER:
            raise CryptoError("too many chunks")
        flag = FLAG_LAST if last else FLAG_CHUNK
        plain = into[: len(sealed) - TAG_BYTES]
        try:
            self._aead.decrypt_into(nonce(prefix, self._index, flag), sealed, self._aad, plain)
        except InvalidTag as exc:
            raise CryptoError(self._chunk_failure(sealed, last=last)) from exc
        self._hash.update(plain)
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
    # One buffer for the whole plaintext: BytesIO.getvalue() hands it over without a copy.
    out = io.BytesIO()
    opener._feed_into(sealed, out)
    summary = opener._finish_into(out)
    return OpenedPart(summary=summary, plaintext=out.getvalue())
