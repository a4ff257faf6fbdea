"""The audit log's tables: entries, the Merkle tree's perfect nodes, the head, checkpoints.

An entry's ``public`` form (canonical JSON, no resident-identifying data) is what the
tree hashes; ``private`` details stay beside it and are never published.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.hub.db import Base, CreatedMixin


class AuditHead(Base):
    """One row: the tree's size. Appends take it in turn (UPDATE ... RETURNING)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    # The transparency report reads some actions from some index on: a range per action.
    __table_args__ = (Index("ix_audit_entries_action_index", "action", "index"),)

    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(64))
    public: Mapped[bytes] = mapped_column(LargeBinary)
    private: Mapped[str | None] = mapped_column(Text, default=None)


class AuditNode(Base):
    """Hash of the perfect subtree covering leaves [index·2^level, (index+1)·2^level)."""

    __tablename__ = "audit_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditCheckpoint(CreatedMixin, Base):
    """A signed tree head in the C2SP tlog-checkpoint format."""

    __tablename__ = "audit_checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
