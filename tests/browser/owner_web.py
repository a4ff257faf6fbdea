"""Helpers for the owner pages' browser tests: a resident signed in on a served hub."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Page

from tests.owner.residents import Resident


@contextmanager
def signed_in(browser: Browser, resident: Resident, path: str) -> Iterator[Page]:
    """A fresh browser context with ``resident`` signed in, on ``path``; no page error."""
    context = browser.new_context(base_url=resident.url)
    answer = context.request.post(
        "/v1/auth/login", data={"email": resident.email, "password": resident.password}
    )
    assert answer.ok, answer.text()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path)
    try:
        yield page
    finally:
        context.close()
    assert errors == []
