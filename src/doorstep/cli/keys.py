"""``doorstep keys ...``: your clip key, your homes' keys, and opening clips, on your client.

Everything secret happens here, on your machine: the hub gets public keys, your
private key sealed under your passphrase, and keys wrapped to public keys.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from doorstep.audit.keyproof import KeyAlarm
from doorstep.cli.output import console, print_json
from doorstep.crypto.keys import fingerprint, key_id
from doorstep.crypto.strength import check_passphrase
from doorstep.durable import write_atomically
from doorstep.errors import ConfigurationError, Conflict, InvalidInput, NotFound
from doorstep.owner import keys
from doorstep.owner.api import HubApi
from doorstep.owner.credentials import (
    key_path,
    load_credentials,
    load_password_check,
    load_user_key,
    save_user_key,
)
from doorstep.owner.household import agency_check, household_report

app = typer.Typer(help="Your clip key, your homes' keys, and opening clips.", no_args_is_help=True)

HubOption = Annotated[str | None, typer.Option(help="The hub (default: the one you signed in to).")]
PassphraseFile = Annotated[
    Path | None,
    typer.Option(help="Read the passphrase from this file (else DOORSTEP_PASSPHRASE, or asked)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def signed_in_api(hub: str | None) -> HubApi:
    """A client for the hub you signed in to (or ``hub``), with your saved token."""
    credentials = load_credentials(hub)
    return HubApi(credentials.hub, credentials.token)


def _passphrase(
    path: Path | None,
    *,
    confirm: bool,
    variable: str = "DOORSTEP_PASSPHRASE",
    option: str = "--passphrase-file",
    prompt: str = "Passphrase",
) -> str:
    if path is not None:
        return path.read_text().rstrip("\n")
    if value := os.environ.get(variable):
        return value
    if not sys.stdin.isatty():
        raise ConfigurationError(f"no {prompt.lower()}: give {option} or {variable}")
    value = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return str(value)


def _checked_passphrase(api: HubApi, passphrase: str) -> None:
    """The strength rules for a passphrase that seals your private key (InvalidInput)."""
    me = api.call("GET", "/v1/me")
    check_passphrase(
        passphrase,
        user_inputs=[me["email"], me["display_name"]],
        sign_in_check=load_password_check(me["email"]),
    )


def _member_id(api: HubApi, home_id: uuid.UUID, member: str) -> uuid.UUID:
    for row in api.call("GET", f"/v1/homes/{home_id}/members")["data"]:
        if member in (row["email"], row["user_id"]):
            return uuid.UUID(row["user_id"])
    raise NotFound(f"{member} is not a member of home {home_id}")


@app.command()
def generate(
    hub: HubOption = None,
    passphrase_file: PassphraseFile = None,
    replace: Annotated[
        bool,
        typer.Option(
            help="Replace the key you have (lost passphrase): clips open to the new key only "
            "once a home's owner grants the home keys again."
        ),
    ] = False,
) -> None:
    """Make your key pair here and publish it, the private key sealed under a passphrase.

    The passphrase must be hard to guess (zxcvbn score 3 or more) and not your sign-in
    password: the hub keeps the sealed key and sees that password at every sign-in."""
    if key_path().exists() and not replace:
        raise Conflict(f"you have a key in {key_path()} already; --replace makes a new one")
    passphrase = _passphrase(passphrase_file, confirm=True)
    with signed_in_api(hub) as api:
        _checked_passphrase(api, passphrase)
        private = keys.publish_user_key(api, passphrase)
    path = save_user_key(private)
    console.print(f"Your key {fingerprint(key_id(private.public_key()))} is in {path}.")


@app.command()
def recover(hub: HubOption = None, passphrase_file: PassphraseFile = None) -> None:
    """Recover your private key on this machine from the hub's box and your passphrase."""
    with signed_in_api(hub) as api:
        private = keys.recover_user_key(api, _passphrase(passphrase_file, confirm=False))
    path = save_user_key(private)
    console.print(f"Recovered key {fingerprint(key_id(private.public_key()))} into {path}.")


@app.command()
def passphrase(
    hub: HubOption = None,
    passphrase_file: PassphraseFile = None,
    new_passphrase_file: Annotated[
        Path | None,
        typer.Option(
            help="Read the new passphrase from this file (else DOORSTEP_NEW_PASSPHRASE, or "
            "asked twice)."
        ),
    ] = None,
) -> None:
    """Change the passphrase your private key is sealed under at the hub; the key stays.

    The current passphrase opens the hub's box here (a wrong one changes nothing); the new
    one follows the same rules as at `keys generate`. Clips, grants and key lists stay as
    they are. Other machines keep the key they recovered."""
    old = _passphrase(passphrase_file, confirm=False, prompt="Current passphrase")
    new = _passphrase(
        new_passphrase_file,
        confirm=True,
        variable="DOORSTEP_NEW_PASSPHRASE",
        option="--new-passphrase-file",
        prompt="New passphrase",
    )
    if new == old:
        raise InvalidInput("the new passphrase is the current one", field="passphrase")
    with signed_in_api(hub) as api:
        _checked_passphrase(api, new)
        private = keys.change_passphrase(api, old, new)
    console.print(
        f"Your key {fingerprint(key_id(private.public_key()))} is sealed under the new "
        "passphrase at the hub; recover it with that one from now on."
    )


def _print_household(report: dict[str, Any]) -> None:
    console.print(
        f"Your key: [bold]{report['key']}[/] (signing key {report['signing_key']})",
        highlight=False,
    )
    for home in report["homes"]:
        state = home["home_key"] or "none yet: `doorstep keys rotate HOME`"
        if home["rotation_due"]:
            state += " (rotate: a member left)"
        console.print(
            f"\n[bold]{home['name']}[/] ({home['id']}): home key {state}, "
            f"key list version {home['key_list_version'] or 'none'}",
            highlight=False,
        )
        if home["owner_trusted_on_first_use"]:
            console.print(
                "  The owner's key was trusted on first use: compare your safety number "
                "with the owner's in person."
            )
        table = Table("member", "key", "safety number", "signed list")
        for member in home["members"]:
            name = member["display_name"] + (" (you)" if member["you"] else "")
            listed = ("owner" if member["owner"] else "yes") if member["in_signed_list"] else "no"
            table.add_row(
                name,
                member["key"] or "no key",
                member["safety_number"] or "",
                listed + (f": {member['problem']}" if member["problem"] else ""),
            )
        console.print(table)
        for device in home["devices"]:
            revoked = " (revoked)" if device["revoked"] else ""
            console.print(f"  device {device['device_id']}: {device['key']}{revoked}")
    if "agency" in report:
        agency = report["agency"]
        verdict = "MATCH" if agency["match"] else "MISMATCH"
        console.print(
            f"\nAgency {agency['name']}: computed here {agency['computed']}, "
            f"published {agency['published']}: {verdict}",
            highlight=False,
        )


@app.command()
def show(
    hub: HubOption = None,
    agency: Annotated[
        uuid.UUID | None,
        typer.Option(help="Also compare this agency's key with the fingerprint it published."),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Fingerprints and safety numbers computed here, to compare with each member in person.

    Each home's keys come from the key list its owner signed; a member's safety number is
    the same on both your clients when neither key was swapped."""
    with signed_in_api(hub) as api:
        report = household_report(api)
        checked = agency_check(api, agency) if agency is not None else None
    if checked is not None:
        report["agency"] = checked
    if json:
        print_json(report)
    else:
        _print_household(report)
    if checked is not None and not checked["match"]:
        raise KeyAlarm(
            f"agency {checked['name']}'s key fingerprint {checked['computed']} does not "
            f"match the fingerprint it published, {checked['published']}"
        )


@app.command()
def rotate(home_id: uuid.UUID, hub: HubOption = None) -> None:
    """Owner: make the home's (first or next) key, wrapped to every member with a key."""
    with signed_in_api(hub) as api:
        private = keys.rotate_home_key(api, home_id, load_user_key())
    console.print(
        f"Home key {fingerprint(key_id(private.public_key()))} is current; "
        "the home's edge uses it within a minute."
    )


@app.command()
def grant(
    home_id: uuid.UUID,
    member: Annotated[str, typer.Argument(help="The member's email or user id.")],
    hub: HubOption = None,
    history: Annotated[
        bool, typer.Option(help="Also the home's older keys, so older clips open too.")
    ] = True,
) -> None:
    """Owner: let a household member open the home's clips (wraps the home key for them)."""
    with signed_in_api(hub) as api:
        count = keys.grant_member(
            api, home_id, load_user_key(), _member_id(api, home_id, member), history=history
        )
    console.print(f"Wrapped {count} home key(s) for {member}.")


@app.command("remove-member")
def remove_member(
    home_id: uuid.UUID,
    member: Annotated[str, typer.Argument(help="The member's email or user id.")],
    hub: HubOption = None,
) -> None:
    """Owner: remove a member and rotate the home key, so clips from now on are closed to them."""
    with signed_in_api(hub) as api:
        private = keys.remove_member(
            api, home_id, load_user_key(), _member_id(api, home_id, member)
        )
    console.print(f"Removed {member}; new home key {fingerprint(key_id(private.public_key()))}.")


@app.command()
def share(
    clip_id: uuid.UUID,
    home_id: uuid.UUID,
    member: Annotated[str, typer.Argument(help="The household member's email or user id.")],
    hub: HubOption = None,
) -> None:
    """Owner: re-wrap one clip's key to a household member's key."""
    with signed_in_api(hub) as api:
        member_id = _member_id(api, home_id, member)
        found = keys.member_public_key(api, home_id, member_id)
        recipient = keys.share_clip(api, clip_id, load_user_key(), found)
    console.print(f"Clip {clip_id} shared with key {fingerprint(recipient)}.")


@app.command()
def decrypt(
    clip_id: uuid.UUID,
    out: Annotated[Path, typer.Option(help="Where to write the decrypted part.")],
    part: Annotated[
        str, typer.Option(help="clip, snapshot or details; twin_clip or twin_snapshot.")
    ] = "clip",
    sealed: Annotated[
        Path | None, typer.Option(help="A sealed part saved earlier, instead of downloading it.")
    ] = None,
    hub: HubOption = None,
) -> None:
    """Download a clip's part, check it and decrypt it here; nothing is written on failure."""
    data = sealed.read_bytes() if sealed is not None else None
    with signed_in_api(hub) as api:
        opened = keys.open_clip_part(api, clip_id, part, load_user_key(), sealed=data)
    # Only a fully verified part reaches the disk, and then all at once.
    write_atomically(out, opened.plaintext, mode=0o600)
    header = opened.summary.header
    console.print(
        f"Wrote {len(opened.plaintext)} bytes to {out}: camera {header.camera_id}, "
        f"{header.started_at.isoformat()} to {header.ended_at.isoformat()}, "
        f"signed by device key {fingerprint(header.device_key_id)}."
    )
