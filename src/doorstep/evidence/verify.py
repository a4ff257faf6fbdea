"""Verify an evidence package offline, file by file; optionally decrypt it with the agency's key.

Checks run in a fixed order and the first failure stops verification with an
:class:`~doorstep.evidence.EvidenceError` naming the file and the check (the rules
for which file is named are in ``docs/evidence.md``):

1. ``hub-key.txt`` is a verifier key (the pinned one, if a key was pinned);
2. ``manifest.sig`` is the hub's signature over the exact bytes of ``manifest.json``;
3. every file the manifest lists is present with its size and SHA-256;
4. no file is in the ZIP that the manifest doesn't list;
5. ``terms.json``, ``keys.json`` and ``custody.json`` parse;
6. every custody entry is proven into the checkpoint, whose signature verifies;
7. a share's ``key-lists.json``: the home's owner-signed key lists chain, each proven
   into the hub's log, and every clip's device key is in the newest
   (``keylist_check``);
8. each sealed part's header (in clear) names the clip, part, camera, times and
   device key the manifest gives;
9. with the agency's key: every clip key unwraps, the clip's sealed attestation opens
   and its device signatures verify over the headers (``attested``), and every part
   opens (each chunk's tag and the device signature) and decrypts to the attested
   digest.
"""

from __future__ import annotations

import hashlib
import os
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.audit.checkpoint import CheckpointError, LogKey
from doorstep.crypto.decrypt import PartOpener
from doorstep.crypto.envelope import clip_subject
from doorstep.crypto.format import HEADER_PROBE_BYTES, PartHeader, b64decode, parse_header
from doorstep.crypto.keylist import KeyList
from doorstep.crypto.keys import ed25519_public, key_id
from doorstep.crypto.unwrap import unwrap_key
from doorstep.errors import CryptoError, InvalidInput
from doorstep.evidence import EvidenceError
from doorstep.evidence.attested import check_attestation
from doorstep.evidence.custody import VerifiedCustody, open_custody
from doorstep.evidence.keylist_check import check_device, check_key_lists
from doorstep.evidence.package import (
    CUSTODY,
    HUB_KEY,
    KEY_LISTS,
    KEYS,
    MANIFEST,
    PLAINTEXT_NAMES,
    SIGNATURE,
    TERMS,
    UNLISTED,
    ClipEntry,
    Manifest,
    PackageKeys,
    hub_key_text,
    parse_json,
    parse_keys,
    parse_manifest,
    signature_text,
)

READ_BYTES = 1 << 20
# manifest.json, keys.json, custody.json ... are read whole; no honest one comes near this.
MAX_METADATA_BYTES = 64 << 20

Progress = Callable[[str], None]
# What reading a damaged member raises.
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


@dataclass(frozen=True)
class PartReport:
    name: str
    file: str
    size: int
    sha256: str
    attested: bool  # the sealed attestation opened and its device signature verified
    plaintext_sha256: str | None
    written_to: Path | None = None


@dataclass(frozen=True)
class ClipReport:
    clip_id: uuid.UUID
    camera_id: uuid.UUID
    started_at: datetime
    ended_at: datetime
    device_key_id: str
    parts: list[PartReport]


@dataclass(frozen=True)
class PackageReport:
    kind: str
    created_at: datetime
    subject: dict[str, Any]
    hub_key: str
    hub_key_pinned: bool
    files: dict[str, dict[str, Any]]
    clips: list[ClipReport]
    custody: VerifiedCustody
    terms: dict[str, Any] | None
    recipient_key_id: str | None
    decrypted: bool
    key_list: KeyList | None  # the newest owner-signed list, for a share
    out_dir: Path | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "verified": True,
            "kind": self.kind,
            "created_at": self.created_at.isoformat(),
            "subject": self.subject,
            "hub_key": self.hub_key,
            "hub_key_pinned": self.hub_key_pinned,
            "files": self.files,
            "terms": self.terms,
            "recipient_key_id": self.recipient_key_id,
            "decrypted": self.decrypted,
            "key_list": (
                {"home_id": str(self.key_list.home_id), "version": self.key_list.version}
                if self.key_list
                else None
            ),
            "out_dir": str(self.out_dir) if self.out_dir else None,
            "clips": [
                {
                    "clip_id": str(clip.clip_id),
                    "camera_id": str(clip.camera_id),
                    "started_at": clip.started_at.isoformat(),
                    "ended_at": clip.ended_at.isoformat(),
                    "device_key_id": clip.device_key_id,
                    "parts": {
                        part.name: {
                            "file": part.file,
                            "size": part.size,
                            "sha256": part.sha256,
                            "attested": part.attested,
                            "plaintext_sha256": part.plaintext_sha256,
                            "written_to": str(part.written_to) if part.written_to else None,
                        }
                        for part in clip.parts
                    },
                }
                for clip in self.clips
            ],
            "custody": {
                "origin": self.custody.checkpoint.origin,
                "checkpoint_size": self.custody.checkpoint.size,
                "entries": [
                    {"index": index, "entry": entry}
                    for index, entry in zip(self.custody.indexes, self.custody.entries, strict=True)
                ],
            },
        }


def verify_package(
    source: str | os.PathLike[str] | BinaryIO,
    *,
    hub_key: LogKey | None = None,
    agency_key: X25519PrivateKey | None = None,
    out_dir: Path | None = None,
    progress: Progress | None = None,
) -> PackageReport:
    """Check the package at ``source``; EvidenceError names the first file that fails.

    With ``hub_key`` the package must be signed by that key (else any key is accepted
    and reported: pin it). With ``agency_key`` every part is decrypted too, and with
    ``out_dir`` the plaintexts are written to ``out_dir/<clip_id>/clip.mp4`` and so on.
    """
    if out_dir is not None and agency_key is None:
        raise InvalidInput("writing the plaintexts out needs the agency's key", field="out_dir")
    with _open_archive(source) as archive:
        return _Verifier(archive, progress or (lambda _message: None)).run(
            hub_key=hub_key, agency_key=agency_key, out_dir=out_dir
        )


@contextmanager
def _open_archive(source: str | os.PathLike[str] | BinaryIO) -> Iterator[zipfile.ZipFile]:
    name = os.fspath(source) if isinstance(source, str | os.PathLike) else "the package"
    # NotImplementedError: a "version needed to extract" no reader has; OSError: a seek
    # before the start of the file.
    try:
        archive = zipfile.ZipFile(source)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        OSError,
        ValueError,
    ) as exc:
        raise EvidenceError(str(name), "zip", f"is not a readable ZIP file ({exc})") from exc
    with archive:
        yield archive


class _Verifier:
    def __init__(self, archive: zipfile.ZipFile, progress: Progress) -> None:
        self._archive = archive
        self._say = progress
        self._members: dict[str, zipfile.ZipInfo] = {}
        for info in archive.infolist():
            if info.filename in self._members:
                raise EvidenceError(info.filename, "duplicate", "is in the ZIP more than once")
            self._members[info.filename] = info

    def run(
        self,
        *,
        hub_key: LogKey | None,
        agency_key: X25519PrivateKey | None,
        out_dir: Path | None,
    ) -> PackageReport:
        log_key = self._hub_key(hub_key)
        manifest = self._manifest(log_key)
        contents = self._check_files(manifest)
        for name in self._members:
            if name not in manifest.files and name not in UNLISTED:
                raise EvidenceError(name, "unlisted", "is in the package but not in the manifest")
        terms = parse_json(contents[TERMS], TERMS) if TERMS in contents else None
        keys = parse_keys(contents[KEYS], manifest) if KEYS in contents else None
        self._say("checking the custody log")
        custody = open_custody(parse_json(contents[CUSTODY], CUSTODY), log_key, source=CUSTODY)
        key_list = None
        if KEY_LISTS in contents:
            self._say("checking the home's owner-signed key lists")
            key_list = check_key_lists(contents[KEY_LISTS], log_key)
            for clip in manifest.clips:
                check_device(clip, key_list)
        headers: dict[str, bytes] = {}
        for clip in manifest.clips:
            headers.update(self._check_parts(clip))
        written: dict[str, Path] = {}
        attested: dict[str, str] = {}
        if agency_key is not None:
            written, attested = self._decrypt(manifest, keys, agency_key, out_dir, headers)
        clips = [
            ClipReport(
                clip_id=clip.clip_id,
                camera_id=clip.camera_id,
                started_at=clip.started_at,
                ended_at=clip.ended_at,
                device_key_id=clip.device_key_id,
                parts=[
                    PartReport(
                        name=part.name,
                        file=part.file,
                        size=manifest.files[part.file]["size"],
                        sha256=manifest.files[part.file]["sha256"],
                        attested=part.file in attested,
                        plaintext_sha256=attested.get(part.file),
                        written_to=written.get(part.file),
                    )
                    for part in clip.parts
                ],
            )
            for clip in manifest.clips
        ]
        return PackageReport(
            kind=manifest.kind,
            created_at=manifest.created_at,
            subject=manifest.subject,
            hub_key=log_key.vkey(),
            hub_key_pinned=hub_key is not None,
            files=manifest.files,
            clips=clips,
            custody=custody,
            terms=terms,
            recipient_key_id=keys.recipient_key_id if keys else None,
            decrypted=agency_key is not None,
            key_list=key_list,
            out_dir=out_dir if agency_key is not None else None,
        )

    # -- 1, 2: the hub's key and its signature over the manifest ----------------------

    def _hub_key(self, pinned: LogKey | None) -> LogKey:
        self._say("checking the hub's key")
        text = self._read_small(HUB_KEY)
        try:
            key = LogKey.from_vkey(text.decode("ascii").removesuffix("\n"))
        except (UnicodeDecodeError, CheckpointError) as exc:
            detail = exc.detail if isinstance(exc, CheckpointError) else "it is not ASCII"
            raise EvidenceError(HUB_KEY, "hub-key", f"is not a verifier key: {detail}") from exc
        if hub_key_text(key) != text:
            raise EvidenceError(
                HUB_KEY, "hub-key", "is not one verifier key on one line, as the hub writes it"
            )
        if pinned is not None and pinned.vkey() != key.vkey():
            raise EvidenceError(
                HUB_KEY, "hub-key", f"not the key you pinned: it holds {key.vkey()}"
            )
        return key

    def _manifest(self, log_key: LogKey) -> Manifest:
        self._say("checking the hub's signature over the manifest")
        manifest = self._read_small(MANIFEST)
        text = self._read_small(SIGNATURE)
        try:
            signature = b64decode(text.decode("ascii").removesuffix("\n"), SIGNATURE)
        except (UnicodeDecodeError, CryptoError) as exc:
            raise EvidenceError(SIGNATURE, "signature", "is not a base64 signature") from exc
        if len(signature) != 64 or signature_text(signature) != text:
            raise EvidenceError(
                SIGNATURE, "signature", "is not one base64 Ed25519 signature on one line"
            )
        try:
            log_key.public_key.verify(signature, manifest)
        except InvalidSignature as exc:
            # Either file may have changed; a well-formed signature can't tell which.
            raise EvidenceError(
                MANIFEST,
                "signature",
                f"the hub's signature ({SIGNATURE}) does not verify over it with the key in "
                f"{HUB_KEY}: {MANIFEST} or {SIGNATURE} was altered",
            ) from exc
        return parse_manifest(manifest)

    # -- 3: every listed file, size and SHA-256 -----------------------------------------

    def _check_files(self, manifest: Manifest) -> dict[str, bytes]:
        """Hash every listed file; returns the contents of the small (non-part) ones."""
        contents: dict[str, bytes] = {}
        for path, expected in manifest.files.items():
            self._say(f"hashing {path}")
            info = self._member(path)
            if info.file_size != expected["size"]:
                raise EvidenceError(
                    path,
                    "size",
                    f"is {info.file_size} bytes, the manifest says {expected['size']}",
                )
            keep = not path.endswith(".sealed")
            if keep and info.file_size > MAX_METADATA_BYTES:
                raise EvidenceError(path, "size", f"is larger than {MAX_METADATA_BYTES} bytes")
            digest, size, data = hashlib.sha256(), 0, bytearray()
            with self._reading(path) as member:
                while chunk := member.read(READ_BYTES):
                    digest.update(chunk)
                    size += len(chunk)
                    if keep:
                        data += chunk
            if size != expected["size"]:
                raise EvidenceError(path, "size", f"holds {size} bytes, the manifest says so many")
            if digest.hexdigest() != expected["sha256"]:
                raise EvidenceError(path, "sha256", "SHA-256 does not match the manifest")
            if keep:
                contents[path] = bytes(data)
        return contents

    # -- 8: headers in clear -------------------------------------------------------------

    def _check_parts(self, clip: ClipEntry) -> dict[str, bytes]:
        """Check each part's header in clear; returns each part file's header (its AAD)."""
        headers = {}
        for part in clip.parts:
            self._say(f"checking {part.file}")
            with self._reading(part.file) as member:
                start = member.read(HEADER_PROBE_BYTES)
            try:
                parsed = parse_header(start)
            except CryptoError as exc:
                raise EvidenceError(part.file, "header", exc.detail) from exc
            _compare_header(parsed.header, clip, part.name, part.file)
            headers[part.file] = parsed.aad
        return headers

    # -- 9: decrypt with the agency's key -------------------------------------------------

    def _decrypt(
        self,
        manifest: Manifest,
        keys: PackageKeys | None,
        agency_key: X25519PrivateKey,
        out_dir: Path | None,
        headers: dict[str, bytes],
    ) -> tuple[dict[str, Path], dict[str, str]]:
        """Decrypt every part; returns the files written and each part's attested digest."""
        if keys is None:
            raise EvidenceError(
                KEYS,
                "keys",
                "is not in this legal-demand package: it holds ciphertext only, which no "
                "key given to an agency opens (every other check passed)",
            )
        mine = key_id(agency_key.public_key())
        if keys.recipient_key_id != mine:
            raise EvidenceError(
                KEYS,
                "keys",
                f"the clip keys are wrapped to key {keys.recipient_key_id}, not to yours ({mine})",
            )
        written: dict[str, Path] = {}
        attested: dict[str, str] = {}
        for clip in manifest.clips:
            try:
                content_key = unwrap_key(
                    keys.keys[clip.clip_id],
                    recipient=agency_key,
                    subject=clip_subject(clip.clip_id),
                )
            except CryptoError as exc:
                raise EvidenceError(KEYS, "keys", f"clip {clip.clip_id}: {exc.detail}") from exc
            attestation = check_attestation(clip, content_key, headers)
            device = ed25519_public(clip.device_public_key)
            for part in clip.parts:
                self._say(f"decrypting {part.file}")
                opener = PartOpener(
                    content_key=content_key,
                    clip_id=clip.clip_id,
                    part=part.name,
                    device_public=device,
                )
                target = None
                if out_dir is not None:
                    target = out_dir / str(clip.clip_id) / PLAINTEXT_NAMES[part.name]
                digest = self._open_part(opener, part.file, target)
                if digest != attestation.parts[part.name].plaintext_sha256:
                    raise EvidenceError(
                        part.file,
                        "plaintext-sha256",
                        "decrypts to plaintext whose SHA-256 is not the one the owner attested",
                    )
                attested[part.file] = digest.hex()
                if target is not None:
                    written[part.file] = target
        return written, attested

    def _open_part(self, opener: PartOpener, path: str, target: Path | None) -> bytes:
        """Decrypt the part into ``target`` (renamed into place only once it all verified)."""
        temporary = target.with_name(f".{target.name}.partial") if target else None
        handle: IO[bytes] | None = None
        try:
            if target is not None and temporary is not None:
                target.parent.mkdir(parents=True, exist_ok=True)
                handle = temporary.open("wb")
            with self._reading(path) as member:
                while chunk := member.read(READ_BYTES):
                    plain = opener.feed(chunk)
                    if handle is not None:
                        handle.write(plain)
            tail, summary = opener.finish()
            if handle is not None and target is not None and temporary is not None:
                handle.write(tail)
                handle.close()
                handle = None
                os.replace(temporary, target)
        except CryptoError as exc:
            raise EvidenceError(path, "decrypt", exc.detail) from exc
        finally:
            if handle is not None:
                handle.close()
            if temporary is not None:
                temporary.unlink(missing_ok=True)
        return summary.plaintext_sha256

    # -- reading members -----------------------------------------------------------------

    def _member(self, path: str) -> zipfile.ZipInfo:
        info = self._members.get(path)
        if info is None:
            raise EvidenceError(path, "present", "is missing from the package")
        return info

    @contextmanager
    def _reading(self, path: str) -> Iterator[IO[bytes]]:
        """Open a member; a damaged one (bad CRC, bad compressed data) names itself."""
        info = self._member(path)
        try:
            # An offset outside the file fails the seek: OSError on disk, ValueError in memory.
            opened = self._archive.open(info)
        except (*_DAMAGED, OSError, ValueError) as exc:
            raise EvidenceError(path, "zip", f"can't be read from the ZIP: {exc}") from exc
        try:
            with opened as member:
                yield member
        except _DAMAGED as exc:
            raise EvidenceError(path, "zip", f"can't be read from the ZIP: {exc}") from exc

    def _read_small(self, path: str) -> bytes:
        if self._member(path).file_size > MAX_METADATA_BYTES:
            raise EvidenceError(path, "size", f"is larger than {MAX_METADATA_BYTES} bytes")
        with self._reading(path) as member:
            data = member.read(MAX_METADATA_BYTES + 1)
        if len(data) > MAX_METADATA_BYTES:
            raise EvidenceError(path, "size", f"is larger than {MAX_METADATA_BYTES} bytes")
        return data


def _compare_header(header: PartHeader, clip: ClipEntry, part: str, path: str) -> None:
    """The header in clear must say what the (signed) manifest says about the part."""
    expected = {
        "clip_id": clip.clip_id,
        "part": part,
        "camera_id": clip.camera_id,
        "started_at": clip.started_at,
        "ended_at": clip.ended_at,
        "device_key_id": clip.device_key_id,
    }
    for name, value in expected.items():
        found = getattr(header, name)
        if found != value:
            raise EvidenceError(
                path, "header", f"the header's {name} is {found}, the manifest says {value}"
            )
