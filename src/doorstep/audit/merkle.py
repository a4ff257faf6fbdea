"""The audit log's Merkle tree: RFC 9162 (Certificate Transparency v2) hashing, pure functions.

Hashing (RFC 9162 §2.1.1), SHA-256 throughout::

    MTH({})       = SHA-256()                                   empty_root()
    leaf hash     = SHA-256(0x00 || entry)                       leaf_hash()
    interior node = SHA-256(0x01 || left || right)               node_hash()
    MTH(D[n])     = node_hash(MTH(D[0:k]), MTH(D[k:n])),  k = split_point(n)

Node numbering. Storage keeps only *perfect* subtrees: node ``(level, index)`` is the
root of the perfect subtree over leaves ``[index * 2**level, (index + 1) * 2**level)``.
Level 0 holds the leaf hashes themselves, ``(0, i)`` being leaf ``i`` (0-based); a node
exists once all ``2**level`` of its leaves are appended and never changes afterwards, so
the table ``(level, index) -> hash`` only grows. Any subtree the RFC's recursion asks
for is a short list of such nodes: see :func:`perfect_nodes`.

Which function follows what:

- :func:`root_of` is MTH of RFC 9162 §2.1.1, recursively, as a reference.
- :func:`inclusion_proof` is PATH(m, D[n]) of §2.1.3.1; :func:`verify_inclusion`
  follows the verification steps of §2.1.3.2 one by one.
- :func:`consistency_proof` is PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of §2.1.4.1;
  :func:`verify_consistency` follows the steps of §2.1.4.2 one by one.
- :class:`TreeBuilder` keeps the tree's right edge (the "compact range" of the
  Certificate Transparency implementations) to append and to compute MTH in O(log n).

Edge cases the RFC leaves open (it defines proofs for ``0 <= m < n`` and ``0 < m < n``):
an inclusion proof in a tree of size 0 is an error; a consistency proof from ``m`` to
``m`` is empty and verifies iff the two roots are equal; a consistency proof from 0 is
empty too (every tree extends the empty one) and verifies iff the old root is
``empty_root()``. These match transparency-dev/merkle's verifier, except that it does
not check the old root for ``m == 0``.

Proof *generators* raise ``ValueError`` for arguments the caller should have checked
(an index outside the tree, sizes out of order); *verifiers* raise :class:`ProofError`
for anything that makes a proof fail, malformed input included, since their input comes
from someone who may be lying.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence

from doorstep.errors import DoorstepError

HASH_SIZE = 32

NodeReader = Callable[[int, int], bytes]
"""``node(level, index)`` returns the stored hash of a perfect node."""


class ProofError(DoorstepError):
    """A proof that does not verify; the detail says what failed."""

    code = "proof_error"


# -- hashing (RFC 9162 §2.1.1) ---------------------------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 || entry): the hash of one log entry."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): an interior node over two 32-byte hashes."""
    _check_hash(left, "left")
    _check_hash(right, "right")
    return _node(left, right)


def _node(left: bytes, right: bytes) -> bytes:
    """:func:`node_hash` of hashes already known to be 32 bytes."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def empty_root() -> bytes:
    """MTH({}) = SHA-256 of the empty string: the root of the tree of no entries."""
    return hashlib.sha256(b"").digest()


def split_point(n: int) -> int:
    """The largest power of two strictly less than ``n`` (the RFC's ``k``; ``n >= 2``)."""
    if n < 2:
        raise ValueError(f"split_point needs n >= 2, not {n}")
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over already-hashed leaves, by the RFC's recursion (a reference; O(n))."""
    n = len(leaf_hashes)
    if n == 0:
        return empty_root()
    if n == 1:
        _check_hash(leaf_hashes[0], "leaf hash 0")
        return leaf_hashes[0]
    k = split_point(n)
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


# -- subtrees from stored perfect nodes ------------------------------------------------


def perfect_nodes(start: int, end: int) -> list[tuple[int, int]]:
    """The perfect nodes whose hashes make up MTH(leaves[start:end]), left to right.

    For ``n = end - start`` they are one node per set bit of ``n``, largest first: with
    ``n = 2**a + 2**b + ...`` (``a > b > ...``) the nodes cover ``[start, start + 2**a)``,
    then the next ``2**b`` leaves, and so on. MTH of the range is their hashes folded
    right to left: ``node_hash(h0, node_hash(h1, ... node_hash(h_{j-1}, h_j)))``,
    because the RFC's recursion splits off exactly the largest power of two each time.

    That decomposition is only right, and those nodes only exist, when ``start`` is a
    multiple of ``2**a`` (the largest power of two <= ``n``); otherwise ``ValueError``.
    Every range the RFC's proofs ask for satisfies it: the whole tree ``[0, n)`` and
    every sibling the recursion of PATH and SUBPROOF visits. An empty range gives ``[]``.
    """
    if start < 0 or end < start:
        raise ValueError(f"leaf range [{start}, {end}) is not a range of leaves")
    n = end - start
    if n == 0:
        return []
    top = n.bit_length() - 1
    if start % (1 << top):
        raise ValueError(
            f"leaf range [{start}, {end}) is not aligned: start {start} is not a multiple "
            f"of {1 << top}, so MTH of it is not made of stored perfect nodes"
        )
    nodes: list[tuple[int, int]] = []
    offset = start
    for level in range(top, -1, -1):
        if n & (1 << level):
            nodes.append((level, offset >> level))
            offset += 1 << level
    return nodes


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Combine subtree hashes (left to right) the way MTH does: from the right."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def subtree_root(start: int, end: int, node: NodeReader) -> bytes:
    """MTH(leaves[start:end]) from stored perfect nodes, read with ``node(level, index)``.

    ``start`` must be aligned as :func:`perfect_nodes` says; an empty range gives
    :func:`empty_root`. Reads at most log2(n) + 1 nodes.
    """
    wanted = perfect_nodes(start, end)
    if not wanted:
        return empty_root()
    return _fold([node(level, index) for level, index in wanted])


# -- proofs (RFC 9162 §2.1.3.1 and §2.1.4.1) --------------------------------------------


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs make up PATH(index, D[size]), in proof order."""
    if size < 1:
        raise ValueError(f"an inclusion proof needs a tree of at least 1 entry, not {size}")
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside the tree of size {size} (0..{size - 1})")
    siblings: list[tuple[int, int]] = []  # top-down; PATH lists them bottom-up
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:  # PATH(m, D[0:k]) : MTH(D[k:n])
            siblings.append((start + k, end))
            end = start + k
        else:  # PATH(m - k, D[k:n]) : MTH(D[0:k])
            siblings.append((start, start + k))
            start += k
    siblings.reverse()
    return siblings


def _consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs make up PROOF(old_size, D[new_size]), in proof order."""
    if old_size < 0:
        raise ValueError(f"old_size {old_size} is negative")
    if new_size < old_size:
        raise ValueError(f"old_size {old_size} is larger than new_size {new_size}")
    if old_size in (0, new_size):
        return []
    ranges: list[tuple[int, int]] = []  # top-down; SUBPROOF lists them bottom-up
    start, m, n, whole = 0, old_size, new_size, True
    while m != n:
        k = split_point(n)
        if m <= k:  # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            ranges.append((start + k, start + n))
            n = k
        else:  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            ranges.append((start, start + k))
            start, m, n, whole = start + k, m - k, n - k, False
    if not whole:  # SUBPROOF(m, D[m], false) = {MTH(D[m])}
        ranges.append((start, start + n))
    ranges.reverse()
    return ranges


def _nodes_of(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    seen: dict[tuple[int, int], None] = {}
    for start, end in ranges:
        for found in perfect_nodes(start, end):
            seen.setdefault(found)
    return list(seen)


def inclusion_proof(index: int, size: int, node: NodeReader) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1: sibling hashes from the leaf upwards.

    ``index`` is 0-based, ``0 <= index < size``. Reads exactly the nodes
    :func:`nodes_for_inclusion` lists (at most about 2·log2(size)).
    """
    return [subtree_root(start, end, node) for start, end in _inclusion_ranges(index, size)]


def consistency_proof(old_size: int, new_size: int, node: NodeReader) -> list[bytes]:
    """PROOF(old_size, D[new_size]) of RFC 9162 §2.1.4.1.

    ``0 <= old_size <= new_size``; the proof is empty when ``old_size`` is 0 or equals
    ``new_size`` (see the module docstring). Reads exactly the nodes
    :func:`nodes_for_consistency` lists.
    """
    ranges = _consistency_ranges(old_size, new_size)
    return [subtree_root(start, end, node) for start, end in ranges]


def nodes_for_inclusion(index: int, size: int) -> list[tuple[int, int]]:
    """Every ``(level, index)`` node :func:`inclusion_proof` reads, each once, in read order."""
    return _nodes_of(_inclusion_ranges(index, size))


def nodes_for_consistency(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """Every ``(level, index)`` node :func:`consistency_proof` reads, each once, in order."""
    return _nodes_of(_consistency_ranges(old_size, new_size))


# -- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) --------------------------------------


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        length = len(value) if isinstance(value, bytes) else type(value).__name__
        raise ValueError(f"{what} must be {HASH_SIZE} bytes, not {length}")


def _check_proof_hashes(proof: Sequence[bytes], named: Iterable[tuple[str, bytes]]) -> list[bytes]:
    try:
        for what, value in named:
            _check_hash(value, what)
        for i, value in enumerate(proof):
            _check_hash(value, f"proof hash {i}")
    except ValueError as exc:
        raise ProofError(str(exc)) from exc
    return list(proof)


def _check_count(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProofError(f"{what} {value!r} is not a non-negative integer")


def verify_inclusion(
    *, leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf`` (a leaf *hash*) is entry ``index`` of the tree ``root`` of ``size``.

    The steps of RFC 9162 §2.1.3.2; raises :class:`ProofError` naming what failed.
    """
    _check_count(size, "size")
    _check_count(index, "index")
    path = _check_proof_hashes(proof, [("leaf hash", leaf), ("root", root)])
    # 1. leaf_index >= tree_size fails.
    if index >= size:
        raise ProofError(f"index {index} is outside the tree of size {size}")
    # 2.-3.
    fn, sn, r = index, size - 1, leaf
    # 4.
    for i, p in enumerate(path):
        if sn == 0:
            raise ProofError(
                f"the proof is too long for index {index} in size {size}: hash {i} is extra"
            )
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:  # LSB(fn) not set: shift until it is, or fn is 0
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    # 5.
    if sn != 0:
        raise ProofError(f"the proof is too short for index {index} in size {size}")
    if not hmac.compare_digest(r, root):
        raise ProofError(f"the proof for index {index} leads to another root than size {size}'s")


def verify_consistency(
    *, old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree ``new_root`` of ``new_size`` extends ``old_root`` of ``old_size``.

    The steps of RFC 9162 §2.1.4.2 for ``0 < old_size < new_size``; for the edge cases
    (``old_size`` 0 or equal to ``new_size``) see the module docstring. Raises
    :class:`ProofError` naming what failed.
    """
    _check_count(old_size, "old_size")
    _check_count(new_size, "new_size")
    path = _check_proof_hashes(proof, [("old root", old_root), ("new root", new_root)])
    if old_size > new_size:
        raise ProofError(f"old_size {old_size} is larger than new_size {new_size}")
    if old_size == new_size or old_size == 0:
        if path:
            raise ProofError(
                f"the proof from size {old_size} to {new_size} must be empty, "
                f"it has {len(path)} hashes"
            )
        expected = new_root if old_size == new_size else empty_root()
        if not hmac.compare_digest(old_root, expected):
            which = f"size {new_size}'s" if old_size == new_size else "the empty tree's"
            raise ProofError(f"the root of size {old_size} differs from {which} root")
        return
    # 1. An empty proof fails.
    if not path:
        raise ProofError(f"the proof from size {old_size} to {new_size} is empty")
    # 2. If first is an exact power of 2, prepend first_hash.
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # 3.-4.
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5.
    fr = sr = path[0]
    # 6.
    for i, c in enumerate(path[1:], start=1):
        if sn == 0:
            raise ProofError(
                f"the proof from size {old_size} to {new_size} is too long: hash {i} is extra"
            )
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:  # LSB(fn) not set: shift until it is, or fn is 0
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    # 7.
    if sn != 0:
        raise ProofError(f"the proof from size {old_size} to {new_size} is too short")
    if not hmac.compare_digest(fr, old_root):
        raise ProofError(f"the proof does not lead to the root of size {old_size}")
    if not hmac.compare_digest(sr, new_root):
        raise ProofError(f"the proof does not lead to the root of size {new_size}")


# -- streaming builder -----------------------------------------------------------------


class TreeBuilder:
    """Append leaf hashes in O(log n) time and memory, keeping only the right edge.

    The frontier is the list of perfect subtrees along the right edge, largest first:
    one per set bit of ``size`` (exactly :func:`perfect_nodes` ``(0, size)``), so the root
    is their fold and appending merges equal-sized subtrees like a binary counter.
    """

    __slots__ = ("_size", "_frontier")

    def __init__(self) -> None:
        self._size = 0
        self._frontier: list[bytes] = []

    @classmethod
    def from_frontier(cls, size: int, frontier: Sequence[bytes]) -> TreeBuilder:
        """Resume a tree of ``size`` leaves from its right-edge node hashes, largest first.

        These are the hashes of ``perfect_nodes(0, size)`` in that order, as storage
        keeps them.
        """
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError(f"size {size!r} is not a tree size")
        expected = size.bit_count()
        if len(frontier) != expected:
            raise ValueError(
                f"a tree of size {size} has {expected} frontier nodes, not {len(frontier)}"
            )
        for i, value in enumerate(frontier):
            _check_hash(value, f"frontier hash {i}")
        builder = cls()
        builder._size = size
        builder._frontier = list(frontier)
        return builder

    @property
    def size(self) -> int:
        """The number of leaves appended."""
        return self._size

    def frontier(self) -> list[bytes]:
        """The right-edge perfect-node hashes, largest first (see :meth:`from_frontier`)."""
        return list(self._frontier)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Append one leaf *hash*; returns the perfect nodes it completed, level 0 first.

        Those ``(level, index, hash)`` are exactly the rows storage must insert: the leaf
        itself at ``(0, size)``, then one parent per trailing 1 bit of the old size.
        """
        _check_hash(leaf, "leaf hash")
        position = self._size
        completed = [(0, position, leaf)]
        digest, level = leaf, 0
        while position & (1 << level):
            digest = _node(self._frontier.pop(), digest)
            level += 1
            completed.append((level, position >> level, digest))
        self._frontier.append(digest)
        self._size += 1
        return completed

    def root(self) -> bytes:
        """MTH of the leaves appended so far (:func:`empty_root` for none)."""
        if not self._frontier:
            return empty_root()
        return _fold(self._frontier)
