"""``doorstep keys pair HOME_ID``: pair an edge device, and sign its key into the home's list.

The code shown has a secret part the hub never sees. The device typed on proves it
knew the secret with its pairing tag; a device whose tag does not check is refused
with an alarm, and nothing is signed.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Annotated

import typer

from doorstep.cli.keys import HubOption, JsonOption, signed_in_api
from doorstep.cli.output import console, errors, print_json
from doorstep.crypto.keys import fingerprint
from doorstep.errors import Conflict
from doorstep.owner.credentials import load_user_key
from doorstep.owner.pairing import accept_device, issue_pairing_code, paired_device

POLL_S = 1.0


def pair(
    home_id: uuid.UUID,
    hub: HubOption = None,
    wait: Annotated[
        float | None,
        typer.Option(
            help="Seconds to wait for the device (default: until the code expires).", min=0
        ),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Owner: show a pairing code for a new edge device, wait for it, and sign its key."""
    user_key = load_user_key()
    with signed_in_api(hub) as api:
        code = issue_pairing_code(api, home_id, user_key)
        left = (code.expires_at - datetime.now(UTC)).total_seconds()
        limit = left if wait is None else min(wait, left)
        (errors if json else console).print(
            f"Pairing code: [bold]{code.code}[/]\n"
            f"On the device: doorstep edge pair {code.code} --hub {api.base_url}\n"
            f"Waiting up to {limit:.0f} s for the device to pair...",
            highlight=False,
        )
        deadline = time.monotonic() + limit
        device = paired_device(api, code)
        while device is None:
            if time.monotonic() >= deadline:
                raise Conflict(
                    f"no device paired with the code within {limit:.0f} s; "
                    "make a new code with `doorstep keys pair`"
                )
            time.sleep(POLL_S)
            device = paired_device(api, code)
        listed = accept_device(api, user_key, code, device)
    shown = fingerprint(listed.key_id)
    if json:
        print_json({"device_id": str(listed.device_id), "fingerprint": shown})
        return
    console.print(
        f"Device {device['name']} ({listed.device_id}) paired; its key [bold]{shown}[/] "
        "is in the home's key list you signed. Check the device shows the same fingerprint."
    )
