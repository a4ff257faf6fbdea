"""A pytest plugin for mutant runs: prove the mutated copy is what gets imported, and
write down the first test that failed.

The runner loads it with ``-p tests.mutants.guard`` and sets ``DOORSTEP_MUTANT_ROOT``
(the copy) and ``DOORSTEP_MUTANT_FAILURES`` (a file). ``doorstep`` is installed in
editable mode from the working checkout, so a run that imported it from there would
test unmutated code and call every mutant a survivor: that run stops here instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = "DOORSTEP_MUTANT_ROOT"
FAILURES = "DOORSTEP_MUTANT_FAILURES"


def imported_from(module_file: str | None, root: Path) -> bool:
    return module_file is not None and Path(module_file).resolve().is_relative_to(root)


def pytest_configure(config: pytest.Config) -> None:
    if ROOT not in os.environ:
        return
    import doorstep
    import tests

    root = Path(os.environ[ROOT]).resolve()
    for module in (doorstep, tests):
        if not imported_from(module.__file__, root):
            _record(module.__name__, "guard")
            raise pytest.UsageError(
                f"mutant run: {module.__name__} was imported from {module.__file__}, "
                f"not from the mutated copy {root}"
            )


def _record(nodeid: str, when: str, message: str = "") -> None:
    """One line per failure: node id, phase, and the first line of why (for the log)."""
    if FAILURES in os.environ:
        why = " ".join(message.split())[:200]
        with open(os.environ[FAILURES], "a", encoding="utf-8") as out:
            out.write(f"{nodeid}\t{when}\t{why}\n")


def _why(report: pytest.TestReport | pytest.CollectReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    return str(getattr(crash, "message", "")) or report.longreprtext.strip()[-200:]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed:
        _record(report.nodeid, report.when, _why(report))


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _record(report.nodeid or "(collection)", "collect", _why(report))
