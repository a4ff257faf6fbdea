"""The audit page in Chromium over HTTPS: the visitor's browser checks an entry's
inclusion proof against the signed checkpoint itself; a tampered proof, or a checkpoint
checked with another log key, fails."""

from __future__ import annotations

import base64
import json

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Page, Route, expect

from doorstep.audit.checkpoint import LogKey
from tests.web.hub import HttpsHub


def _tampered(route: Route) -> None:
    """The hub's inclusion proof with one bit of its first hash flipped."""
    response = route.fetch()
    body = json.loads(response.text())
    first = bytearray(base64.b64decode(body["proof"][0]))
    first[0] ^= 1
    body["proof"][0] = base64.b64encode(bytes(first)).decode()
    route.fulfill(response=response, body=json.dumps(body))


def test_the_audit_page_checks_a_proof_in_the_browser(page: Page, https_hub: HttpsHub) -> None:
    https_hub.agency_member()  # entries: an agency created, verified, a member added
    newest = httpx.get(f"{https_hub.url}/v1/audit/checkpoint", verify=https_hub.ssl_context())
    size = newest.json()["size"]
    assert size >= 3  # a proof of at least one hash
    index = size - 2
    page.goto(f"/audit?index={index}")
    result = page.locator("#proof-result")
    expect(result).to_contain_text(f"Verified: entry {index} is in the log of ")
    expect(page.locator("#proof-entry")).to_contain_text('"action":')

    # A tampered proof fails, checked in the browser (the hub never sees the check).
    page.route("**/v1/audit/proofs/inclusion*", _tampered)
    page.get_by_role("button", name="Check the entry").click()
    expect(result).to_contain_text("Failed:")
    expect(result).to_contain_text(f"the proof for index {index} leads to another root")
    page.unroute("**/v1/audit/proofs/inclusion*")

    # Another log key: the checkpoint's signature is refused.
    vkey = page.get_by_label("Log key (verifier key)")
    page.get_by_label("Entry number").fill(str(index))
    good = vkey.input_value()
    origin = good.split("+")[0]
    other = LogKey(name=origin, public_key=Ed25519PrivateKey.generate().public_key()).vkey()
    vkey.fill(other)
    page.get_by_role("button", name="Check the entry").click()
    expect(result).to_contain_text(f"Failed: no signature by {other.split('+')[0]}+")
    vkey.fill(good)
    page.get_by_role("button", name="Check the entry").click()
    expect(result).to_contain_text("Verified:")
