"""``doorstep admin ...``: set up a hub from the machine it runs on.

These commands open the hub's database directly, with the same ``DOORSTEP_*`` settings
as ``doorstep hub serve`` (and migrate it if it is new), so they work before anyone
can sign in: the first admin is made here, not over the network.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from pydantic import EmailStr, TypeAdapter, ValidationError

from doorstep.cli.output import console, fail
from doorstep.settings import get_settings

app = typer.Typer(help="Set up a hub from its own machine.", no_args_is_help=True)


def _password() -> str:
    """DOORSTEP_PASSWORD, else asked twice without echo; never guessed or defaulted."""
    if given := os.environ.get("DOORSTEP_PASSWORD"):
        return given
    if not sys.stdin.isatty():
        fail("no terminal to ask for the password on: set DOORSTEP_PASSWORD")
    typed: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return typed


@app.command()
def create(
    email: Annotated[str, typer.Option(help="The admin's email: they sign in with it.")],
    name: Annotated[
        str, typer.Option(help="The admin's name, as the public audit log shows it.")
    ] = "Hub administrator",
    another: Annotated[
        bool, typer.Option("--another", help="Add an admin although the hub has one.")
    ] = False,
) -> None:
    """Make the hub's first admin, in the database DOORSTEP_* names (as `hub serve` uses).

    Password from DOORSTEP_PASSWORD, or asked for on the terminal without echo;
    DOORSTEP_PASSWORD_MIN_LENGTH applies. The creation is logged in the audit log.
    """
    try:
        email = TypeAdapter(EmailStr).validate_python(email)
    except ValidationError:
        fail(f"--email: {email!r} is not an email address")
    if not 1 <= len(name.strip()) <= 100:
        fail("--name: give 1 to 100 characters")
    # The hub's database layer loads here, so other commands start without it.
    from doorstep.hub.accounts.admin_service import count_admins, create_admin
    from doorstep.hub.audit.service import session_info
    from doorstep.hub.db import make_engine, make_session_factory, transaction
    from doorstep.hub.migrate import upgrade_database

    settings = get_settings()
    engine = make_engine(settings.resolved_database_url())
    try:
        upgrade_database(engine)
        sessions = make_session_factory(engine, info=session_info(settings.resolved_secret_key()))
        with sessions() as session:
            admins = count_admins(session)
        if admins and not another:
            fail(f"this hub has {admins} admin(s) already; add one more with --another")
        password = _password()  # asked only once the hub would take it
        with transaction(sessions) as session:
            created = create_admin(
                session,
                settings=settings,
                email=email,
                password=password,
                display_name=name.strip(),
            ).email
    finally:
        engine.dispose()
    console.print(
        f"Created admin {created}. Start the hub with `doorstep hub serve` and sign in "
        "with this email and password.",
        highlight=False,
    )
