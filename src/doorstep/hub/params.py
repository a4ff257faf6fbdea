"""Integers a route reads from its path or query, bounded where they are declared.

A value past its column's width (64 bits, or 32 for a key list's version) would fail
inside a query (a 500), so every integer path or query parameter is one of these, and a
value out of range is refused with a 422 that names the parameter. Wrap one in ``Query`` or
``Path`` (``Annotated[Offset, Query(description=...)]``) to describe it.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le

MAX_INT64 = 2**63 - 1
MAX_INT32 = 2**31 - 1

# A position or count: an entry index, a page offset, a tree size to start after.
Offset = Annotated[int, Ge(0), Le(MAX_INT64)]
# A home key list's version: its column holds 32 bits.
ListVersion = Annotated[int, Ge(0), Le(MAX_INT32)]
# A Merkle tree size (number of entries); the empty tree has no checkpoint or proof.
TreeSize = Annotated[int, Ge(1), Le(MAX_INT64)]
# How many rows one page holds; the audit log's pages are longer, for verifiers replaying it.
PageLimit = Annotated[int, Ge(1), Le(500)]
LogPageLimit = Annotated[int, Ge(1), Le(1000)]
