"""``doorstep login``: sign in once and keep a bearer token for the other commands."""

from __future__ import annotations

import os
import socket
from typing import Annotated

import httpx
import typer

from doorstep.cli.output import console
from doorstep.crypto.strength import password_check
from doorstep.errors import AuthenticationFailed, DoorstepError
from doorstep.owner.credentials import Credentials, save_credentials, save_password_check


def login(
    hub: Annotated[str, typer.Option(help="The hub's address, e.g. https://hub.example.")],
    email: Annotated[str, typer.Option(help="Your account's email.")],
) -> None:
    """Sign in; the token is saved (0600) for `doorstep keys ...`, with a hash of the
    password so no key passphrase equals it. Password from DOORSTEP_PASSWORD, or asked for."""
    password = os.environ.get("DOORSTEP_PASSWORD") or typer.prompt("Password", hide_input=True)
    hub = hub.rstrip("/")
    try:
        with httpx.Client(base_url=hub, timeout=30) as http:
            signed_in = http.post("/v1/auth/login", json={"email": email, "password": password})
            if signed_in.status_code in (401, 429):
                raise AuthenticationFailed(f"sign-in refused: {signed_in.json()['detail']}")
            signed_in.raise_for_status()
            issued = http.post(
                "/v1/auth/tokens",
                json={"name": f"doorstep CLI on {socket.gethostname()}"[:100]},
                headers={"X-CSRF-Token": signed_in.json()["csrf_token"]},
            )
            issued.raise_for_status()
            http.post("/v1/auth/logout", headers={"X-CSRF-Token": signed_in.json()["csrf_token"]})
    except httpx.HTTPError as exc:
        raise DoorstepError(f"can't sign in at {hub}: {exc}") from exc
    path = save_credentials(Credentials(hub=hub, token=issued.json()["token"]))
    save_password_check(email, password_check(password))
    console.print(f"Signed in to {hub} as {email}; token saved in {path}.")
