"""A page never shows or changes another tenant's objects: a resident or agency member
opening a page with the other tenant's id (home, camera, clip, inbox entry, share,
request) gets the 404 page, as if it didn't exist, and nothing is written."""

from __future__ import annotations

from fastapi import FastAPI
from httpx import AsyncClient

from tests.hub.actors import Actors
from tests.hub.authorization.pages import PAGES, VALUES
from tests.hub.authorization.table import AGENCY, ANONYMOUS, RESIDENT
from tests.hub.authorization.test_pages import call, page_values, sign_in
from tests.hub.authorization.walk import id_parameters, written
from tests.hub.authorization.world import seed

# What a real form would send, so a refusal can't come from validation instead.
FORMS: dict[str, dict[str, str]] = {
    "/holdings/{share_id}/extension": {"grant": "yes"},
}


async def test_another_tenants_ids_are_404_on_every_page(
    app: FastAPI, client: AsyncClient, actors: Actors
) -> None:
    world = await seed(actors, client)
    others = world.other_ids() | {page: world.other_ids()[api] for page, api in VALUES.items()}
    failures, checked = [], set()
    for page in PAGES:
        if ANONYMOUS in page.roles:
            continue
        for role in sorted(page.roles & {RESIDENT, AGENCY}):
            browser = await sign_in(app, world.person(role).email)
            for name in id_parameters(page.method, page.path):
                values = page_values(world, role) | {name: others[name]}
                before = actors.row_counts()
                headers = browser.headers(csrf=True)
                if page.path in FORMS:
                    path = page.path.replace("{" + name + "}", str(others[name]))
                    response = await world.client.request(
                        page.method,
                        path,
                        data=FORMS[page.path],
                        headers=headers | {"Accept": "text/html"},
                    )
                else:
                    response = await call(world, page, values, headers)
                where = f"{role} {page.method} {page.path} with the other tenant's {name}"
                if response.status_code != 404:
                    failures.append(f"{where}: {response.status_code} {response.text[:200]}")
                if changed := written(before, actors.row_counts()):
                    failures.append(f"{where}: rows changed: {changed}")
                checked.add(page.path)
    assert not failures, "\n".join(failures)
    assert "/clips/{clip_id}" in checked and "/agency/requests/{request_id}" in checked
