"""The audit tree's high nodes, kept in memory by each hub process for its proofs.

Every stored node is a perfect subtree, so once committed it never changes. The high ones
are few and nearly every proof needs them, so a proof takes those from memory and asks the
database only for the low ones near its leaf: a third as many random reads at a million
entries. Only nodes that proof routes read go in (their sessions never append), so
nothing uncommitted is kept. A log restored from an older backup needs a hub restart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

CACHED_FROM_LEVEL = 6  # subtrees of 64 entries and up: 1 node in 64, at most
LIMIT = 250_000  # nodes (about 40 MB): enough for logs of 16M entries; then it starts over

Key = tuple[int, int]


class NodeCache:
    def __init__(self, limit: int = LIMIT) -> None:
        self._nodes: dict[Key, bytes] = {}
        self._limit = limit

    def split(self, keys: Iterable[Key]) -> tuple[dict[Key, bytes], list[Key]]:
        """The nodes known here, and the keys to ask the database for."""
        known: dict[Key, bytes] = {}
        ask: list[Key] = []
        for key in keys:
            digest = self._nodes.get(key)
            if digest is None:
                ask.append(key)
            else:
                known[key] = digest
        return known, ask

    def keep(self, nodes: Mapping[Key, bytes]) -> None:
        """Remember the high nodes among ``nodes``, read committed from the database."""
        for key, digest in nodes.items():
            if key[0] >= CACHED_FROM_LEVEL:
                if len(self._nodes) >= self._limit:
                    self._nodes.clear()
                self._nodes[key] = digest

    def __len__(self) -> int:
        return len(self._nodes)
