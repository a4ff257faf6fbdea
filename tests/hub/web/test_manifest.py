"""The hub logs the manifest of the browser code it serves at start, once per change."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select

from doorstep.hub.app import create_app
from doorstep.hub.audit.models import AuditEntry
from doorstep.hub.state import HubState
from doorstep.hub.web import WEB_STATIC
from doorstep.settings import Settings
from tests.hub.proofs import checked_proof


@asynccontextmanager
async def started(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


def logged_manifests(hub: HubState) -> list[dict[str, object]]:
    with hub.sessions() as session:
        entries = session.scalars(
            select(AuditEntry.public)
            .where(AuditEntry.action == "web.manifest")
            .order_by(AuditEntry.index)
        )
        return [json.loads(entry)["objects"] for entry in entries]


async def served_manifest(app: FastAPI) -> dict[str, object]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://hub.test") as http:
        response = await http.get("/v1/web/manifest")
        assert response.status_code == 200, response.text
        manifest: dict[str, object] = response.json()
        return manifest


def digest(files: dict[str, str]) -> str:
    body = json.dumps(files, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


async def test_the_manifest_lists_every_file_served_and_its_proof_checks(
    client: AsyncClient, tmp_path: Path
) -> None:
    manifest = (await client.get("/v1/web/manifest")).json()
    files = manifest["files"]
    # Every file under static/, vendored code included; each hash is of what /static serves.
    on_disk = sorted(
        p.relative_to(WEB_STATIC).as_posix() for p in WEB_STATIC.rglob("*") if p.is_file()
    )
    assert sorted(files) == on_disk
    assert {"doorstep-crypto.js", "clip-viewer.html", "vendor/hash-wasm.esm.min.js"} <= set(files)
    for path, sha256 in files.items():
        served = await client.get(f"/static/{path}")
        assert hashlib.sha256(served.content).hexdigest() == sha256, path
    assert manifest["sha256"] == digest(files)
    await checked_proof(
        client,
        manifest["proof"],
        action="web.manifest",
        objects={"sha256": digest(files), "files": len(files)},
        memory_file=tmp_path / "memory.json",
    )


async def test_a_restart_with_the_same_files_logs_nothing(
    settings: Settings, hub: HubState
) -> None:
    async with started(settings):
        pass
    [logged] = logged_manifests(hub)
    assert logged["files"] == len([p for p in WEB_STATIC.rglob("*") if p.is_file()])


async def test_a_changed_file_logs_a_new_manifest(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    static = tmp_path / "static"
    shutil.copytree(WEB_STATIC, static)
    monkeypatch.setattr("doorstep.hub.app.WEB_STATIC", static)
    module = static / "doorstep-crypto.js"
    original = module.read_bytes()
    served = []
    for content in (original, original + b"\n// changed\n", original + b"\n// changed\n", original):
        module.write_bytes(content)
        async with started(settings) as app:
            served.append(await served_manifest(app))
            hub: HubState = app.state.hub
    logged = logged_manifests(hub)
    first, changed, same, back = served
    assert (
        changed["files"]["doorstep-crypto.js"]
        == hashlib.sha256(original + b"\n// changed\n").hexdigest()
    )  # type: ignore[index]
    assert same == changed
    # Changed back: the first manifest again, logged again as the newest.
    assert back["sha256"] == first["sha256"] != changed["sha256"]
    assert [entry["sha256"] for entry in logged] == [
        first["sha256"],
        changed["sha256"],
        first["sha256"],
    ]
    assert back["proof"]["index"] > changed["proof"]["index"] > first["proof"]["index"]  # type: ignore[index]
