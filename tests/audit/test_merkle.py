"""The audit log's Merkle tree against RFC 9162's published vectors and pymerkle.

The vectors (leaves, roots of sizes 1..8, inclusion and consistency proofs) are those of
transparency-dev/merkle ``proof/verify_test.go`` (the Certificate Transparency Go code),
with its list of corrupted probes. pymerkle 7 (``InmemoryTree``, SHA-256 with the
0x00/0x01 prefixes) is the independent implementation for roots and inclusion proofs; its
consistency proofs have another layout than RFC 9162's, so those are checked against the
RFC's recursive SUBPROOF over :func:`merkle.root_of` and verified against pymerkle's roots.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import cache

import pytest
from pymerkle import InmemoryTree, verify_inclusion

from doorstep.audit import merkle
from doorstep.audit.merkle import ProofError, TreeBuilder

Table = dict[tuple[int, int], bytes]

CT_LEAVES = [b"", *(bytes.fromhex(h) for h in "00 10 2021 3031 40414243".split())]
CT_LEAVES += [bytes.fromhex("5051525354555657"), bytes.fromhex("606162636465666768696a6b6c6d6e6f")]
CT_ROOTS = [  # sizes 0..8
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
H_96A2 = "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"
H_5F08 = "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"
H_BC1A = "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
H_CA85 = "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"
H_0EBC = "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"
H_6B47 = "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
H_B086 = "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"
CT_INCLUSION = [  # (0-based index, size, proof); the Go file counts leaves from 1
    (0, 1, []),
    (0, 8, [H_96A2, H_5F08, H_6B47]),
    (5, 8, [H_BC1A, H_CA85, CT_ROOTS[4]]),
    (2, 3, [CT_ROOTS[2]]),
    (1, 5, [CT_ROOTS[1], H_5F08, H_BC1A]),
]
CT_CONSISTENCY = [
    (1, 1, []),
    (1, 8, [H_96A2, H_5F08, H_6B47]),
    (6, 8, [H_0EBC, H_CA85, CT_ROOTS[4]]),
    (2, 5, [H_5F08, H_BC1A]),
    (6, 7, [H_0EBC, H_B086, CT_ROOTS[4]]),
]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
BIG = sorted([*random.Random(9162).sample(range(65, 100_000), 3), 99_999])


def entry(i: int) -> bytes:
    return i.to_bytes(4, "big")


def build(leaves: list[bytes]) -> tuple[Table, list[bytes]]:
    """The node table storage would hold, and the root after every append (index = size)."""
    builder, table, roots = TreeBuilder(), Table(), [merkle.empty_root()]
    for leaf in leaves:
        table.update({(level, i): h for level, i, h in builder.append(leaf)})
        roots.append(builder.root())
    return table, roots


def reader(table: Table) -> Callable[[int, int], bytes]:
    return lambda level, index: table[(level, index)]


def recorder(table: Table) -> tuple[Callable[[int, int], bytes], list[tuple[int, int]]]:
    reads: list[tuple[int, int]] = []

    def node(level: int, index: int) -> bytes:
        reads.append((level, index))
        return table[(level, index)]

    return node, reads


@cache
def small() -> tuple[list[bytes], Table, list[bytes], InmemoryTree]:
    leaves = [merkle.leaf_hash(entry(i)) for i in range(300)]
    table, roots = build(leaves)
    reference = InmemoryTree(algorithm="sha256")  # security (0x00/0x01 prefixes) is on
    assert reference.security and reference.algorithm == "sha256"
    for i in range(300):
        reference.append_entry(entry(i))
    return leaves, table, roots, reference


@cache
def big() -> tuple[Table, InmemoryTree]:
    builder, table = TreeBuilder(), Table()
    reference = InmemoryTree(algorithm="sha256")
    for i in range(BIG[-1]):
        table.update({(level, j): h for level, j, h in builder.append(merkle.leaf_hash(entry(i)))})
        reference.append_entry(entry(i))
    return table, reference


def rfc_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF of RFC 9162 §2.1.4.1, word for word."""
    n = len(leaves)
    if m == n:
        return [] if whole else [merkle.root_of(leaves)]
    k = merkle.split_point(n)
    if m <= k:
        return rfc_subproof(m, leaves[:k], whole) + [merkle.root_of(leaves[k:])]
    return rfc_subproof(m - k, leaves[k:], False) + [merkle.root_of(leaves[:k])]


def inclusion_fails(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    try:
        merkle.verify_inclusion(leaf=leaf, index=index, size=size, proof=proof, root=root)
    except ProofError:
        return True
    return False


def consistency_fails(m: int, n: int, old: bytes, new: bytes, proof: list[bytes]) -> bool:
    try:
        merkle.verify_consistency(old_size=m, new_size=n, old_root=old, new_root=new, proof=proof)
    except ProofError:
        return True
    return False


def flips(proof: list[bytes]) -> list[list[bytes]]:
    """Each hash with one bit flipped, the last dropped, one added, one inserted."""
    out = [[*proof[:i], bytes([h[0] ^ 8]) + h[1:], *proof[i + 1 :]] for i, h in enumerate(proof)]
    out += [proof[:-1]] if proof else []
    return out + [[*proof, SOME_HASH], [SOME_HASH, *proof], [*proof[:1], SOME_HASH, *proof[1:]]]


def test_hashing_and_the_reference_roots() -> None:
    leaves = [merkle.leaf_hash(e) for e in CT_LEAVES]
    table, roots = build(leaves)
    assert merkle.empty_root().hex() == CT_ROOTS[0]
    for n in range(9):
        assert merkle.root_of(leaves[:n]).hex() == CT_ROOTS[n]
        assert roots[n].hex() == CT_ROOTS[n]
        assert merkle.subtree_root(0, n, reader(table)).hex() == CT_ROOTS[n]
    assert [merkle.split_point(n) for n in (2, 3, 4, 5, 8, 9)] == [1, 2, 2, 4, 4, 8]
    with pytest.raises(ValueError, match="not 1"):
        merkle.split_point(1)
    with pytest.raises(ValueError, match="right must be 32 bytes, not 31"):
        merkle.node_hash(leaves[0], leaves[0][:31])


def test_the_reference_proofs_and_their_corrupted_probes() -> None:
    leaves = [merkle.leaf_hash(e) for e in CT_LEAVES]
    table, roots = build(leaves)
    for index, size, hexes in CT_INCLUSION:
        proof, leaf, root = [bytes.fromhex(h) for h in hexes], leaves[index], roots[size]
        assert merkle.inclusion_proof(index, size, reader(table)) == proof
        merkle.verify_inclusion(leaf=leaf, index=index, size=size, proof=proof, root=root)
        sizes = [(index - 1, size), (index + 1, size), (index ^ 2, size), (index, size * 2)]
        probes = [(leaf, i, s, proof, root) for i, s in [*sizes, (index, size // 2)]]
        probes += [(b"WrongLeaf", index, size, proof, root), (leaf, index, size, proof, SOME_HASH)]
        probes += [(leaf, index, size, proof, roots[0])]
        probes += [(leaf, index, size, p, root) for p in ([*proof, b""], [*proof, root])]
        probes += [(leaf, index, size, p, root) for p in ([b"", *proof], [root, *proof])]
        probes += [(leaf, index, size, p, root) for p in flips(proof)]
        assert [p for p in probes if not inclusion_fails(*p)] == []
    for m, n, hexes in CT_CONSISTENCY:
        proof, old, new = [bytes.fromhex(h) for h in hexes], roots[m], roots[n]
        assert merkle.consistency_proof(m, n, reader(table)) == proof
        merkle.verify_consistency(old_size=m, new_size=n, old_root=old, new_root=new, proof=proof)
        if not proof:
            assert consistency_fails(m, n, old, SOME_HASH, proof)
            continue
        sizes = [(m - 1, n), (m + 1, n), (m ^ 2, n), (m, n * 2), (m, n // 2)]
        cprobes = [(a, b, old, new, proof) for a, b in sizes]
        cprobes += [(m, n, a, b, proof) for a, b in ((b"Wrong", new), (old, b"Wrong"), (new, old))]
        cprobes += [(m, n, old, new, p) for p in ([], [*proof, b""], [*proof, old], [*proof, new])]
        cprobes += [(m, n, old, new, p) for p in ([b"", *proof], [old, *proof], [new, *proof])]
        cprobes += [(m, n, old, new, p) for p in ([proof[0], *proof], *flips(proof))]
        assert [p for p in cprobes if not consistency_fails(*p)] == []


def test_roots_equal_pymerkles_for_every_size_to_300_and_some_large_ones() -> None:
    leaves, table, roots, reference = small()
    for n in range(1, 301):
        assert roots[n] == reference.get_root(n), n
        assert merkle.subtree_root(0, n, reader(table)) == roots[n], n
    assert merkle.root_of(leaves) == roots[300]
    big_table, big_reference = big()
    for n in BIG:
        assert merkle.subtree_root(0, n, reader(big_table)) == big_reference.get_root(n), n


def test_inclusion_proofs_for_every_index_to_64_match_pymerkle_and_resist_tampering() -> None:
    leaves, table, roots, reference = small()
    for size in range(1, 65):
        for index in range(size):
            node, reads = recorder(table)
            leaf, root, proof = (
                leaves[index],
                roots[size],
                merkle.inclusion_proof(index, size, node),
            )
            assert reads == merkle.nodes_for_inclusion(index, size)
            assert len(reads) <= 2 * (size - 1).bit_length()
            theirs = reference.prove_inclusion(index + 1, size)
            assert theirs.path == [leaf, *proof], (index, size)
            verify_inclusion(leaf, root, theirs, index=index + 1, size=size)
            merkle.verify_inclusion(leaf=leaf, index=index, size=size, proof=proof, root=root)
            wrong = [(i, size, proof, root) for i in (index - 1, index + 1, size) if i != -1]
            wrong += [(index, s, proof, roots[s]) for s in (size - 1, size + 1) if s > index]
            wrong += [(index, size, proof, roots[size - 1])]
            wrong += [(index, size, p, root) for p in flips(proof)]
            assert [w for w in wrong if not inclusion_fails(leaf, *w)] == []


@pytest.mark.parametrize("size", BIG)
def test_inclusion_in_large_trees(size: int) -> None:
    table, reference = big()
    root = merkle.subtree_root(0, size, reader(table))
    for index in [0, size - 1, *random.Random(size).sample(range(size), 4)]:
        wanted = merkle.nodes_for_inclusion(index, size)
        assert len(wanted) <= 2 * (size - 1).bit_length()
        found = {key: table[key] for key in wanted}  # what storage's ONE query returns
        proof = merkle.inclusion_proof(index, size, reader(found))
        leaf = table[(0, index)]
        assert reference.prove_inclusion(index + 1, size).path == [leaf, *proof]
        merkle.verify_inclusion(leaf=leaf, index=index, size=size, proof=proof, root=root)
        assert inclusion_fails(leaf, index ^ 1, size, proof, root)


def test_every_index_of_a_random_large_tree_has_a_proof_that_verifies() -> None:
    table, _ = big()
    size = BIG[-2]  # a random size between 65 and 100,000
    root = merkle.subtree_root(0, size, reader(table))
    node = reader(table)
    for index in range(size):
        proof = merkle.inclusion_proof(index, size, node)
        leaf = table[(0, index)]
        merkle.verify_inclusion(leaf=leaf, index=index, size=size, proof=proof, root=root)
    assert inclusion_fails(table[(0, 0)], 1, size, merkle.inclusion_proof(0, size, node), root)


def test_consistency_proofs_for_every_pair_to_64_and_tampering() -> None:
    leaves, table, roots, reference = small()
    for n in range(1, 65):
        new = reference.get_root(n)
        for m in range(0, n + 1):
            node, reads = recorder(table)
            proof, old = merkle.consistency_proof(m, n, node), reference.get_root(m)
            assert reads == merkle.nodes_for_consistency(m, n)
            assert len(reads) <= 2 * (n - 1).bit_length()
            assert proof == (rfc_subproof(m, leaves[:n], True) if 0 < m < n else []), (m, n)
            assert not consistency_fails(m, n, old, new, proof), (m, n)
            if m == 0:
                continue
            sizes = [(m - 1, n), (m, n + 1), *([(m + 1, n)] if m < n else [])]
            # (0, n) with an empty proof and the empty root is a true claim, not a tamper.
            wrong = [(a, b, roots[a], roots[b], proof) for a, b in sizes if a or proof]
            wrong += [(m, n, new, old, proof)] if m != n else []
            wrong += [(m, n, SOME_HASH, new, proof), (m, n, old, SOME_HASH, proof)]
            wrong += [(m, n, old, new, p) for p in flips(proof)]
            assert [w[:2] for w in wrong if not consistency_fails(*w)] == [], (m, n)


def test_the_builder_resumes_from_its_frontier_and_appends_every_perfect_node() -> None:
    leaves, table, roots, _ = small()
    for size in range(0, 70):
        wanted = merkle.perfect_nodes(0, size)
        frontier = [table[key] for key in wanted]
        resumed = TreeBuilder.from_frontier(size, frontier)
        assert (resumed.size, resumed.frontier(), resumed.root()) == (size, frontier, roots[size])
        for i in range(size, size + 20):
            added = resumed.append(leaves[i])
            assert [(level, j) for level, j, _ in added][0] == (0, i)
            assert all(table[(level, j)] == h for level, j, h in added)
            assert resumed.root() == roots[i + 1]
    # Exactly the perfect subtrees: floor(n / 2**level) nodes at each level.
    assert len(table) == sum(300 >> level for level in range(9))
    assert all(merkle.root_of(leaves[i << lv : (i + 1) << lv]) == h for (lv, i), h in table.items())
    with pytest.raises(ValueError, match="size 5 has 2 frontier nodes, not 1"):
        TreeBuilder.from_frontier(5, [roots[4]])
    with pytest.raises(ValueError, match="leaf hash must be 32 bytes, not 4"):
        TreeBuilder().append(b"leaf")


def test_perfect_nodes_and_argument_checks() -> None:
    assert merkle.perfect_nodes(0, 13) == [(3, 0), (2, 2), (0, 12)]
    assert merkle.perfect_nodes(16, 22) == [(2, 4), (1, 10)]
    assert merkle.perfect_nodes(5, 5) == []
    with pytest.raises(ValueError, match="start 2 is not a multiple of 4"):
        merkle.perfect_nodes(2, 7)
    with pytest.raises(ValueError, match="index 5 is outside the tree of size 5"):
        merkle.nodes_for_inclusion(5, 5)
    with pytest.raises(ValueError, match="not 0"):
        merkle.nodes_for_inclusion(0, 0)
    with pytest.raises(ValueError, match="old_size 6 is larger than new_size 5"):
        merkle.nodes_for_consistency(6, 5)
    h = SOME_HASH
    with pytest.raises(ProofError, match="index 1 is outside the tree of size 1"):
        merkle.verify_inclusion(leaf=h, index=1, size=1, proof=[], root=h)
    with pytest.raises(ProofError, match="index 0 is outside the tree of size 0"):
        merkle.verify_inclusion(leaf=h, index=0, size=0, proof=[], root=h)
    with pytest.raises(ProofError, match="proof hash 1 must be 32 bytes, not 3"):
        merkle.verify_inclusion(leaf=h, index=0, size=4, proof=[h, b"abc"], root=h)
    with pytest.raises(ProofError, match="index -1 is not a non-negative integer"):
        merkle.verify_inclusion(leaf=h, index=-1, size=4, proof=[h], root=h)
    with pytest.raises(ProofError, match="old_size 3 is larger than new_size 2"):
        merkle.verify_consistency(old_size=3, new_size=2, old_root=h, new_root=h, proof=[])
    with pytest.raises(ProofError, match="from size 0 to 3 must be empty, it has 1"):
        merkle.verify_consistency(old_size=0, new_size=3, old_root=h, new_root=h, proof=[h])
    with pytest.raises(ProofError, match="root of size 0 differs from the empty tree's"):
        merkle.verify_consistency(old_size=0, new_size=3, old_root=h, new_root=h, proof=[])
    with pytest.raises(ProofError, match="new root must be 32 bytes, not 0"):
        merkle.verify_consistency(old_size=1, new_size=3, old_root=h, new_root=b"", proof=[h])
