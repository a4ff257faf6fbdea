"""Build a package, verify it, decrypt it; every altered byte or missing file is named."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.audit.entries import canonical_json
from doorstep.crypto.attestation import (
    Attestation,
    PartAttestation,
    open_attestation,
    seal_attestation,
)
from doorstep.crypto.decrypt import open_part
from doorstep.crypto.format import parse_header
from doorstep.crypto.keys import key_id
from doorstep.crypto.signing import sign_part
from doorstep.errors import InvalidInput
from doorstep.evidence import EvidenceError
from doorstep.evidence.package import (
    CUSTODY,
    HUB_KEY,
    KEY_LISTS,
    KEYS,
    MANIFEST,
    SIGNATURE,
    TERMS,
    PackageClip,
    part_path,
    signature_text,
    write_package,
)
from doorstep.evidence.verify import verify_package
from tests.evidence.factory import (
    NOW,
    Footage,
    Hub,
    build_package,
    custody_for,
    make_footage,
    make_hub,
    members,
    package_clip,
    rewrite,
)


@pytest.fixture(scope="module")
def hub() -> Hub:
    return make_hub()


@pytest.fixture(scope="module")
def agency() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


@pytest.fixture(scope="module")
def footage() -> list[Footage]:
    return [make_footage(0), make_footage(1, clip_bytes=2048)]


@pytest.fixture(scope="module")
def package(hub: Hub, agency: X25519PrivateKey, footage: list[Footage]) -> bytes:
    return build_package(hub, footage, agency=agency)


def refused(package: bytes, **options: object) -> EvidenceError:
    with pytest.raises(EvidenceError) as caught:
        verify_package(io.BytesIO(package), **options)  # type: ignore[arg-type]
    return caught.value


def test_a_package_verifies_and_decrypts_to_the_original_clips(
    hub: Hub, agency: X25519PrivateKey, footage: list[Footage], package: bytes, tmp_path: Path
) -> None:
    seen: list[str] = []
    report = verify_package(
        io.BytesIO(package),
        hub_key=hub.log_key,
        agency_key=agency,
        out_dir=tmp_path,
        progress=seen.append,
    )
    assert report.kind == "share" and report.decrypted and report.hub_key_pinned
    assert report.subject["investigation_code"] == "SPD-2026-0412"
    assert report.terms is not None and report.recipient_key_id == key_id(agency.public_key())
    assert [entry["action"] for entry in report.custody.entries] == [
        "request.created",
        "clip.shared",
        "clip.shared",
    ]
    assert {clip.clip_id for clip in report.clips} == {f.clip_id for f in footage}
    for clip in footage:
        folder = tmp_path / str(clip.clip_id)
        assert (folder / "clip.mp4").read_bytes() == clip.plaintexts["clip"]
        assert (folder / "snapshot.jpg").read_bytes() == clip.plaintexts["snapshot"]
        assert (folder / "details.json").read_bytes() == clip.plaintexts["details"]
    assert not list(tmp_path.rglob(".*"))  # no temporary files left
    assert all(part.attested for clip in report.clips for part in clip.parts)
    assert any("decrypting" in message for message in seen)
    json.dumps(report.as_json())


def test_the_manifest_lists_every_file_and_the_parts_are_stored_as_is(
    footage: list[Footage], package: bytes
) -> None:
    files = members(package)
    manifest = json.loads(files[MANIFEST][0])
    assert set(manifest["files"]) == set(files) - {MANIFEST, SIGNATURE, HUB_KEY}
    assert list(files)[-2:] == [MANIFEST, SIGNATURE]
    for clip in footage:
        for part, sealed in clip.sealed.items():
            data, compression = files[part_path(clip.clip_id, part)]
            assert data == sealed and compression == zipfile.ZIP_STORED
    assert manifest["format"] == "doorstep-evidence/1" and manifest["kind"] == "share"
    assert json.loads(files[KEYS][0])["recipient_key_id"]


def _expect_named(error: EvidenceError, name: str) -> None:
    assert name in error.detail, (name, error.detail)
    if name == SIGNATURE:
        # A well-formed signature that fails can't say which of the two files changed.
        assert error.file in (SIGNATURE, MANIFEST)
    else:
        assert error.file == name, (name, error.detail)


def test_changing_any_byte_of_any_file_is_named(hub: Hub, agency: X25519PrivateKey) -> None:
    package = build_package(hub, [make_footage(0, clip_bytes=1100)], agency=agency)
    files = members(package)
    assert len(files) == 10
    tried = 0
    for name, (data, compression) in files.items():
        for position in range(len(data)):
            for mask in (0x01, 0x80) if position < 2 or name == SIGNATURE else (0x01,):
                changed = bytearray(data)
                changed[position] ^= mask
                altered = rewrite({**files, name: (bytes(changed), compression)})
                _expect_named(refused(altered, agency_key=agency), name)
                tried += 1
    assert tried > 5000


def test_removing_any_file_is_named(package: bytes, agency: X25519PrivateKey) -> None:
    files = members(package)
    for name in files:
        rest = {other: value for other, value in files.items() if other != name}
        error = refused(rewrite(rest), agency_key=agency)
        assert error.file == name and error.check == "present", error.detail


def test_damaged_zip_data_is_named(package: bytes) -> None:
    """Bytes flipped inside the ZIP itself (CRC now wrong) name the file they belong to."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        infos = archive.infolist()
    for info in infos:
        raw = bytearray(package)
        local = info.header_offset
        name_length = int.from_bytes(raw[local + 26 : local + 28], "little")
        extra_length = int.from_bytes(raw[local + 28 : local + 30], "little")
        start = local + 30 + name_length + extra_length
        raw[start + info.compress_size // 2] ^= 0x04
        error = refused(bytes(raw))
        assert error.file == info.filename, (info.filename, error.detail)


def test_an_unlisted_or_duplicated_file_is_named(package: bytes) -> None:
    files = members(package)
    error = refused(rewrite({**files, "notes.txt": (b"hello", zipfile.ZIP_STORED)}))
    assert (error.file, error.check) == ("notes.txt", "unlisted")
    doubled = io.BytesIO(package)
    with (
        pytest.warns(UserWarning, match="Duplicate name"),
        zipfile.ZipFile(doubled, "a") as archive,
    ):
        archive.writestr(TERMS, b"{}")
    error = refused(doubled.getvalue())
    assert (error.file, error.check) == (TERMS, "duplicate")


def test_a_wrong_agency_key_fails_naming_keys_json(package: bytes) -> None:
    error = refused(package, agency_key=X25519PrivateKey.generate())
    assert error.file == KEYS and "not to yours" in error.detail


def test_a_key_wrapped_for_another_clip_fails_naming_keys_json(
    hub: Hub, package: bytes, agency: X25519PrivateKey
) -> None:
    """keys.json re-signed by the hub, with one clip's key swapped for the other's."""
    files = members(package)
    keys = json.loads(files[KEYS][0])
    first, second = sorted(keys["keys"])
    keys["keys"][first], keys["keys"][second] = keys["keys"][second], keys["keys"][first]
    resigned = _resigned(hub, files, {KEYS: json.dumps(keys).encode()})
    error = refused(resigned, agency_key=agency)
    assert error.file == KEYS and "does not open" in error.detail


def _resigned(hub: Hub, files: dict[str, tuple[bytes, int]], changed: dict[str, bytes]) -> bytes:
    """The package with ``changed`` files, its manifest updated and signed again by the hub."""
    manifest = json.loads(files[MANIFEST][0])
    out = dict(files)
    for name, data in changed.items():
        out[name] = (data, files[name][1])
        manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    signed = canonical_json(manifest)
    out[MANIFEST] = (signed, files[MANIFEST][1])
    out[SIGNATURE] = (signature_text(hub.signing_key.sign(signed)), files[SIGNATURE][1])
    return rewrite(out)


def test_a_package_resigned_by_another_key_fails_only_when_the_key_is_pinned(
    hub: Hub, agency: X25519PrivateKey, footage: list[Footage]
) -> None:
    forger = make_hub(hub.log_key.name)
    forged = build_package(forger, footage, agency=agency)
    assert verify_package(io.BytesIO(forged)).hub_key == forger.log_key.vkey()
    error = refused(forged, hub_key=hub.log_key)
    assert error.file == HUB_KEY and "not the key you pinned" in error.detail


def test_the_hub_can_not_swap_in_a_part_of_another_clip(
    hub: Hub, agency: X25519PrivateKey, footage: list[Footage]
) -> None:
    first, second = footage
    clip = package_clip(first, kind="share", agency=agency)
    other = package_clip(second, kind="share", agency=agency)
    parts = [
        other.parts[i] if part.name == "snapshot" else part for i, part in enumerate(clip.parts)
    ]
    swapped = PackageClip(**{**clip.__dict__, "parts": parts})
    package = build_package(hub, [first], agency=agency, package_clips=[swapped])
    error = refused(package)
    assert error.file == part_path(first.clip_id, "snapshot") and error.check == "header"


def _with_attestation(clip: PackageClip, sealed: bytes) -> PackageClip:
    return PackageClip(**{**clip.__dict__, "sealed_attestation": sealed})


def test_an_altered_or_swapped_attestation_is_named(
    hub: Hub, agency: X25519PrivateKey, footage: list[Footage]
) -> None:
    first, second = footage
    clip = package_clip(first, kind="share", agency=agency)
    assert clip.sealed_attestation is not None
    flipped = bytearray(clip.sealed_attestation)
    flipped[20] ^= 1
    others = package_clip(second, kind="share", agency=agency).sealed_attestation
    assert others is not None
    for sealed in (bytes(flipped), others):
        altered = _with_attestation(clip, sealed)
        package = build_package(hub, [first], agency=agency, package_clips=[altered])
        assert verify_package(io.BytesIO(package)).kind == "share"  # sealed: no key, no check
        error = refused(package, agency_key=agency)
        assert (error.file, error.check) == (MANIFEST, "attestation"), error.detail
        assert "does not open with clip" in error.detail


def test_a_false_attestation_sealed_with_the_clip_key_is_named(
    hub: Hub, agency: X25519PrivateKey, footage: list[Footage]
) -> None:
    """Whoever holds the clip key could seal a false digest: its signature then fails."""
    clip = package_clip(footage[0], kind="share", agency=agency)
    assert clip.sealed_attestation is not None
    true = open_attestation(
        clip.sealed_attestation, content_key=footage[0].content_key, clip_id=footage[0].clip_id
    )
    lying = {**true.parts, "clip": PartAttestation(bytes(32), true.parts["clip"].device_signature)}
    # A device that signed a second digest for the same header: the decryption tells.
    aad = parse_header(footage[0].sealed["clip"]).aad
    twice = sign_part(footage[0].device_key, aad=aad, digest=bytes(32))
    signed_twice = {**true.parts, "clip": PartAttestation(bytes(32), twice)}
    cases = {
        "a false digest": (Attestation(true.device_key_id, lying), "device-signature"),
        "a second digest signed": (
            Attestation(true.device_key_id, signed_twice),
            "plaintext-sha256",
        ),
        "another device": (Attestation("ab" * 16, true.parts), "attestation"),
        "a part left out": (
            Attestation(true.device_key_id, {"clip": true.parts["clip"]}),
            "attestation",
        ),
    }
    for case, (attestation, check) in cases.items():
        sealed = seal_attestation(
            attestation, content_key=footage[0].content_key, clip_id=footage[0].clip_id
        )
        altered = _with_attestation(clip, sealed)
        package = build_package(hub, [footage[0]], agency=agency, package_clips=[altered])
        error = refused(package, agency_key=agency)
        assert error.check == check, (case, error.detail)
        if check != "attestation":
            assert error.file == part_path(footage[0].clip_id, "clip")


def test_the_receipt_and_manifest_hold_no_plaintext_digest_or_device_signature(
    footage: list[Footage], package: bytes
) -> None:
    """What the hub can read of a share package says nothing about the plaintext."""
    files = members(package)
    readable = b"".join(data for name, (data, _) in files.items() if not name.endswith(".sealed"))
    for clip in footage:
        for part, sealed in clip.sealed.items():
            summary = open_part(
                sealed,
                content_key=clip.content_key,
                clip_id=clip.clip_id,
                part=part,
                device_public=clip.device_key.public_key(),
            ).summary
            assert summary.plaintext_sha256 == hashlib.sha256(clip.plaintexts[part]).digest()
            for secret in (summary.plaintext_sha256, summary.device_signature):
                assert secret.hex().encode() not in readable
                assert base64.b64encode(secret) not in readable
    manifest = json.loads(files[MANIFEST][0])
    for entry in manifest["clips"]:
        assert set(entry["parts"]["clip"]) == {"file"}
        assert entry["sealed_attestation"]


def test_a_demand_package_has_no_keys_and_no_attestations_and_verifies(
    hub: Hub, footage: list[Footage]
) -> None:
    package = build_package(hub, footage, kind="demand")
    files = members(package)
    assert KEYS not in files and TERMS not in files and KEY_LISTS not in files
    assert CUSTODY in files
    manifest = json.loads(files[MANIFEST][0])
    assert all(clip["sealed_attestation"] is None for clip in manifest["clips"])
    report = verify_package(io.BytesIO(package), hub_key=hub.log_key)
    assert report.kind == "demand" and not report.decrypted and report.terms is None
    assert not any(part.attested for clip in report.clips for part in clip.parts)
    assert [entry["action"] for entry in report.custody.entries] == [
        "demand.recorded",
        "demand.served",
    ]
    error = refused(package, agency_key=X25519PrivateKey.generate())
    assert error.file == KEYS


def test_verify_reads_a_package_from_a_path(
    package: bytes, tmp_path: Path, agency: X25519PrivateKey
) -> None:
    path = tmp_path / "package.zip"
    path.write_bytes(package)
    assert verify_package(path, agency_key=agency).decrypted
    path.write_bytes(b"not a zip at all")
    with pytest.raises(EvidenceError, match="not a readable ZIP"):
        verify_package(path)


class _Unseekable(io.RawIOBase):
    """A pipe: write only, no tell or seek (a streamed HTTP response)."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, chunk: object) -> int:
        data = bytes(chunk)  # type: ignore[call-overload]
        self.data += data
        return len(data)


def test_a_package_streams_to_an_unseekable_output(
    hub: Hub, agency: X25519PrivateKey, footage: list[Footage]
) -> None:
    out = _Unseekable()
    clips = [package_clip(f, kind="share", agency=agency) for f in footage]
    custody, key_lists = custody_for(hub, "share", footage, key_id(agency.public_key()))
    write_package(
        out,  # type: ignore[arg-type]
        kind="share",
        subject={"request_id": "r"},
        terms={"purpose": "p"},
        recipient_key_id=key_id(agency.public_key()),
        clips=clips,
        custody=custody,
        key_lists=key_lists,
        signing_key=hub.signing_key,
        log_key=hub.log_key,
        created_at=NOW,
    )
    assert verify_package(io.BytesIO(bytes(out.data)), agency_key=agency).decrypted


def test_write_package_refuses_arguments_that_do_not_fit_the_kind(
    hub: Hub, agency: X25519PrivateKey, footage: list[Footage]
) -> None:
    share = [package_clip(f, kind="share", agency=agency) for f in footage]
    demand = [package_clip(f, kind="demand", agency=None) for f in footage]
    custody, _ = custody_for(hub, "demand", footage, "")
    _, key_lists = custody_for(hub, "share", footage, key_id(agency.public_key()))
    base = {
        "subject": {},
        "custody": custody,
        "signing_key": hub.signing_key,
        "log_key": hub.log_key,
        "created_at": NOW,
    }
    no_attestation = [PackageClip(**{**share[0].__dict__, "sealed_attestation": None})]
    bad: list[dict[str, object]] = [
        {"kind": "demand", "terms": None, "recipient_key_id": None, "clips": share},
        {"kind": "share", "terms": {}, "recipient_key_id": "x", "clips": share},
        {
            "kind": "share",
            "terms": {},
            "recipient_key_id": "x",
            "clips": no_attestation,
            "key_lists": key_lists,
        },
        {
            "kind": "demand",
            "terms": None,
            "recipient_key_id": None,
            "clips": demand,
            "key_lists": key_lists,
        },
        {"kind": "share", "terms": {}, "recipient_key_id": "x", "clips": demand},
        {"kind": "share", "terms": None, "recipient_key_id": "x", "clips": share},
        {"kind": "demand", "terms": None, "recipient_key_id": None, "clips": []},
        {"kind": "demand", "terms": None, "recipient_key_id": None, "clips": demand * 2},
        {"kind": "other", "terms": None, "recipient_key_id": None, "clips": demand},
        {
            "kind": "demand",
            "terms": None,
            "recipient_key_id": None,
            "clips": demand,
            "signing_key": make_hub().signing_key,
        },
    ]
    for arguments in bad:
        with pytest.raises(InvalidInput):
            write_package(io.BytesIO(), **{**base, **arguments})  # type: ignore[arg-type]


def test_the_signature_file_must_be_one_base64_line(package: bytes) -> None:
    files = members(package)
    signature = files[SIGNATURE][0]
    for text in (signature.strip(), b" " + signature, base64.b64encode(b"x" * 63) + b"\n"):
        error = refused(rewrite({**files, SIGNATURE: (text, zipfile.ZIP_DEFLATED)}))
        assert error.file == SIGNATURE


def test_a_signed_custody_log_whose_proof_fails_names_custody_json(
    hub: Hub, package: bytes
) -> None:
    files = members(package)
    custody = json.loads(files[CUSTODY][0])
    custody["entries"][0]["index"] += 1
    error = refused(_resigned(hub, files, {CUSTODY: json.dumps(custody).encode()}))
    assert (error.file, error.check) == (CUSTODY, "custody"), error.detail
