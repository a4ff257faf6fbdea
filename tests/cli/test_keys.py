"""`doorstep login` and `doorstep keys ...` against a real hub, and tampered clips refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from doorstep.crypto.tampering import flip, forge_signature, split
from doorstep.owner.api import HubApi
from doorstep.owner.credentials import Credentials, save_credentials, save_user_key
from doorstep.owner.keys import clip_access
from tests.edge.hub_process import OWNER, HubProcess, pair_camera
from tests.owner.test_household import MEMBER, register, upload

PASSPHRASE = "a long passphrase for tests"


def run(config: Path, *arguments: str, **env: str) -> tuple[int, str]:
    """The real command in a child process: its exit code, and stdout and stderr together."""
    result = subprocess.run(
        [sys.executable, "-m", "doorstep", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DOORSTEP_CONFIG_DIR": str(config), "COLUMNS": "200", **env},
    )
    return result.returncode, result.stdout + result.stderr


def test_generate_show_and_recover_on_a_new_machine(tmp_path: Path, hub: HubProcess) -> None:
    register(hub.url, MEMBER).__exit__()
    laptop, phone = tmp_path / "laptop", tmp_path / "phone"
    for machine in (laptop, phone):
        code, output = run(
            machine,
            "login",
            "--hub",
            hub.url,
            "--email",
            MEMBER["email"],
            DOORSTEP_PASSWORD=MEMBER["password"],
        )
        assert code == 0, output
        assert ((machine / "credentials.json").stat().st_mode & 0o777) == 0o600
    code, output = run(laptop, "keys", "generate", DOORSTEP_PASSPHRASE=PASSPHRASE)
    assert code == 0, output
    assert ((laptop / "user-key.pem").stat().st_mode & 0o777) == 0o600
    code, shown = run(laptop, "keys", "show", "--json")
    assert code == 0, shown
    fingerprint = json.loads(shown)["key"]
    assert fingerprint.replace(" ", "") in output.replace(" ", "")
    code, output = run(phone, "keys", "recover", DOORSTEP_PASSPHRASE="wrong passphrase")
    assert code != 0
    assert "passphrase does not open" in output and len(output.strip().splitlines()) == 1
    assert not (phone / "user-key.pem").exists()
    code, output = run(phone, "keys", "recover", DOORSTEP_PASSPHRASE=PASSPHRASE)
    assert code == 0, output
    assert (phone / "user-key.pem").read_bytes() == (laptop / "user-key.pem").read_bytes()


def test_login_with_a_wrong_password_is_one_line(tmp_path: Path, hub: HubProcess) -> None:
    code, output = run(
        tmp_path, "login", "--hub", hub.url, "--email", OWNER["email"], DOORSTEP_PASSWORD="nope"
    )
    assert code != 0 and "sign-in refused" in output
    code, output = run(tmp_path / "empty", "keys", "show")
    assert code != 0 and "not signed in" in output


Tamper = Callable[[bytes, bytes], bytes]


def _swap(sealed: bytes, key: bytes) -> bytes:
    aad, block, chunks = split(sealed)
    return aad + block + chunks[1] + chunks[0] + b"".join(chunks[2:])


def _drop(sealed: bytes, key: bytes) -> bytes:
    aad, block, chunks = split(sealed)
    return aad + block + chunks[0] + b"".join(chunks[2:])


def _truncate(sealed: bytes, key: bytes) -> bytes:
    aad, block, chunks = split(sealed)
    return aad + block + b"".join(chunks[:-1])


TAMPERING: dict[str, tuple[Tamper, str]] = {
    "flipped byte": (lambda sealed, key: flip(sealed, len(sealed) // 2), "does not authenticate"),
    "truncated": (_truncate, "truncated"),
    "swapped chunks": (_swap, "chunk 0 does not authenticate"),
    "dropped chunk": (_drop, "chunk 1 does not authenticate"),
    "header edited": (
        lambda sealed, key: sealed.replace(b'"chunk_size":65536', b'"chunk_size":65537', 1),
        "signature block does not authenticate",
    ),
    "bad device signature": (forge_signature, "device signature does not verify"),
}


@pytest.fixture
def recorded(
    tmp_path: Path, hub: HubProcess, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, uuid.UUID, bytes, bytes]:
    """The owner's CLI, signed in with a token, and a 200 KB clip recorded by their edge."""
    camera = pair_camera(hub.url)
    clip_id = upload(tmp_path, hub, camera, size=200_000)
    with camera.owner.api(hub.url) as api:
        content_key = clip_access(api, clip_id, camera.owner.user_key).content_key
        sealed = api.download(f"/v1/clips/{clip_id}/parts/clip")
    config = tmp_path / "owner"
    monkeypatch.setenv("DOORSTEP_CONFIG_DIR", str(config))
    save_credentials(Credentials(hub=hub.url, token=camera.owner.token))
    save_user_key(camera.owner.user_key)
    return config, clip_id, sealed, content_key


def test_decrypt_writes_the_verified_clip(recorded: tuple[Path, uuid.UUID, bytes, bytes]) -> None:
    config, clip_id, _, _ = recorded
    out = config / "clip.bin"
    code, output = run(config, "keys", "decrypt", str(clip_id), "--out", str(out))
    assert code == 0, output
    assert len(out.read_bytes()) == 200_000


def test_tampered_clips_give_a_clear_error_and_no_output(
    recorded: tuple[Path, uuid.UUID, bytes, bytes],
) -> None:
    config, clip_id, sealed, content_key = recorded
    out = config / "clip.bin"
    for case, (tamper, expected) in TAMPERING.items():
        altered = config / "altered.sealed"
        altered.write_bytes(tamper(sealed, content_key))
        code, output = run(
            config, "keys", "decrypt", str(clip_id), "--sealed", str(altered), "--out", str(out)
        )
        assert code != 0, case
        assert expected in output and len(output.strip().splitlines()) == 1, (case, output)
        assert not out.exists(), case


def test_a_member_without_a_wrapped_key_opens_nothing(
    recorded: tuple[Path, uuid.UUID, bytes, bytes], hub: HubProcess, tmp_path: Path
) -> None:
    """Wrong recipient: a household member whose key nothing was wrapped to."""
    owner_config, clip_id, _, _ = recorded
    member = tmp_path / "member"
    register(hub.url, MEMBER).__exit__()
    login = ("login", "--hub", hub.url, "--email", MEMBER["email"])
    assert run(member, *login, DOORSTEP_PASSWORD=MEMBER["password"])[0] == 0
    assert run(member, "keys", "generate", DOORSTEP_PASSPHRASE=PASSPHRASE)[0] == 0
    homes = json.loads(run(owner_config, "keys", "show", "--json")[1])["homes"]
    record = json.loads((owner_config / "credentials.json").read_text())
    with HubApi(record["hub"], record["token"]) as api:
        api.call("POST", f"/v1/homes/{homes[0]['id']}/members", json={"email": MEMBER["email"]})
    out = member / "clip.bin"
    code, output = run(member, "keys", "decrypt", str(clip_id), "--out", str(out))
    assert code != 0 and "none of clip" in output, output
    assert not out.exists()
