"""Liveness, readiness, error bodies and security headers."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from doorstep.hub.app import create_app
from doorstep.settings import Settings


async def test_healthz_and_readyz(client: AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "checks": {"database": "ok", "storage": "ok", "bus": "ok"},
    }


async def test_readyz_reports_broken_storage(settings: Settings, tmp_path: Path) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        blobs = tmp_path / "blobs"
        blobs.rmdir()
        blobs.write_text("not a directory any more")
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as http:
            ready = await http.get("/readyz")
            assert (await http.get("/healthz")).status_code == 200
    assert ready.status_code == 503
    assert ready.json()["status"] == "not_ready"
    assert ready.json()["checks"]["storage"].startswith("unreachable")
    assert ready.json()["checks"]["database"] == "ok"


async def test_unknown_routes_and_methods_use_the_error_shape(client: AsyncClient) -> None:
    missing = await client.get("/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {"error": "not_found", "detail": "no route /v1/nothing-here"}
    wrong = await client.put("/healthz")
    assert wrong.status_code == 405
    assert wrong.json()["error"] == "method_not_allowed"


async def test_security_headers(client: AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"


async def test_openapi_is_served(app: FastAPI, client: AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    assert document["info"]["title"] == "Doorstep hub"
    assert "/v1/homes" in document["paths"]
    page = await client.get("/docs")
    assert page.status_code == 200
    # The page's scripts come from the hub itself: it works on a closed network.
    assert "/docs/assets/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    script = await client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.content) > 100_000
