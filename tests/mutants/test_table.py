"""The mutant table stays in step with the code, and the runner's checks can fail.

The mutation run itself is slow and runs on its own schedule (``scripts/mutants.sh``);
these checks are fast, so code that drifts from a mutant is caught in every test run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mutants import guard, runner
from tests.mutants.table import Edit, Mutant, TableError, apply, check, load, restore

REPO = Path(__file__).resolve().parents[2]
# The security modules the issue names; mutants of anything else don't belong here.
SECURITY_MODULES = (
    "src/doorstep/hub/deps.py",
    "src/doorstep/hub/accounts/",
    "src/doorstep/hub/devices/",
    "src/doorstep/hub/agencies/",
    "src/doorstep/hub/requests/",
    "src/doorstep/hub/shares/",
    "src/doorstep/hub/notifications/",
    "src/doorstep/hub/demands/",
    "src/doorstep/hub/keys/",
    # Issue 21: the log, the web code and every client that checks what the hub serves.
    "src/doorstep/hub/audit/",
    "src/doorstep/hub/web/",
    # Issue 22: the headers every answer gets, and the transparency page's own policy.
    "src/doorstep/hub/middleware.py",
    "src/doorstep/hub/transparency/page.py",
    "src/doorstep/audit/",
    "src/doorstep/crypto/",
    "src/doorstep/owner/",
    "src/doorstep/edge/",
    "src/doorstep/evidence/",
    "src/doorstep/cli/edge.py",
)
# Named in the issue: the run must include each of them.
NAMED = {
    "agency_view_counts_declines",
    "agency_request_view_has_homes_reached",
    "notification_read_by_anyone",
    "refused_extension_extends_access",
    "hidden_route_without_guard",
}


def test_every_mutant_matches_the_code_once_and_names_tests_that_exist() -> None:
    mutants = load()
    assert NAMED <= {mutant.name for mutant in mutants}
    assert len(mutants) >= 25
    for mutant in mutants:
        check(mutant, REPO)
        assert all(edit.file.startswith(SECURITY_MODULES) for edit in mutant.edits), mutant.name


def _tree(tmp_path: Path, text: str) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "guard.py").write_text(text, encoding="utf-8")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_guard.py").write_text("", encoding="utf-8")
    return tmp_path


def _mutant(old: str, new: str = "if True:\n") -> Mutant:
    edit = Edit(file="src/guard.py", old=old, new=new)
    return Mutant(name="always", promise="p", tests=("tests/test_guard.py",), edits=(edit,))


def test_a_mutant_applies_once_and_is_put_back_exactly(tmp_path: Path) -> None:
    source = "def allowed(user):\n    if user.ok:\n        return True\n"
    root = _tree(tmp_path, source)
    originals = apply(_mutant("    if user.ok:\n", "    if True:\n"), root)
    mutated = "def allowed(user):\n    if True:\n        return True\n"
    assert (root / "src/guard.py").read_text() == mutated
    restore(originals)
    assert (root / "src/guard.py").read_text() == source


@pytest.mark.parametrize(("source", "found"), [("x = 1\n", 0), ("if user.ok:\nif user.ok:\n", 2)])
def test_a_mutant_that_matches_zero_or_two_times_fails_naming_itself(
    tmp_path: Path, source: str, found: int
) -> None:
    root = _tree(tmp_path, source)
    with pytest.raises(TableError, match=f"mutant 'always', edit 1: .* occurs {found} times"):
        apply(_mutant("if user.ok:\n"), root)
    assert (root / "src/guard.py").read_text() == source


def test_a_missing_test_path_fails_naming_the_mutant(tmp_path: Path) -> None:
    root = _tree(tmp_path, "if user.ok:\n")
    (root / "tests" / "test_guard.py").unlink()
    with pytest.raises(TableError, match="mutant 'always': test path tests/test_guard.py"):
        check(_mutant("if user.ok:\n"), root)


def test_a_malformed_table_is_refused(tmp_path: Path) -> None:
    table = tmp_path / "mutants.toml"
    entry = '[[mutant]]\nname = "a"\npromise = "p"\ntests = ["t"]\n'
    edit = '[[mutant.edit]]\nfile = "f"\nold = "x"\nnew = "y"\n'
    table.write_text(entry + edit + entry + edit, encoding="utf-8")
    with pytest.raises(TableError, match="mutant 'a' is named twice"):
        load(table)
    table.write_text(entry, encoding="utf-8")
    with pytest.raises(TableError, match=r"mutant 'a': no \[\[mutant.edit\]\]"):
        load(table)


def test_the_copy_imports_its_own_packages_and_a_tree_without_them_is_refused(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    runner.make_copy(copy, None)
    runner.check_imports(copy)
    # Without its own src/doorstep the copy would import the editable install: refused.
    shutil.rmtree(copy / "src" / "doorstep")
    with pytest.raises(runner.RunError, match="not the ones imported"):
        runner.check_imports(copy)


def test_the_guard_knows_what_is_inside_the_copy(tmp_path: Path) -> None:
    assert guard.imported_from(str(tmp_path / "src" / "doorstep" / "__init__.py"), tmp_path)
    assert not guard.imported_from(str(REPO / "src" / "doorstep" / "__init__.py"), tmp_path)
    assert not guard.imported_from(None, tmp_path)


def test_the_guard_stops_a_pytest_run_that_imports_the_checkout(tmp_path: Path) -> None:
    """Inside pytest too: a run whose ``doorstep`` is not the copy's stops, and says so."""
    failures = tmp_path / "failures"
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPO),  # tests.mutants from here; doorstep from the editable install
        guard.ROOT: str(tmp_path),  # a "copy" with nothing in it
        guard.FAILURES: str(failures),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",  # schemathesis and friends take seconds to load
    }
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.mutants.guard", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert finished.returncode == 4, finished.stdout + finished.stderr
    assert "mutant run: doorstep was imported from" in finished.stdout + finished.stderr
    assert failures.read_text().startswith("doorstep\tguard\t")
