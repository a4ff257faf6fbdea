"""Checkpoints in the C2SP signed-note and tlog-checkpoint formats.

Interoperability vectors, copied verbatim from their sources:

- golang.org/x/mod/sumdb/note, note_test.go (and the package doc in note.go): the
  PeterNeumann and EnochRoot keys, the signed quotation, its mangled variants.
- sigsum.org/sigsum-go, pkg/checkpoint/checkpoint_test.go: a checkpoint signed with the
  Ed25519 seed ``17, 0, 0, ...`` (``validCheckpointASCII``), and a real checkpoint of
  the Go checksum database, fetched from https://sum.golang.org/latest on 2024-09-23,
  with the key from cmd/go (``TestGoSumDBCheckpoint``).
- C2SP tlog-checkpoint: the example in the specification's introduction.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from doorstep.audit.checkpoint import (
    Checkpoint,
    CheckpointError,
    LogKey,
    generate_log_key,
    open_checkpoint,
    open_note,
    parse_checkpoint,
    sign_checkpoint,
    sign_note,
)

# --- golang.org/x/mod/sumdb/note note_test.go -------------------------------------------
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngot"
    "pRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox"
    "33WWd1RvMc+QQ=\n"
)

# --- sigsum-go pkg/checkpoint/checkpoint_test.go ----------------------------------------
SIGSUM_ORIGIN = (
    "sigsum.org/v1/tree/e796172b92befd62d9dc67e41c2f5bc9d3100a3023b20b1ca40288dd1c679e69"
)
SIGSUM_NOTE = (
    f"{SIGSUM_ORIGIN}\n10\nHA5HAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"
    f"— {SIGSUM_ORIGIN} gJ2ho0n8F8olcerUF1FFdv235A/5as/coWrpLrtE7ovMeP5whgwouYExowG/lTznxu6OU"
    "Gjjt5yJQ6bXtTcf718MqAQ=\n"
)
SUMDB_VKEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
SUMDB_NOTE = (
    "go.sum database tree\n30055305\nmXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM=\n\n"
    "— sum.golang.org Az3grpgEild5qw7+5dtV13Kf1C2Xurm8q4fhdxvcsDHnqNTaxL2AFjBY+2TyGKevucFcAAlWFJ"
    "JYle3EJlDCrQ+y3A8=\n"
)

# --- C2SP tlog-checkpoint, introduction --------------------------------------------------
C2SP_EXAMPLE = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
    "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
    "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)


def private_key_from_skey(skey: str) -> tuple[str, Ed25519PrivateKey]:
    """Go's signer key ``PRIVATE+KEY+<name>+<hash>+<base64(0x01 ‖ seed)>``, for the tests."""
    private, key, name, hash_hex, material_b64 = skey.split("+", 4)
    assert (private, key) == ("PRIVATE", "KEY")
    material = base64.b64decode(material_b64, validate=True)
    assert material[0] == 0x01 and len(material) == 33
    private_key = Ed25519PrivateKey.from_private_bytes(material[1:])
    assert LogKey(name, private_key.public_key()).key_hash == int(hash_hex, 16)
    return name, private_key


def fails(note: str | bytes, key: LogKey, match: str) -> None:
    with pytest.raises(CheckpointError, match=match):
        open_note(note, key=key)


def test_go_vkey_parses_and_round_trips() -> None:
    key = LogKey.from_vkey(PETER_VKEY)
    assert key.name == "PeterNeumann"
    assert key.key_hash == 0xC74F20A3
    assert key.vkey() == PETER_VKEY
    name, private_key = private_key_from_skey(PETER_SKEY)
    assert LogKey(name, private_key.public_key()).vkey() == PETER_VKEY


def test_go_vkey_manglings_are_refused() -> None:
    """TestNewVerifier: every proper substring and every byte incremented must fail."""
    b = PETER_VKEY
    for i in range(len(b) + 1):
        for j in range(i + 1, len(b) + 1):
            if (i, j) != (0, len(b)):
                with pytest.raises(CheckpointError):
                    LogKey.from_vkey(b[i:j])
    for i in range(len(b)):
        with pytest.raises(CheckpointError):
            LogKey.from_vkey(b[:i] + chr(ord(b[i]) + 1) + b[i + 1 :])
    wrong_length = "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
    with pytest.raises(CheckpointError, match="32 bytes, not 36"):
        LogKey.from_vkey(wrong_length)
    unknown_algorithm = "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    with pytest.raises(CheckpointError, match="unknown algorithm 0x65"):
        LogKey.from_vkey(unknown_algorithm)
    with pytest.raises(CheckpointError, match="key ID does not match"):
        LogKey.from_vkey(PETER_VKEY.replace("c74f20a3", "c74f20a4"))


def test_go_signature_is_reproduced_byte_for_byte() -> None:
    name, private_key = private_key_from_skey(PETER_SKEY)
    assert sign_note(TEXT, name=name, private_key=private_key) == TEXT + "\n" + PETER_SIG


def test_go_notes_open() -> None:
    peter, enoch = LogKey.from_vkey(PETER_VKEY), LogKey.from_vkey(ENOCH_VKEY)
    both = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert open_note(both, key=peter) == TEXT
    assert open_note(both, key=enoch) == TEXT  # each ignores the other's signature
    assert open_note(both.encode("utf-8"), key=peter) == TEXT
    # Repeated identical lines count once (Go drops them too).
    repeated = TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG
    assert open_note(repeated, key=peter) == TEXT
    fails(TEXT + "\n" + ENOCH_SIG, peter, r"no signature by PeterNeumann\+c74f20a3$")


def test_go_bad_notes_are_refused() -> None:
    peter = LogKey.from_vkey(PETER_VKEY)
    fails(TEXT + "\n" + PETER_SIG * 101, peter, "101 signatures, more than 100")
    assert open_note(TEXT + "\n" + PETER_SIG * 100, key=peter) == TEXT
    corrupt = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    fails(TEXT + "\n" + corrupt, peter, "signature by PeterNeumann does not verify")
    # Go accepts a second, bad signature by the known key after a good one; we don't.
    fails(TEXT + "\n" + PETER_SIG + corrupt, peter, "does not verify")
    bad = {
        TEXT: "no blank line",
        TEXT + "\n": "no signature lines",
        TEXT + "\n" + PETER_SIG[:-1]: "does not end with a newline",
        "\x01" + TEXT + "\n" + PETER_SIG: "control character",
        TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Bad Name"): "signature line 1",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n": "signature line 2 does not start",
    }
    for note, match in bad.items():
        fails(note, peter, match)
    fails(b"\xff" + (TEXT + "\n" + PETER_SIG).encode("utf-8"), peter, "not valid UTF-8")
    fails("\ud800" + TEXT + "\n" + PETER_SIG, peter, "not valid UTF-8")
    misnamed = PETER_SIG.replace("PeterNeumann", "CarmenSandiego")
    fails(TEXT + "\n" + misnamed, peter, "no signature by PeterNeumann")
    wrong_hash = PETER_SIG.replace("x08g", "xxxx")
    fails(TEXT + "\n" + wrong_hash, peter, r"no signature by PeterNeumann.*other keys")


def test_sigsum_checkpoint_verifies_and_is_reproduced() -> None:
    private_key = Ed25519PrivateKey.from_private_bytes(bytes([17]) + bytes(31))
    public = private_key.public_key().public_bytes_raw()
    assert SIGSUM_ORIGIN == "sigsum.org/v1/tree/" + hashlib.sha256(public).hexdigest()
    key = LogKey(SIGSUM_ORIGIN, private_key.public_key())
    checkpoint = open_checkpoint(SIGSUM_NOTE, key=key, origin=SIGSUM_ORIGIN)
    assert checkpoint.size == 10
    assert checkpoint.root == bytes([28, 14, 71]) + bytes(29)
    assert sign_checkpoint(checkpoint, name=SIGSUM_ORIGIN, private_key=private_key) == SIGSUM_NOTE


def test_go_checksum_database_checkpoint_verifies() -> None:
    key = LogKey.from_vkey(SUMDB_VKEY)
    checkpoint = open_checkpoint(SUMDB_NOTE, key=key, origin="go.sum database tree")
    assert checkpoint.size == 30055305
    assert base64.b64encode(checkpoint.root) == b"mXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM="
    assert checkpoint.extensions == ()
    tampered = SUMDB_NOTE.replace("30055305", "30055306")
    with pytest.raises(CheckpointError, match="signature by sum.golang.org does not verify"):
        open_checkpoint(tampered, key=key)


def test_c2sp_example_parses() -> None:
    text = C2SP_EXAMPLE[: C2SP_EXAMPLE.rindex("\n\n") + 1]
    checkpoint = parse_checkpoint(text)
    assert (checkpoint.origin, checkpoint.size) == ("example.com/behind-the-sofa", 20852163)
    assert checkpoint.body().decode() == text
    _, key = generate_log_key("example.com/behind-the-sofa")
    with pytest.raises(CheckpointError, match="no signature by example.com/behind-the-sofa"):
        open_checkpoint(C2SP_EXAMPLE, key=key)


@pytest.fixture(name="log")
def _log() -> tuple[Ed25519PrivateKey, LogKey, Checkpoint, str]:
    private_key, key = generate_log_key("doorstep.example/audit")
    checkpoint = Checkpoint("doorstep.example/audit", 1234, hashlib.sha256(b"root").digest())
    note = sign_checkpoint(checkpoint, name=key.name, private_key=private_key)
    return private_key, key, checkpoint, note


Log = tuple[Ed25519PrivateKey, LogKey, Checkpoint, str]


def test_round_trip(log: Log) -> None:
    _, key, checkpoint, note = log
    body = checkpoint.body().decode()
    assert body == f"doorstep.example/audit\n1234\n{base64.b64encode(checkpoint.root).decode()}\n"
    assert note.startswith(body + "\n— doorstep.example/audit ")
    assert open_checkpoint(note, key=key, origin="doorstep.example/audit") == checkpoint
    assert LogKey.from_vkey(key.vkey()).vkey() == key.vkey()
    empty = Checkpoint("doorstep.example/audit", 0, bytes(32))
    assert b"\n0\n" in empty.body()


def test_extensions_are_kept(log: Log) -> None:
    private_key, key, _, _ = log
    checkpoint = Checkpoint("o.example/log", 5, bytes(range(32)), ("ext one", "— two"))
    note = sign_checkpoint(checkpoint, name=key.name, private_key=private_key)
    assert open_checkpoint(note, key=key) == checkpoint
    edited = note.replace("ext one", "ext 1")
    with pytest.raises(CheckpointError, match="does not verify"):
        open_checkpoint(edited, key=key)


def test_tampering_is_detected(log: Log) -> None:
    _, key, checkpoint, note = log
    root_b64 = base64.b64encode(checkpoint.root).decode()
    other_root = base64.b64encode(bytes(32)).decode()
    for old, new in [
        ("doorstep.example/audit\n1234", "doorstep.example/audix\n1234"),
        ("\n1234\n", "\n1235\n"),
        (root_b64, other_root),
        ("\n\n—", "\nextension\n\n—"),
    ]:
        tampered = note.replace(old, new, 1)
        assert tampered != note
        with pytest.raises(CheckpointError, match="signature by doorstep.example/audit does not"):
            open_checkpoint(tampered, key=key)


def test_other_key_with_same_name(log: Log) -> None:
    _, key, checkpoint, note = log
    impostor_private, impostor = generate_log_key(key.name)
    forged = sign_checkpoint(checkpoint, name=key.name, private_key=impostor_private)
    with pytest.raises(CheckpointError, match=f"no signature by {key.name}.*other keys"):
        open_checkpoint(forged, key=key)
    assert open_checkpoint(forged, key=impostor) == checkpoint
    # Same name and key ID as the log key, but a signature by another key: must verify.
    kid = key.key_hash.to_bytes(4, "big")
    body = checkpoint.body()
    sig = base64.b64encode(kid + impostor_private.sign(body)).decode()
    with pytest.raises(CheckpointError, match=f"signature by {key.name} does not verify"):
        open_checkpoint(f"{body.decode()}\n— {key.name} {sig}\n", key=key)


def test_malformed_notes(log: Log) -> None:
    _, key, _, note = log
    cases = {
        note[:-1]: "does not end with a newline",
        note.replace("\n", "\r\n"): "carriage return",
        note.replace("\n\n", "\n"): "no blank line",
        note.replace("— ", "-- "): "does not start with '— '",
        note.replace("— ", "—"): "does not start with '— '",
        note[:-3] + "!!\n": "signature line 1 is not base64",
        note[:-2] + "\n": "signature line 1 is not base64",
        note + "— witness.example AAAA\n": "signature line 2 is too short",
        note + "— witness.example\n": "signature line 2 has no signature",
        note + "—  AAAAAAA=\n": "signature line 2: the key name",
        note + "\n": "no signature lines",
    }
    for bad, match in cases.items():
        with pytest.raises(CheckpointError, match=match):
            open_checkpoint(bad, key=key)


def test_duplicate_signature_lines(log: Log) -> None:
    private_key, key, checkpoint, note = log
    sig_line = note[note.rindex("\n\n") + 2 :]
    assert open_checkpoint(note + sig_line, key=key) == checkpoint
    other = Checkpoint(checkpoint.origin, checkpoint.size + 1, checkpoint.root)
    other_line = sign_checkpoint(other, name=key.name, private_key=private_key)
    other_line = other_line[other_line.rindex("\n\n") + 2 :]
    with pytest.raises(CheckpointError, match="does not verify"):
        open_checkpoint(note + other_line, key=key)


def test_too_many_signatures(log: Log) -> None:
    _, key, checkpoint, note = log
    witness = "— witness.example/w " + base64.b64encode(bytes(76)).decode() + "\n"
    assert open_checkpoint(note + witness * 99, key=key) == checkpoint
    with pytest.raises(CheckpointError, match="101 signatures, more than 100"):
        open_checkpoint(note + witness * 100, key=key)


def test_witness_cosignatures_are_ignored(log: Log) -> None:
    _, key, checkpoint, note = log
    cosigned = note
    for i in range(5):
        witness_private, witness = generate_log_key(f"witness{i}.example/w")
        # c2sp.org/tlog-cosignature lines: key ID ‖ 8-byte timestamp ‖ signature.
        raw = witness.key_hash.to_bytes(4, "big") + (1_700_000_000).to_bytes(8, "big")
        raw += witness_private.sign(b"cosignature/v1\n" + checkpoint.body())
        cosigned += f"— {witness.name} {base64.b64encode(raw).decode()}\n"
    head, sigs = cosigned.rsplit("\n\n", 1)
    reordered = head + "\n\n" + "".join(sorted(sigs.splitlines(keepends=True)))
    for text in (cosigned, reordered):
        assert open_checkpoint(text, key=key) == checkpoint


def test_origin_mismatch(log: Log) -> None:
    _, key, _, note = log
    with pytest.raises(CheckpointError, match="origin 'doorstep.example/audit' is not the"):
        open_checkpoint(note, key=key, origin="elsewhere.example/audit")


def _signed(text: str, log: Log) -> str:
    private_key, key, _, _ = log
    return sign_note(text, name=key.name, private_key=private_key)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("o\n01234\n{root}\n", "tree size '01234' has leading zeros"),
        ("o\n00\n{root}\n", "leading zeros"),
        ("o\n12a\n{root}\n", "tree size '12a' is not a number"),
        ("o\n-1\n{root}\n", "is not a number"),
        ("o\n+1\n{root}\n", "is not a number"),
        ("o\n\u0661\n{root}\n", "is not a number"),
        ("o\n 1\n{root}\n", "is not a number"),
        ("o\n9223372036854775808\n{root}\n", "too large"),
        ("o\n" + "9" * 5000 + "\n{root}\n", "too large"),
        ("o\n1\n" + base64.b64encode(bytes(31)).decode() + "\n", "31 bytes, not 32"),
        ("o\n1\n" + base64.b64encode(bytes(33)).decode() + "\n", "33 bytes, not 32"),
        ("o\n1\nnot base64!\n", "root hash is not base64"),
        ("o\n1\n" + base64.b64encode(bytes(32)).decode()[:-2] + "B=\n", "canonical base64"),
        ("o\n1\n", "2 lines, not at least 3"),
        ("o\n1\n{root}\n\next\n", "checkpoint line 4 is empty"),
    ],
)
def test_malformed_checkpoint_bodies(text: str, match: str, log: Log) -> None:
    note = _signed(text.replace("{root}", base64.b64encode(bytes(32)).decode()), log)
    with pytest.raises(CheckpointError, match=match):
        open_checkpoint(note, key=log[1])


def test_largest_tree_size(log: Log) -> None:
    root = base64.b64encode(bytes(32)).decode()
    checkpoint = open_checkpoint(_signed(f"o\n9223372036854775807\n{root}\n", log), key=log[1])
    assert checkpoint.size == 2**63 - 1


def test_invalid_values_are_refused() -> None:
    private_key, key = generate_log_key("log.example")
    with pytest.raises(CheckpointError, match="31 bytes"):
        Checkpoint("o", 1, bytes(31))
    with pytest.raises(CheckpointError, match="out of range"):
        Checkpoint("o", -1, bytes(32))
    with pytest.raises(CheckpointError, match="origin"):
        Checkpoint("a\nb", 1, bytes(32))
    with pytest.raises(CheckpointError, match="extension"):
        Checkpoint("o", 1, bytes(32), ("",))
    for name in ("", "a b", "a+b", "a\u00a0b", "a\u2003b"):
        with pytest.raises(CheckpointError, match="key name"):
            LogKey(name, key.public_key)
        with pytest.raises(CheckpointError, match="key name"):
            sign_note("x\n", name=name, private_key=private_key)
    with pytest.raises(CheckpointError, match="does not end with a newline"):
        sign_note("x", name="log.example", private_key=private_key)
