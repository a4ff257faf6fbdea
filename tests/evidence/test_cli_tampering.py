"""`doorstep evidence verify`, the installed command, on a package a real hub built.

A real hub (a child process) takes a request, a resident shares a sealed clip, and the
agency downloads the package with `doorstep agency package`. The untouched package
verifies; each of its files with one byte flipped (inside the file, the ZIP rewritten
with fresh CRCs; and in the archive's bytes), each file removed, an added file, a file
twice and the archive truncated all fail with one readable line that names the file.
So do the lies only the hub could tell, its manifest signed again with its own key: a
key list's signature or log proof broken, lists that don't hold the clip's device, an
altered sealed attestation. Each test's first case runs the installed command; the
others run the same Typer command in this process.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import os
import subprocess
import sys
import uuid
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from doorstep.audit.entries import canonical_json
from doorstep.cli.evidence import app as evidence_app
from doorstep.crypto.keylist import SignedKeyList, parse_list
from doorstep.evidence.package import signature_text
from doorstep.hub.audit.checkpoints import log_private_key
from doorstep.owner.sharing import answer_request
from tests.cli.processes import free_port, run, run_here
from tests.cli.test_agency import file_request, officer_password, signed_in_officer
from tests.edge.hub_process import HubProcess, pair_camera
from tests.evidence.factory import members, rewrite
from tests.owner.test_household import upload

DOORSTEP = Path(sys.executable).parent / "doorstep"
FAILED = "error: evidence package verification failed: "
PACKAGE = "the package's own path"  # what a refusal of the whole archive names
# What a share package holds besides its sealed parts (docs/evidence.md), as data.
METADATA_FILES = {
    "custody.json",
    "hub-key.txt",
    "key-lists.json",
    "keys.json",
    "manifest.json",
    "manifest.sig",
    "terms.json",
}
PARTS = ("clip", "snapshot", "details")
# What a refusal must name: (a file, words of what failed); any one pair of a case's set.
Named = set[tuple[str, str]]
# A byte flipped inside a file listed in the manifest fails its SHA-256; the signed files
# fail the signature (a changed signature can't tell whether it or the manifest changed).
FLIPPED: dict[str, Named] = {
    "manifest.json": {("manifest.json", "does not verify")},
    "manifest.sig": {("manifest.sig", "signature"), ("manifest.json", "does not verify")},
    "hub-key.txt": {("hub-key.txt", "key")},
}
LISTED_FLIPPED = "SHA-256 does not match the manifest"


@dataclass(frozen=True)
class Shared:
    package: bytes
    agency_key: Path
    hub_vkey: str
    clip_id: uuid.UUID
    device_public: bytes
    directory: Path


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    """A clip a resident shared with an agency, and the package the agency downloaded."""
    base = tmp_path_factory.mktemp("cli-tampering")
    hub = HubProcess(data_dir=base / "hub", port=free_port())
    hub.start()
    try:
        camera = pair_camera(hub.url)
        # Over 64 KiB: the clip part is sealed in several chunks.
        clip_id = upload(base, hub, camera, size=150_000)
        config = base / "agency-machine"
        with (
            signed_in_officer(config, hub, officer_password(hub)) as officer,
            camera.owner.api(hub.url) as owner,
        ):
            code, output = run_here(config, "agency", "key")
            assert code == 0, output
            file_request(officer, "CASE-TAMPER-1")
            [entry] = owner.call("GET", "/v1/inbox")["data"]
            share = answer_request(owner, uuid.UUID(entry["id"]), [clip_id], camera.owner.user_key)
        path = base / "downloaded.zip"
        code, output = run(config, "agency", "package", share["id"], "--out", str(path))
        assert code == 0, output
        vkey = httpx.get(f"{hub.url}/v1/audit/key").json()["vkey"]
    finally:
        hub.stop()
    device = camera.device_key.public_key().public_bytes_raw()
    yield Shared(path.read_bytes(), config / "agency.key", vkey, clip_id, device, base)


@dataclass(frozen=True)
class Outcome:
    case: str
    path: Path
    code: int
    stdout: str
    stderr: str


def verify_all(shared: Shared, packages: dict[str, bytes]) -> dict[str, Outcome]:
    """Verify each package: the first with the installed `doorstep evidence verify` in a
    child process (its exit code and stderr as a user sees them), the rest in this process
    through the same Typer command (the same code and streams, without a second of start-up
    each; an exception other than the command's exit is raised, not caught)."""
    folder = shared.directory / f"cases-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    paths = {}
    for number, (case, data) in enumerate(packages.items()):
        paths[case] = folder / f"{number}.zip"
        paths[case].write_bytes(data)

    def arguments(case: str) -> list[str]:
        return [str(paths[case]), "--key", str(shared.agency_key), "--hub-key", shared.hub_vkey]

    first, *rest = packages
    installed = subprocess.run(
        [str(DOORSTEP), "evidence", "verify", *arguments(first)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    code, stdout, stderr = installed.returncode, installed.stdout, installed.stderr
    outcomes = {first: Outcome(first, paths[first], code, stdout, stderr)}
    runner = CliRunner()
    for case in rest:
        result = runner.invoke(
            evidence_app,
            ["verify", *arguments(case)],
            env={"COLUMNS": "200"},
            catch_exceptions=False,
        )
        outcomes[case] = Outcome(case, paths[case], result.exit_code, result.stdout, result.stderr)
    return outcomes


def refusal(outcome: Outcome, named: Named) -> str | None:
    """Why ``outcome`` is not one readable line as ``named`` says; None if it is."""
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    if outcome.code == 0:
        return f"{outcome.case}: verified (exit 0): {outcome.stdout[:300]}"
    if "Traceback" in outcome.stderr or len(lines) != 1 or outcome.stdout:
        return f"{outcome.case}: exit {outcome.code}, not one line:\n{outcome.stderr[-2000:]}"
    if not lines[0].startswith(FAILED):
        return f"{outcome.case}: {lines[0]}"
    file, _, message = lines[0].removeprefix(FAILED).partition(": ")
    for name, words in named:
        if file == (str(outcome.path) if name == PACKAGE else name) and words in message:
            return None
    return f"{outcome.case}: {lines[0]!r} is not any of {sorted(named)}"


def expect_refusals(shared: Shared, cases: dict[str, tuple[bytes, Named]]) -> None:
    outcomes = verify_all(shared, {case: data for case, (data, _) in cases.items()})
    problems = [refusal(outcomes[case], named) for case, (_, named) in cases.items()]
    assert [problem for problem in problems if problem] == []


def package_files(shared: Shared) -> set[str]:
    sealed = {f"clips/{shared.clip_id}/{part}.sealed" for part in PARTS}
    return METADATA_FILES | sealed


def test_the_downloaded_package_verifies_and_holds_the_expected_files(shared: Shared) -> None:
    assert set(members(shared.package)) == package_files(shared)
    outcome = verify_all(shared, {"untouched": shared.package})["untouched"]
    assert outcome.code == 0, outcome.stderr
    assert "verifies" in outcome.stdout and "(pinned)" in outcome.stdout
    assert "yes (nothing written)" in outcome.stdout  # every part was decrypted too


def flip_inside(package: bytes, name: str) -> bytes:
    """One byte of ``name`` flipped, the ZIP rewritten well-formed (CRCs match)."""
    files = members(package)
    data, compression = files[name]
    middle = len(data) // 2
    files[name] = (data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :], compression)
    return rewrite(files)


def flip_in_archive(package: bytes, name: str) -> bytes:
    """One byte flipped in the middle of ``name``'s stored (maybe compressed) bytes."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        info = archive.getinfo(name)
    local = package[info.header_offset : info.header_offset + 30]
    name_length = int.from_bytes(local[26:28], "little")
    extra_length = int.from_bytes(local[28:30], "little")
    at = info.header_offset + 30 + name_length + extra_length + info.compress_size // 2
    return package[:at] + bytes([package[at] ^ 0x01]) + package[at + 1 :]


def test_one_flipped_byte_in_any_file_fails_naming_it(shared: Shared) -> None:
    cases: dict[str, tuple[bytes, Named]] = {}
    for name in sorted(package_files(shared)):
        named = FLIPPED.get(name, {(name, LISTED_FLIPPED)})
        cases[f"{name} flipped"] = (flip_inside(shared.package, name), named)
    # In the archive's bytes: a stored part and a compressed file (their CRCs no longer match).
    for name in (f"clips/{shared.clip_id}/clip.sealed", "keys.json"):
        named = {(name, "can't be read from the ZIP")}
        cases[f"{name} flipped in the archive"] = (flip_in_archive(shared.package, name), named)
    expect_refusals(shared, cases)


def test_a_removed_file_fails_naming_it(shared: Shared) -> None:
    cases: dict[str, tuple[bytes, Named]] = {}
    for name in sorted(package_files(shared)):
        files = members(shared.package)
        del files[name]
        cases[f"{name} removed"] = (rewrite(files), {(name, "is missing from the package")})
    expect_refusals(shared, cases)


def test_an_added_or_doubled_file_and_a_truncated_archive_fail(shared: Shared) -> None:
    package = shared.package
    sealed = f"clips/{shared.clip_id}/clip.sealed"
    extra = f"clips/{shared.clip_id}/extra.sealed"
    added = {**members(package), extra: (members(package)[sealed][0], zipfile.ZIP_STORED)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate name
        doubled = io.BytesIO(package)
        with zipfile.ZipFile(doubled, "a") as archive:
            archive.writestr("custody.json", b'{"checkpoint": "", "entries": []}')
    cases: dict[str, tuple[bytes, Named]] = {
        "a sealed part added": (rewrite(added), {(extra, "not in the manifest")}),
        "custody.json twice": (doubled.getvalue(), {("custody.json", "more than once")}),
    }
    for cut in (len(package) // 2, len(package) - 22):  # the end record cut off
        cases[f"truncated to {cut} bytes"] = (package[:cut], {(PACKAGE, "not a readable ZIP")})
    expect_refusals(shared, cases)


def flip_at(package: bytes, at: int) -> bytes:
    return package[:at] + bytes([package[at] ^ 0x80]) + package[at + 1 :]


def test_a_damaged_directory_or_end_record_fails_readably(shared: Shared) -> None:
    """Bytes of the ZIP's own structure, not of any file: still one line, no traceback."""
    package = shared.package
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        directory = archive.start_dir
    end = len(package) - 22  # the end record (the hub writes no comment)
    assert package[directory : directory + 4] == b"PK\x01\x02"
    assert package[end : end + 4] == b"PK\x05\x06"
    read_fails = {(name, "can't be read from the ZIP") for name in package_files(shared)}
    cases: dict[str, tuple[bytes, Named]] = {
        # The first entry's "version needed to extract" made 128 more: no reader has it.
        "a directory entry's version": (
            flip_at(package, directory + 6),
            {(PACKAGE, "not a readable ZIP")},
        ),
        # The directory's offset made 2 GiB larger: every file is looked for before byte 0.
        "the end record's directory offset": (flip_at(package, end + 19), read_fails),
    }
    expect_refusals(shared, cases)


# The secret the test hub runs with (tests/edge/hub_process.py): the hub's own signing key.
HUB_SIGNING_KEY = log_private_key(b"edge-tests-secret-key-long-enough-0123")


def signed_by_the_hub(package: bytes, changed: dict[str, bytes], **clip_edits: bytes) -> bytes:
    """``changed`` files swapped in (and ``clip_edits`` made to the clip's manifest entry),
    the manifest updated and signed again with the hub's own key: what a lying hub sends."""
    files = members(package)
    manifest = json.loads(files["manifest.json"][0])
    for name, data in changed.items():
        files[name] = (data, files[name][1])
        manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    for field, value in clip_edits.items():
        manifest["clips"][0][field] = base64.b64encode(value).decode()
    body = canonical_json(manifest)
    files["manifest.json"] = (body, files["manifest.json"][1])
    files["manifest.sig"] = (signature_text(HUB_SIGNING_KEY.sign(body)), files["manifest.sig"][1])
    return rewrite(files)


def _lists(shared: Shared) -> list[dict[str, Any]]:
    lists: list[dict[str, Any]] = json.loads(members(shared.package)["key-lists.json"][0])["lists"]
    return lists


def _lists_file(lists: list[dict[str, Any]]) -> dict[str, bytes]:
    return {"key-lists.json": canonical_json({"lists": lists})}


def _flip_b64(text: str, at: int = 3) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[at] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def test_the_lies_only_the_hub_could_sign_fail_naming_what(shared: Shared) -> None:
    lists = _lists(shared)
    listing = [
        parse_list(SignedKeyList.from_json(item)).device(shared.device_public) is not None
        for item in lists
    ]
    assert listing[-1], "the package's newest list holds the clip's device"
    before_device = lists[: listing.index(True)]
    assert before_device, "the home had a list before its device was paired"
    signature_broken = copy.deepcopy(lists)
    signature_broken[-1]["signature"] = _flip_b64(signature_broken[-1]["signature"])
    proof_broken = copy.deepcopy(lists)
    proof_broken[-1]["proof"]["inclusion"][0] = _flip_b64(proof_broken[-1]["proof"]["inclusion"][0])
    manifest = json.loads(members(shared.package)["manifest.json"][0])
    sealed = bytearray(base64.b64decode(manifest["clips"][0]["sealed_attestation"]))
    sealed[30] ^= 0x01
    lists_file = "key-lists.json"
    cases: dict[str, tuple[bytes, Named]] = {
        "a key list's signature broken": (
            signed_by_the_hub(shared.package, _lists_file(signature_broken)),
            {(lists_file, "signed key lists do not verify")},
        ),
        "the device not in the owner's list": (
            signed_by_the_hub(shared.package, _lists_file(before_device)),
            {(lists_file, "is not in the home's owner-signed key list")},
        ),
        "a key list's log proof broken": (
            signed_by_the_hub(shared.package, _lists_file(proof_broken)),
            {(lists_file, "log proof")},
        ),
        "the sealed attestation altered": (
            signed_by_the_hub(shared.package, {}, sealed_attestation=bytes(sealed)),
            {("manifest.json", "does not open with clip")},
        ),
    }
    expect_refusals(shared, cases)
