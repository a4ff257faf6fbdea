"""The web manifest the hub logged: what it serves to browsers, with its inclusion proof."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from doorstep.hub.audit.keyproof import key_proof
from doorstep.hub.audit.schemas import KeyProof
from doorstep.hub.deps import SessionDep, StateDep
from doorstep.hub.schemas import PublicModel
from doorstep.hub.web.manifest import newest_manifest

router = APIRouter(prefix="/v1", tags=["web"])


class WebManifestPublic(PublicModel):
    files: dict[str, str] = Field(
        description="Every static file by its path under /static/, with its SHA-256 (hex)."
    )
    sha256: str = Field(description="SHA-256 of the canonical JSON of files, as logged.")
    proof: KeyProof = Field(description="The web.manifest entry, proven in a checkpoint.")


@router.get("/web/manifest")
def web_manifest(session: SessionDep, state: StateDep) -> WebManifestPublic:
    """The manifest of the browser code this hub logged at its newest start."""
    manifest = newest_manifest(session)
    return WebManifestPublic(
        files=manifest.files,
        sha256=manifest.sha256,
        proof=key_proof(session, state, manifest.audit_index),
    )
