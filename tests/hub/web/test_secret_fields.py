"""Secrets typed into a page never reach the hub, even if the form is sent before (or
without) its script: the passphrase box, the sign-in password it is compared with, and
the edge's live-view address and token have no ``name``, so a plain form submission
carries none of them (a GET would put them in the URL and the hub's access log)."""

from __future__ import annotations

from html.parser import HTMLParser

from fastapi import FastAPI

from tests.hub.actors import Actors
from tests.hub.web.browsers import browser

# The only forms that send a password to the hub: signing in and signing up.
PASSWORD_FORMS = ("/sign-in", "/sign-up")


class Forms(HTMLParser):
    """Each form's (id, action, method) and the named controls it would submit."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[dict[str, str | None], list[dict[str, str | None]]]] = []
        self.open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            self.forms.append((dict(attrs), []))
            self.open = True
        elif tag in ("input", "select", "textarea") and self.open:
            self.forms[-1][1].append(dict(attrs) | {"tag": tag})

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.open = False


def sent_secrets(html: str) -> list[str]:
    parser = Forms()
    parser.feed(html)
    found = []
    for form, controls in parser.forms:
        action = form.get("action") or ""
        for control in controls:
            if control.get("name") is None:
                continue
            secret = control.get("type") == "password" and action not in PASSWORD_FORMS
            if secret or form.get("id") == "live-view-form":
                found.append(f"form {form.get('id') or action!r} sends {control['name']}")
    return found


async def test_key_setup_and_live_view_forms_send_no_secret(app: FastAPI, actors: Actors) -> None:
    owner = actors.resident()
    actors.home(owner, cameras=1)
    async with browser(app, owner) as page:
        setup = await page.get("/keys/setup")
        home = await page.get("/home")
    assert 'id="passphrase"' in setup.text and 'id="sign-in-password"' in setup.text
    assert 'id="live-view-form"' in home.text and 'id="edge-token"' in home.text
    assert sent_secrets(setup.text) == []
    assert sent_secrets(home.text) == []
    # The checker does see a named password field where one is sent.
    assert sent_secrets(setup.text.replace('id="passphrase"', 'id="passphrase" name="p"'))
