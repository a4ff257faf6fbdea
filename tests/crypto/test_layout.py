"""The hub has no code path that decrypts: it never imports the private side of crypto."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import doorstep

PRIVATE_SIDE = {
    "doorstep.crypto.decrypt",
    "doorstep.crypto.unwrap",
    "doorstep.crypto.passphrase",
    "doorstep.crypto.stream",
    "doorstep.crypto.tampering",
    "doorstep.crypto.vectors",
    "doorstep.owner",
}
HUB = Path(doorstep.__file__).parent / "hub"


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def is_private(module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in PRIVATE_SIDE)


def test_no_hub_module_imports_the_private_side() -> None:
    modules = sorted(HUB.rglob("*.py"))
    assert len(modules) > 40
    offenders = {
        str(path.relative_to(HUB)): sorted(filter(is_private, imported_modules(path)))
        for path in modules
    }
    assert {path: found for path, found in offenders.items() if found} == {}


def test_a_running_hub_app_has_not_loaded_them() -> None:
    """Imports made indirectly (through other packages) count too."""
    code = (
        "import sys, doorstep.hub.app, doorstep.hub.models\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('doorstep.')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "doorstep.crypto.envelope" in loaded  # the checker sees crypto imports at all
    assert [module for module in loaded if is_private(module)] == []


def test_the_checker_notices_a_private_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from doorstep.crypto.unwrap import unwrap_key\nimport doorstep.owner.keys\n")
    assert {m for m in imported_modules(sample) if is_private(m)} == {
        "doorstep.crypto.unwrap",
        "doorstep.crypto.unwrap.unwrap_key",
        "doorstep.owner.keys",
    }
