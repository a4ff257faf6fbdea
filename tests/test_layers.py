"""The hub holds no client code and no code path that opens what clients sealed.

No module under src/doorstep/hub imports the owner's or the agency's client, the demo
that plays them, or the private side of crypto. Imports are read with ``ast`` from
every file, function-local, TYPE_CHECKING and relative imports included; a running hub
app is checked too, for what other packages import on its behalf.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src"
HUB = SOURCE / "doorstep" / "hub"
CRYPTO = SOURCE / "doorstep" / "crypto"

CLIENTS = (
    "doorstep.owner",  # the resident's client: their private keys, opening, sharing
    "doorstep.agency",  # the agency's client: its private key
    "doorstep.demo",  # plays both clients (and the hub and an edge) on one machine
)
# Every crypto module is on one side; a new one must be put on one before tests pass.
CRYPTO_PUBLIC_SIDE = frozenset(
    {
        "__init__",
        "envelope",
        "format",
        "keys",
        "keylist",  # the hub verifies every key list it stores
        "pairing",  # the hub checks its part of a pairing code
        "safety",
        "signing",
        "signing_keys",  # the hub checks binding signatures
    }
)
CRYPTO_PRIVATE_SIDE = frozenset(
    {
        "attestation",  # open_attestation: what the owner's client sealed for the agency
        "decrypt",  # open_part, PartOpener: opening sealed parts
        "header_cases",  # vectors: parts and wrapped keys sealed for readers to refuse
        "unwrap",  # unwrap_key: opening wrapped keys (envelope only wraps)
        "passphrase",  # open_private_key, passphrase_key: opening passphrase boxes
        "pipeline",  # what seal and open share: SHA-256 beside the cipher, output buffers
        "stream",  # seal_part: the edge's side, with clip keys in hand
        "strength",  # passphrase rules and the sign-in password check: the owner's client
        "tampering",  # test helpers that forge parts
        "vectors",  # the test vectors' generator, with its fixed private keys
    }
)
FORBIDDEN = CLIENTS + tuple(f"doorstep.crypto.{name}" for name in sorted(CRYPTO_PRIVATE_SIDE))


def imported(source: str, *, package: str) -> set[str]:
    """Every module, and every ``module.name`` taken from one, that ``source`` imports;
    relative imports are resolved against ``package``, the one the module is in."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def forbidden(names: set[str] | list[str]) -> list[str]:
    return sorted(
        name for name in names if any(name == f or name.startswith(f"{f}.") for f in FORBIDDEN)
    )


def package_of(path: Path) -> str:
    parts = path.relative_to(SOURCE).with_suffix("").parts
    return ".".join(parts[:-1])


def hub_files() -> list[Path]:
    return sorted(HUB.rglob("*.py"))


def test_every_crypto_module_is_on_one_side() -> None:
    modules = {path.stem for path in CRYPTO.glob("*.py")}
    assert CRYPTO_PUBLIC_SIDE.isdisjoint(CRYPTO_PRIVATE_SIDE)
    assert modules == CRYPTO_PUBLIC_SIDE | CRYPTO_PRIVATE_SIDE


def test_the_hub_is_all_there() -> None:
    assert len(hub_files()) > 50
    assert (HUB / "requests" / "service.py") in hub_files()


@pytest.mark.parametrize("path", hub_files(), ids=lambda path: str(path.relative_to(HUB)))
def test_no_hub_module_imports_client_code(path: Path) -> None:
    assert forbidden(imported(path.read_text(), package=package_of(path))) == []


def test_a_running_hub_app_has_not_loaded_them() -> None:
    """Imports made indirectly (through other packages) count too."""
    code = (
        "import sys, doorstep.hub.app, doorstep.hub.models\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('doorstep.')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "doorstep.crypto.envelope" in loaded  # the check sees crypto imports at all
    assert forbidden(loaded) == []


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("from doorstep.agency.keys import save_agency_key", "doorstep.agency.keys"),
        ("import doorstep.owner.sharing", "doorstep.owner.sharing"),
        ("def f() -> None:\n    from doorstep.demo import start", "doorstep.demo"),
        ("if TYPE_CHECKING:\n    import doorstep.demo.keys", "doorstep.demo.keys"),
        ("from doorstep.crypto import unwrap", "doorstep.crypto.unwrap"),
        ("from doorstep.crypto.decrypt import open_part", "doorstep.crypto.decrypt"),
        (
            "from doorstep.crypto.passphrase import open_private_key",
            "doorstep.crypto.passphrase.open_private_key",
        ),
        ("from ...owner import keys", "doorstep.owner"),
        ("from ...crypto import decrypt", "doorstep.crypto.decrypt"),
    ],
)
def test_the_check_catches_each_kind_of_import(source: str, caught: str) -> None:
    # Read as a module of doorstep.hub.clips, for the relative imports.
    assert caught in forbidden(imported(source, package="doorstep.hub.clips"))


def test_the_check_lets_the_hub_use_the_public_side() -> None:
    allowed = "from doorstep.crypto.envelope import check_wrapped_key\nfrom ..db import utcnow"
    assert forbidden(imported(allowed, package="doorstep.hub.clips")) == []
