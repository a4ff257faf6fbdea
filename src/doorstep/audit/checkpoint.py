"""Signed checkpoints (tree heads) of the audit log, in the C2SP formats, pure functions.

Formats, read from the specifications:

- C2SP signed-note, https://c2sp.org/signed-note: a note is a text ending in a newline,
  a blank line, then one or more signature lines ``— <key name> <base64(key ID ‖ sig)>``
  (U+2014 em dash, space). The whole note is UTF-8 with no control characters but
  newline. The key ID of an Ed25519 key (signature type 0x01) is the first four bytes,
  big-endian, of ``SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)``; the signature
  is Ed25519 (RFC 8032) over the note text, final newline included.
- C2SP tlog-checkpoint, https://c2sp.org/tlog-checkpoint: the note text is the origin,
  the tree size in decimal without leading zeros, the base64 root hash, then optional
  non-empty extension lines, one a line. We emit none but keep those we read.
- Verifier keys ``<name>+<8 hex digits key ID>+<base64(0x01 ‖ public key)>`` and the
  parsing rules follow Go's reference implementation, golang.org/x/mod/sumdb/note
  (its note_test.go vectors are in our tests, byte for byte).

Verification (:func:`open_note`) follows the spec's rules: signatures by unknown keys
(witness cosignatures, a rotated key) are ignored but must be well formed; a note with
more than 100 signatures is refused; a signature matching the key by name *and* key ID
must verify, and at least one must. Unlike Go, which checks only the first signature by
a known key, every distinct signature by the key must verify (identical repeated lines
count once), as the spec says a signature by a known key MUST be verified.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from doorstep.errors import DoorstepError

ALG_ED25519 = 0x01
MAX_SIGNATURES = 100
MAX_TREE_SIZE = 2**63 - 1  # a signed 64-bit integer, the database's BIGINT
SIG_PREFIX = "\u2014 "  # em dash, space

_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_DECIMAL = re.compile(r"[0-9]+")
_KEY_HASH = re.compile(r"[0-9a-fA-F]{8}")


class CheckpointError(DoorstepError):
    """A note or checkpoint is malformed, unsigned by the key, or does not verify."""

    code = "checkpoint_error"


def _b64decode(text: str, what: str, *, canonical: bool = False) -> bytes:
    """Standard base64 with padding (RFC 4648 §4), nothing else accepted."""
    if not _BASE64.fullmatch(text):
        raise CheckpointError(f"{what} is not base64")
    raw = base64.b64decode(text)
    if canonical and base64.b64encode(raw).decode("ascii") != text:
        raise CheckpointError(f"{what} is not in canonical base64")
    return raw


def _b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def is_valid_key_name(name: str) -> bool:
    """Non-empty, no Unicode spaces, no plus (signed-note), and no control characters."""
    return (
        name != ""
        and "+" not in name
        and not any(c.isspace() or c < " " for c in name)
        and _is_utf8(name)
    )


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return True


def key_hash(name: str, public_key: Ed25519PublicKey) -> int:
    """The signed-note key ID of an Ed25519 key: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4]."""
    material = bytes([ALG_ED25519]) + public_key.public_bytes_raw()
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + material).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(frozen=True)
class LogKey:
    """The public side of a log's Ed25519 key, with the key name its signatures carry."""

    name: str
    public_key: Ed25519PublicKey

    def __post_init__(self) -> None:
        if not is_valid_key_name(self.name):
            raise CheckpointError(f"key name {self.name!r} is empty or has a space or a '+'")

    @property
    def key_hash(self) -> int:
        return key_hash(self.name, self.public_key)

    def vkey(self) -> str:
        """The verifier key, ``<name>+<key ID hex>+<base64(0x01 ‖ public key)>``."""
        material = bytes([ALG_ED25519]) + self.public_key.public_bytes_raw()
        return f"{self.name}+{self.key_hash:08x}+{_b64encode(material)}"

    @classmethod
    def from_vkey(cls, text: str) -> LogKey:
        name, _, rest = text.partition("+")
        hash_hex, _, material_b64 = rest.partition("+")
        if not is_valid_key_name(name):
            raise CheckpointError(f"verifier key {text!r}: the name is empty or malformed")
        if not _KEY_HASH.fullmatch(hash_hex):
            raise CheckpointError(f"verifier key {text!r}: the key ID is not 8 hex digits")
        material = _b64decode(material_b64, f"verifier key {text!r}: the key")
        if not material:
            raise CheckpointError(f"verifier key {text!r}: the key is empty")
        expected = hashlib.sha256(name.encode("utf-8") + b"\n" + material).digest()[:4]
        if int(hash_hex, 16) != int.from_bytes(expected, "big"):
            raise CheckpointError(f"verifier key {text!r}: the key ID does not match the key")
        if material[0] != ALG_ED25519:
            raise CheckpointError(
                f"verifier key {text!r}: unknown algorithm {material[0]:#04x}, not Ed25519 (0x01)"
            )
        if len(material) != 33:
            raise CheckpointError(
                f"verifier key {text!r}: an Ed25519 key is 32 bytes, not {len(material) - 1}"
            )
        return cls(name=name, public_key=Ed25519PublicKey.from_public_bytes(material[1:]))


def generate_log_key(name: str) -> tuple[Ed25519PrivateKey, LogKey]:
    private_key = Ed25519PrivateKey.generate()
    return private_key, LogKey(name=name, public_key=private_key.public_key())


def _check_text(text: str, what: str) -> None:
    if not _is_utf8(text):
        raise CheckpointError(f"{what} is not valid UTF-8")
    if "\r" in text:
        raise CheckpointError(f"{what} contains a carriage return (CRLF line ends?)")
    for c in text:
        if c < " " and c != "\n":
            raise CheckpointError(f"{what} contains the control character {c!r}")


def sign_note(text: str, *, name: str, private_key: Ed25519PrivateKey) -> str:
    """A signed note: ``text``, a blank line and one Ed25519 signature line by ``name``."""
    _check_text(text, "note text")
    if not text.endswith("\n"):
        raise CheckpointError("note text does not end with a newline")
    if not is_valid_key_name(name):
        raise CheckpointError(f"key name {name!r} is empty or has a space or a '+'")
    kid = key_hash(name, private_key.public_key()).to_bytes(4, "big")
    signature = private_key.sign(text.encode("utf-8"))
    return f"{text}\n{SIG_PREFIX}{name} {_b64encode(kid + signature)}\n"


def _split_note(note: str) -> tuple[str, list[tuple[str, int, bytes, str]]]:
    """The note's text and its signatures (name, key ID, signature, line), well formed."""
    _check_text(note, "note")
    if not note.endswith("\n"):
        raise CheckpointError("note does not end with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise CheckpointError("note has no blank line before the signatures")
    text, block = note[: split + 1], note[split + 2 :]
    lines = block.split("\n")[:-1]
    if not lines:
        raise CheckpointError("note has no signature lines after the blank line")
    if len(lines) > MAX_SIGNATURES:
        raise CheckpointError(f"note has {len(lines)} signatures, more than {MAX_SIGNATURES}")
    signatures: list[tuple[str, int, bytes, str]] = []
    for number, line in enumerate(lines, start=1):
        if not line.startswith(SIG_PREFIX):
            raise CheckpointError(f"signature line {number} does not start with '— '")
        name, _, b64 = line[len(SIG_PREFIX) :].partition(" ")
        if not is_valid_key_name(name):
            raise CheckpointError(f"signature line {number}: the key name is malformed")
        if not b64:
            raise CheckpointError(f"signature line {number} has no signature")
        raw = _b64decode(b64, f"signature line {number}")
        if len(raw) < 5:
            raise CheckpointError(f"signature line {number} is too short")
        signatures.append((name, int.from_bytes(raw[:4], "big"), raw[4:], line))
    return text, signatures


def open_note(note: str | bytes, *, key: LogKey) -> str:
    """The text of a signed note after checking it is well formed and signed by ``key``."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CheckpointError("note is not valid UTF-8") from exc
    text, signatures = _split_note(note)
    kid = key.key_hash
    mine = {line: sig for name, hash_, sig, line in signatures if (name, hash_) == (key.name, kid)}
    if not mine:
        others = sorted({f"{h:08x}" for n, h, _, _ in signatures if n == key.name})
        hint = f" (only by other keys of that name: {', '.join(others)})" if others else ""
        raise CheckpointError(f"no signature by {key.name}+{kid:08x}{hint}")
    message = text.encode("utf-8")
    for signature in mine.values():
        try:
            key.public_key.verify(signature, message)
        except InvalidSignature as exc:
            raise CheckpointError(f"signature by {key.name} does not verify") from exc
    return text


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: the log's origin, its size and its RFC 9162 root hash."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise CheckpointError("checkpoint origin is empty or has a newline")
        if isinstance(self.size, bool) or not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointError(f"tree size {self.size!r} is out of range")
        if len(self.root) != 32:
            raise CheckpointError(f"root hash is {len(self.root)} bytes, not 32")
        for line in self.extensions:
            if not line or "\n" in line:
                raise CheckpointError("checkpoint extension line is empty or has a newline")

    def body(self) -> bytes:
        """The note text, ``origin\\nsize\\nbase64(root)\\n`` and the extension lines."""
        lines = [self.origin, str(self.size), _b64encode(self.root), *self.extensions]
        return "".join(f"{line}\n" for line in lines).encode("utf-8")


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint body (the note text); does not check any signature."""
    if not text.endswith("\n"):
        raise CheckpointError("checkpoint does not end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError(
            f"checkpoint has {len(lines)} lines, not at least 3 (origin, tree size, root hash)"
        )
    for number, line in enumerate(lines, start=1):
        if not line:
            raise CheckpointError(f"checkpoint line {number} is empty")
    origin, size_text, root_text, *extensions = lines
    if not _DECIMAL.fullmatch(size_text):
        raise CheckpointError(f"tree size {size_text!r} is not a number")
    if size_text != "0" and size_text.startswith("0"):
        raise CheckpointError(f"tree size {size_text!r} has leading zeros")
    if len(size_text) > 19 or int(size_text) > MAX_TREE_SIZE:
        raise CheckpointError(f"tree size {size_text!r} is too large")
    root = _b64decode(root_text, "root hash", canonical=True)
    if len(root) != 32:
        raise CheckpointError(f"root hash is {len(root)} bytes, not 32")
    return Checkpoint(origin=origin, size=int(size_text), root=root, extensions=tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, *, name: str, private_key: Ed25519PrivateKey) -> str:
    """The checkpoint as a signed note, signed by ``private_key`` under key name ``name``."""
    return sign_note(checkpoint.body().decode("utf-8"), name=name, private_key=private_key)


def open_checkpoint(note: str | bytes, *, key: LogKey, origin: str | None = None) -> Checkpoint:
    """Verify a signed checkpoint by ``key`` and parse it; ``origin``, if given, must match."""
    checkpoint = parse_checkpoint(open_note(note, key=key))
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(
            f"checkpoint origin {checkpoint.origin!r} is not the expected {origin!r}"
        )
    return checkpoint
