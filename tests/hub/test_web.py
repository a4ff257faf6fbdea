"""The hub serves the browser's clip decryption module and viewer from its own package."""

from __future__ import annotations

from httpx import AsyncClient


async def test_the_crypto_module_and_viewer_are_served(client: AsyncClient) -> None:
    module = await client.get("/static/doorstep-crypto.js")
    assert module.status_code == 200
    assert module.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert module.headers["x-content-type-options"] == "nosniff"
    assert "export async function openPart" in module.text
    page = await client.get("/static/clip-viewer.html")
    assert page.status_code == 200 and "Content-Security-Policy" in page.text
    assert (await client.get("/static/../app.py")).status_code == 404
