"""An agency officer on a served hub (``tests/conftest.py``'s ``served_hub``), made as an
admin would, signed in through the API."""

from __future__ import annotations

from pathlib import Path

import httpx

from doorstep.owner.api import HubApi
from tests.agencies import OFFICER, make_agency
from tests.lying_hub import ServedHub


def served_officer(served: ServedHub, tmp_path: Path) -> HubApi:
    """The one member of a new verified agency, signed in (an API token)."""
    password = _officer(served, tmp_path)
    return HubApi(served.url, _token(served.url, OFFICER, password))


def _officer(served: ServedHub, tmp_path: Path) -> str:
    return make_agency(served.database_url, tmp_path / "admin").password


def _token(url: str, email: str, password: str) -> str:
    with httpx.Client(base_url=url) as http:
        csrf = http.post("/v1/auth/login", json={"email": email, "password": password})
        issued = http.post(
            "/v1/auth/tokens",
            json={"name": "tests"},
            headers={"X-CSRF-Token": csrf.json()["csrf_token"]},
        )
        token: str = issued.json()["token"]
        return token
