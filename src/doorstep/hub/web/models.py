"""The web manifest: the SHA-256 of every static file the hub serves to browsers."""

from __future__ import annotations

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.hub.db import Base, CreatedMixin


class WebManifest(CreatedMixin, Base):
    """One manifest the hub logged at start (``web.manifest``), keyed by its body's digest."""

    __tablename__ = "web_manifests"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    # canonical_json({path under /static/: sha256 hex})
    body: Mapped[str] = mapped_column(Text)
    audit_index: Mapped[int] = mapped_column(BigInteger)
