"""The agency's client publishes its key and checks that the hub logged it as the
agency's, on both backends; a hub that answers without the proof, or with another key,
is refused (the key file stays: the hub has the key)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.agency.keys import load_agency_key, publish_agency_key
from doorstep.audit.keyproof import KeyRefused
from doorstep.crypto.keys import key_id, public_raw
from tests.hub.shares.officers import served_officer
from tests.lying_hub import ServedHub

AGENCY_KEY = "/v1/agency/key"
_OTHER = X25519PrivateKey.generate().public_key()
LIES: dict[str, tuple[dict[str, Any], str]] = {
    "no proof": ({"proof": None}, "has no inclusion proof"),
    "another key": (
        {"public_key": base64.b64encode(public_raw(_OTHER)).decode(), "key_id": key_id(_OTHER)},
        "not the one sent",
    ),
}


def test_a_published_key_is_proven_in_the_log(served_hub: ServedHub, tmp_path: Path) -> None:
    path = tmp_path / "agency.key"
    with served_officer(served_hub, tmp_path) as officer:
        published = publish_agency_key(officer, path)
        served = officer.call("GET", "/v1/agency")
    assert published == served["key_id"] == key_id(load_agency_key(path).public_key())
    assert (tmp_path / "agency.key.trust.checkpoint.json").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("case", sorted(LIES))
def test_a_key_the_hub_does_not_prove_is_refused(
    served_hub: ServedHub, tmp_path: Path, case: str
) -> None:
    lie, words = LIES[case]
    served_hub.lying.rewrite("PUT", AGENCY_KEY, lambda body: {**body, **lie})
    path = tmp_path / "agency.key"
    with served_officer(served_hub, tmp_path) as officer, pytest.raises(KeyRefused, match=words):
        publish_agency_key(officer, path)
    assert served_hub.lying.rewritten == [("PUT", AGENCY_KEY)]
    assert load_agency_key(path)  # kept: the hub stored the key
