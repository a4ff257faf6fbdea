"""`doorstep login` and `doorstep keys ...` against a real hub on both backends, honest or
lying: tampered clips and clips the hub made refused, passphrases checked, safety numbers
the same on both clients, member removal rotating, and pairing that signs the device."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select

from doorstep.crypto.keylist import SignedKeyList, parse_list
from doorstep.crypto.keys import fingerprint, key_id, public_raw
from doorstep.crypto.pairing import new_secret
from doorstep.crypto.safety import format_safety_number, safety_number
from doorstep.crypto.signing_keys import signing_key_of
from doorstep.crypto.tampering import flip, forge_signature, split
from doorstep.hub.db import make_engine
from doorstep.hub.keys.models import HomeKeyGrant
from doorstep.owner.credentials import Credentials, save_credentials, save_user_key
from doorstep.owner.keys import clip_access, grant_member
from tests.agencies import make_agency
from tests.cli.processes import run, run_here
from tests.lying_hub import ServedHub
from tests.owner.residents import (
    PASSPHRASE,
    Home,
    Resident,
    add_member,
    current_home_key,
    device_pairs,
    make_home,
    pair_device,
    record_clip,
    seal_clip,
    sign_up,
)


def client(config: Path, resident: Resident) -> Path:
    """``config`` as the resident's client: signed in with their token, holding their key."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DOORSTEP_CONFIG_DIR", str(config))
        save_credentials(Credentials(hub=resident.url, token=resident.token))
        save_user_key(resident.user_key)
    return config


def login(config: Path, resident: Resident, *, installed: bool = True) -> None:
    """`doorstep login` as the real command, or in this process unless ``installed``."""
    login = ("login", "--hub", resident.url, "--email", resident.email)
    code, output = (run if installed else run_here)(
        config, *login, DOORSTEP_PASSWORD=resident.password
    )
    assert code == 0, output


def test_generate_show_and_recover_on_a_new_machine(tmp_path: Path, served_hub: ServedHub) -> None:
    member = sign_up(served_hub.url, "member@doorstep.example", "Member")
    laptop, phone = tmp_path / "laptop", tmp_path / "phone"
    for machine in (laptop, phone):
        login(machine, member, installed=machine is laptop)
        assert ((machine / "credentials.json").stat().st_mode & 0o777) == 0o600
        assert ((machine / "password-check.json").stat().st_mode & 0o777) == 0o600
    assert member.password not in (laptop / "password-check.json").read_text()
    code, output = run(laptop, "keys", "generate", DOORSTEP_PASSPHRASE=PASSPHRASE)
    assert code == 0, output
    assert ((laptop / "user-key.pem").stat().st_mode & 0o777) == 0o600
    code, shown = run_here(laptop, "keys", "show", "--json")
    assert code == 0, shown
    fingerprint_shown = json.loads(shown)["key"]
    assert fingerprint_shown.replace(" ", "") in output.replace(" ", "")
    code, output = run_here(phone, "keys", "recover", DOORSTEP_PASSPHRASE="wrong passphrase")
    assert code != 0
    assert "passphrase does not open" in output and len(output.strip().splitlines()) == 1
    assert not (phone / "user-key.pem").exists()
    code, output = run(phone, "keys", "recover", DOORSTEP_PASSPHRASE=PASSPHRASE)
    assert code == 0, output
    assert (phone / "user-key.pem").read_bytes() == (laptop / "user-key.pem").read_bytes()


NEW_PASSPHRASE = "another long passphrase, changed on the laptop 9"


def test_passphrase_change_keeps_the_key_and_only_the_new_passphrase_opens_it(
    tmp_path: Path, served_hub: ServedHub
) -> None:
    member = sign_up(served_hub.url, "changer@doorstep.example", "Changer")
    laptop, phone = tmp_path / "laptop", tmp_path / "phone"
    for machine in (laptop, phone):
        login(machine, member)
    code, output = run_here(laptop, "keys", "generate", DOORSTEP_PASSPHRASE=PASSPHRASE)
    assert code == 0, output
    change = ("keys", "passphrase")

    refused = {  # (current, new): the one line that says why
        ("wrong passphrase", NEW_PASSPHRASE): "passphrase does not open",
        (PASSPHRASE, "password"): "the passphrase is too easy to guess",
        (PASSPHRASE, PASSPHRASE): "the new passphrase is the current one",
    }
    for (current, new), why in refused.items():
        code, output = run_here(
            laptop, *change, DOORSTEP_PASSPHRASE=current, DOORSTEP_NEW_PASSPHRASE=new
        )
        assert code != 0 and why in output, (current, new, output)
        assert len(output.strip().splitlines()) == 1, output
    # None of them changed the box: the old passphrase still opens it.
    code, output = run_here(phone, "keys", "recover", DOORSTEP_PASSPHRASE=PASSPHRASE)
    assert code == 0, output

    code, output = run(
        laptop, *change, DOORSTEP_PASSPHRASE=PASSPHRASE, DOORSTEP_NEW_PASSPHRASE=NEW_PASSPHRASE
    )
    assert code == 0, output
    assert "sealed under the new passphrase" in output
    (phone / "user-key.pem").unlink()
    code, output = run_here(phone, "keys", "recover", DOORSTEP_PASSPHRASE=PASSPHRASE)
    assert code != 0 and "passphrase does not open" in output
    code, output = run_here(phone, "keys", "recover", DOORSTEP_PASSPHRASE=NEW_PASSPHRASE)
    assert code == 0, output
    assert (phone / "user-key.pem").read_bytes() == (laptop / "user-key.pem").read_bytes()


def test_login_with_a_wrong_password_is_one_line(tmp_path: Path, served_hub: ServedHub) -> None:
    owner = sign_up(served_hub.url, "owner@doorstep.example", "Owner")
    code, output = run(
        tmp_path, "login", "--hub", owner.url, "--email", owner.email, DOORSTEP_PASSWORD="nope"
    )
    assert code != 0 and "sign-in refused" in output
    code, output = run(tmp_path / "empty", "keys", "show")
    assert code != 0 and "not signed in" in output


# Passphrases `keys generate` refuses, with the rule its one line names. "SIGN-IN" stands
# for the account's sign-in password, "EMAIL" for its email.
REFUSED_PASSPHRASES = {
    "the sign-in password": ("SIGN-IN", "is your sign-in password"),
    "one letter": ("a", "too easy to guess (strength 0 of 4"),
    "a common password": ("password1", "too easy to guess (strength 0 of 4"),
    "a repeated word": ("hunter2hunter2", "too easy to guess (strength 1 of 4"),
    "the email": ("EMAIL", "too easy to guess (strength 0 of 4"),
}


def test_weak_and_sign_in_passphrases_are_refused(tmp_path: Path, served_hub: ServedHub) -> None:
    member = sign_up(served_hub.url, "alice@doorstep.example", "Alice Liddell")
    config = tmp_path / "alice"
    login(config, member, installed=False)
    for case, (passphrase, rule) in REFUSED_PASSPHRASES.items():
        given = passphrase.replace("SIGN-IN", member.password).replace("EMAIL", member.email)
        code, output = run_here(config, "keys", "generate", DOORSTEP_PASSPHRASE=given)
        assert code == 1, (case, output)
        assert rule in output and len(output.strip().splitlines()) == 1, (case, output)
        assert not (config / "user-key.pem").exists(), case
    with member.api() as api:
        assert api.call("GET", "/v1/me")["id"] == str(member.user_id)
        assert (
            httpx.get(
                f"{member.url}/v1/me/key", headers={"Authorization": f"Bearer {member.token}"}
            ).status_code
            == 404
        )
    code, output = run_here(config, "keys", "generate", DOORSTEP_PASSPHRASE=PASSPHRASE)
    assert code == 0, output


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
    tmp_path: Path, served_hub: ServedHub
) -> Iterator[tuple[Path, Home, uuid.UUID, bytes]]:
    """The owner's CLI, and a 200 KB clip recorded by their paired, signed-in device."""
    home = make_home(served_hub.url)
    clip_id = record_clip(tmp_path, home, pair_device(home), size=200_000)
    with home.owner.api() as api:
        sealed = api.download(f"/v1/clips/{clip_id}/parts/clip")
    yield client(tmp_path / "owner", home.owner), home, clip_id, sealed


def test_decrypt_writes_the_verified_clip(recorded: tuple[Path, Home, uuid.UUID, bytes]) -> None:
    config, _, clip_id, _ = recorded
    out = config / "clip.bin"
    code, output = run(config, "keys", "decrypt", str(clip_id), "--out", str(out))
    assert code == 0, output
    assert len(out.read_bytes()) == 200_000


def test_tampered_clips_give_a_clear_error_and_no_output(
    recorded: tuple[Path, Home, uuid.UUID, bytes],
) -> None:
    config, home, clip_id, sealed = recorded
    with home.owner.api() as api:
        content_key = clip_access(api, clip_id, home.owner.user_key).content_key
    out = config / "clip.bin"
    for case, (tamper, expected) in TAMPERING.items():
        altered = config / "altered.sealed"
        altered.write_bytes(tamper(sealed, content_key))
        code, output = run_here(
            config, "keys", "decrypt", str(clip_id), "--sealed", str(altered), "--out", str(out)
        )
        assert code != 0, case
        assert expected in output and len(output.strip().splitlines()) == 1, (case, output)
        assert not out.exists(), case


def test_a_clip_the_hub_made_with_a_device_key_of_its_own_is_refused(
    recorded: tuple[Path, Home, uuid.UUID, bytes], served_hub: ServedHub
) -> None:
    """The hub seals footage of its own under its own content key, wrapped to the real home
    key, signs it with a device key of its own and serves that key as the clip's device."""
    config, home, clip_id, _ = recorded
    hub_device = Ed25519PrivateKey.generate()
    made = seal_clip(home, hub_device, current_home_key(home), clip_id=clip_id)
    forged = config / "made-by-the-hub.sealed"
    forged.write_bytes(made.sealed.parts["clip"])
    served_hub.lying.rewrite(
        "GET",
        f"/v1/clips/{clip_id}/keys",
        lambda body: {
            **body,
            "device_public_key": base64.b64encode(public_raw(hub_device.public_key())).decode(),
            "keys": [
                {
                    **body["keys"][0],
                    "recipient_key_id": key.recipient_key_id,
                    "wrapped_key": base64.b64encode(key.wrapped_key).decode(),
                }
                for key in made.sealed.keys
            ],
        },
    )
    out = config / "clip.bin"
    code, output = run_here(
        config, "keys", "decrypt", str(clip_id), "--sealed", str(forged), "--out", str(out)
    )
    assert code == 1, output
    hub_fingerprint = fingerprint(key_id(hub_device.public_key()))
    assert f"signed by device key {hub_fingerprint}, which is not in home" in output
    assert len(output.strip().splitlines()) == 1 and not out.exists()
    assert served_hub.lying.rewritten


def test_a_member_without_a_wrapped_key_opens_nothing(
    recorded: tuple[Path, Home, uuid.UUID, bytes], tmp_path: Path
) -> None:
    """Wrong recipient: a household member whose key nothing was wrapped to."""
    _, home, clip_id, _ = recorded
    member = client(tmp_path / "member", add_member(home))
    out = member / "clip.bin"
    code, output = run_here(member, "keys", "decrypt", str(clip_id), "--out", str(out))
    assert code != 0 and "none of clip" in output, output
    assert not out.exists()


def _newest_list(resident: Resident, home_id: uuid.UUID) -> SignedKeyList:
    with resident.api() as api:
        lists = api.call("GET", f"/v1/homes/{home_id}/key-lists", params={"after": 0})
    return SignedKeyList.from_json(lists["data"][-1])


def test_removing_a_member_rotates_the_home_key(tmp_path: Path, served_hub: ServedHub) -> None:
    home = make_home(served_hub.url)
    member = add_member(home)
    config = client(tmp_path / "owner", home.owner)
    code, output = run(config, "keys", "grant", str(home.home_id), member.email)
    assert code == 0 and f"Wrapped 1 home key(s) for {member.email}" in output, output
    before = parse_list(_newest_list(home.owner, home.home_id))
    assert before.member(member.user_id) is not None  # the grant listed them
    code, output = run(config, "keys", "remove-member", str(home.home_id), member.email)
    assert code == 0, output
    after = parse_list(_newest_list(home.owner, home.home_id))
    new_key = after.current_home_key()
    member_key = key_id(member.user_key.public_key())
    owner_key = key_id(home.owner.user_key.public_key())
    assert after.version == before.version + 1
    assert new_key.id != before.current_home_key().id
    assert fingerprint(new_key.id) in output
    assert after.removed == ((member.user_id, member_key),)
    assert [m.user_id for m in after.members] == [home.owner.user_id]
    with home.owner.api() as api:
        keys = api.call("GET", f"/v1/homes/{home.home_id}/keys")
    assert keys["rotation_due"] is False
    assert keys["keys"][0]["id"] == new_key.id
    # The new key is wrapped to the owner only: their grant is the one the hub stored.
    assert _grantees(served_hub, new_key.id) == {owner_key}


def _grantees(served: ServedHub, home_key_id: str) -> set[str]:
    engine = make_engine(served.database_url)
    with engine.connect() as connection:
        found = set(
            connection.scalars(
                select(HomeKeyGrant.user_key_id).where(HomeKeyGrant.home_key_id == home_key_id)
            )
        )
    engine.dispose()
    return found


def _expected_safety_number(a: X25519PrivateKey, b: X25519PrivateKey) -> str:
    def keys(private: X25519PrivateKey) -> tuple[bytes, bytes]:
        return public_raw(signing_key_of(private).public_key()), public_raw(private.public_key())

    return format_safety_number(safety_number(*keys(a), *keys(b)))


def test_safety_numbers_are_the_same_on_both_clients(tmp_path: Path, served_hub: ServedHub) -> None:
    home = make_home(served_hub.url)
    member = add_member(home)
    with home.owner.api() as api:
        grant_member(api, home.home_id, home.owner.user_key, member.user_id)
    expected = _expected_safety_number(home.owner.user_key, member.user_key)
    views = {}
    for resident in (home.owner, member):
        config = client(tmp_path / resident.email, resident)
        code, output = run_here(config, "keys", "show", "--json")
        assert code == 0, output
        (shown,) = json.loads(output)["homes"]
        views[resident.email] = {m["user_id"]: m for m in shown["members"]}
        assert shown["owner_trusted_on_first_use"] is (resident is member)
    owner_view, member_view = views[home.owner.email], views[member.email]
    assert owner_view[str(member.user_id)]["safety_number"] == expected
    assert member_view[str(home.owner.user_id)]["safety_number"] == expected
    assert owner_view[str(member.user_id)]["key"] == fingerprint(
        key_id(member.user_key.public_key())
    )
    assert owner_view[str(home.owner.user_id)]["safety_number"] is None  # yourself


def _pair(config: Path, home: Home, tag_secret: str | None) -> tuple[int, str, bytes]:
    """`keys pair` in a child process; a device pairs with the code it prints, its tag made
    with the code's secret (or ``tag_secret``). The exit code, output, and device key."""
    process = subprocess.Popen(
        [sys.executable, "-m", "doorstep", "keys", "pair", str(home.home_id), "--wait", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "DOORSTEP_CONFIG_DIR": str(config), "COLUMNS": "200"},
    )
    assert process.stdout is not None
    lines = []
    while not (lines and lines[-1].startswith("Pairing code:")):
        lines.append(process.stdout.readline())
        assert lines[-1], "".join(lines)
    code = lines[-1].removeprefix("Pairing code:").strip()
    device = public_raw(Ed25519PrivateKey.generate().public_key())
    device_pairs(home.owner.url, code, device, tag_secret=tag_secret)
    process.wait(timeout=120)
    with process.stdout:
        return process.returncode, "".join(lines) + process.stdout.read(), device


def test_pairing_signs_the_device_into_the_home_list(tmp_path: Path, served_hub: ServedHub) -> None:
    home = make_home(served_hub.url)
    config = client(tmp_path / "owner", home.owner)
    code, output, device = _pair(config, home, None)
    assert code == 0, output
    assert "Waiting up to 60 s for the device" in output
    assert fingerprint(key_id(device)) in output
    newest = parse_list(_newest_list(home.owner, home.home_id))
    assert newest.version == 2
    listed = newest.device(device)
    assert listed is not None and listed.key_id == key_id(device)


def test_a_device_whose_tag_does_not_match_the_code_is_an_alarm(
    tmp_path: Path, served_hub: ServedHub
) -> None:
    home = make_home(served_hub.url)
    config = client(tmp_path / "owner", home.owner)
    code, output, device = _pair(config, home, new_secret())
    assert code == 2, output
    assert "ALARM: " in output and "nothing was signed" in output
    assert _newest_list(home.owner, home.home_id).version == 1


def _agency_with_key(served: ServedHub, tmp_path: Path) -> tuple[uuid.UUID, bytes]:
    """A verified agency whose officer published an X25519 key."""
    public = public_raw(X25519PrivateKey.generate().public_key())
    return make_agency(served.database_url, tmp_path, public_key=public).id, public


def test_show_agency_compares_the_fingerprint_computed_here(
    tmp_path: Path, served_hub: ServedHub
) -> None:
    home = make_home(served_hub.url)
    agency_id, public = _agency_with_key(served_hub, tmp_path)
    config = client(tmp_path / "owner", home.owner)
    computed = fingerprint(key_id(public))
    code, output = run_here(config, "keys", "show", "--agency", str(agency_id))
    assert code == 0, output
    assert f"computed here {computed}, published {computed}: MATCH" in output

    # The hub publishes another fingerprint beside the agency's real key: an alarm.
    published = fingerprint(key_id(public_raw(X25519PrivateKey.generate().public_key())))
    served_hub.lying.rewrite(
        "GET",
        "/v1/agencies",
        lambda body: {**body, "data": [{**a, "key_fingerprint": published} for a in body["data"]]},
    )
    code, output = run_here(config, "keys", "show", "--agency", str(agency_id))
    assert code == 2, output
    assert f"computed here {computed}, published {published}: MISMATCH" in output
    assert f"ALARM: agency Test Police's key fingerprint {computed} does not match" in output

    # The hub serves a key of its own for the agency: its log proof names another key.
    served_hub.lying.reset()
    swapped = public_raw(X25519PrivateKey.generate().public_key())
    served_hub.lying.rewrite(
        "GET",
        "/v1/agencies",
        lambda body: {
            **body,
            "data": [{**a, "public_key": base64.b64encode(swapped).decode()} for a in body["data"]],
        },
    )
    code, output = run_here(config, "keys", "show", "--agency", str(agency_id))
    assert code == 1, output
    assert "log entry says key_id is" in output and "MATCH" not in output


def test_a_log_older_than_one_seen_is_an_alarm_exit_2(
    tmp_path: Path, served_hub: ServedHub
) -> None:
    home = make_home(served_hub.url)
    member = add_member(home)
    with home.owner.api() as api:
        old = api.call("GET", f"/v1/homes/{home.home_id}/member-keys")
        grant_member(api, home.home_id, home.owner.user_key, member.user_id)  # the log grows
    config = client(tmp_path / "owner", home.owner)
    code, output = run_here(config, "keys", "show")  # this client sees the newer checkpoint
    assert code == 0, output
    served_hub.lying.rewrite("GET", r"/v1/homes/[^/]+/member-keys", lambda body: old)
    code, output = run(config, "keys", "share", str(uuid.uuid4()), str(home.home_id), member.email)
    assert code == 2, output
    assert "ALARM: rollback: the log is at size" in output
    assert len(output.strip().splitlines()) == 1
