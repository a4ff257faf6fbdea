"""Apply each mutant in a throwaway copy of the repository and run the tests that must kill it.

    .venv/bin/python -m tests.mutants [NAME ...] [--list] [--ref REV] [--markdown FILE]

Nothing is written to the checkout: the copy is made in a temporary directory from the
checkout's files (tracked and untracked, minus what git ignores) or from a commit
(``--ref``). The selected tests first run once against the unmutated copy; if they
fail there, a failure under a mutant would prove nothing, so the run stops. Then, per
mutant: patch, run ``pytest -x`` on its tests with the copy first on the import path,
record killed or survived with the first failing test, put the file back.
Exit status: 0 every mutant killed, 1 a survivor, 2 the table, copy or baseline is broken.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.mutants import guard
from tests.mutants.table import TABLE, Mutant, TableError, apply, check, load, restore

REPO = Path(__file__).resolve().parents[2]
# Without git (an unpacked archive), these are what the tests need.
FALLBACK_PATHS = ("pyproject.toml", "README.md", "src", "tests", "docs", "scripts")


class RunError(Exception):
    """The run can't say anything about the mutants: a broken copy, suite or plugin."""


@dataclass(frozen=True)
class Outcome:
    name: str
    killed: bool
    killed_by: str
    seconds: float
    why: str = ""


def _say(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def make_copy(dest: Path, ref: str | None) -> None:
    """Fill ``dest`` with the repository's files (the checkout's, or commit ``ref``'s) and
    this package as it is running, so the table and guard are the ones in use."""
    _copy_files(dest, ref)
    package = Path(__file__).resolve().parent
    shutil.rmtree(dest / "tests" / "mutants", ignore_errors=True)
    shutil.copytree(
        package, dest / "tests" / "mutants", ignore=shutil.ignore_patterns("__pycache__")
    )


def _copy_files(dest: Path, ref: str | None) -> None:
    if ref is not None:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", "--format=tar", ref],
            capture_output=True,
            check=False,
        )
        if archive.returncode != 0:
            raise RunError(f"git archive {ref}: {archive.stderr.decode().strip()}")
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
        return
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:
        for name in FALLBACK_PATHS:
            source = REPO / name
            if source.is_dir():
                shutil.copytree(
                    source, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
                )
            elif source.is_file():
                shutil.copy2(source, dest / name)
        return
    for name in listed.stdout.decode().split("\0"):
        source = REPO / name
        if name and source.is_file():  # listed but deleted in the checkout: not copied
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name, follow_symlinks=False)


def environment(copy: Path, failures: Path) -> dict[str, str]:
    """The copy's src and root first on the import path, ahead of the editable install."""
    paths = [str(copy / "src"), str(copy)]
    if os.environ.get("PYTHONPATH"):
        paths.append(os.environ["PYTHONPATH"])
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(paths),
        # No bytecode is written, so a restored file can never be run from a mutant's .pyc.
        "PYTHONDONTWRITEBYTECODE": "1",
        guard.ROOT: str(copy),
        guard.FAILURES: str(failures),
    }


def check_imports(copy: Path) -> None:
    """Raise RunError unless ``doorstep`` and ``tests`` import from the copy."""
    found = subprocess.run(
        [sys.executable, "-c", "import doorstep, tests; print(doorstep.__file__, tests.__file__)"],
        cwd=copy,
        env=environment(copy, copy / "unused"),
        capture_output=True,
        text=True,
        check=False,
    )
    files = found.stdout.split()
    root = copy.resolve()
    if found.returncode != 0 or not all(guard.imported_from(f, root) for f in files):
        raise RunError(
            f"the copy's packages are not the ones imported ({found.stdout.strip()}"
            f"{found.stderr.strip()}); mutants would be tested against the checkout"
        )


@dataclass(frozen=True)
class PytestRun:
    status: int | None  # None: ran past the timeout
    first_failure: str
    why: str
    seconds: float
    tail: str


def run_pytest(copy: Path, tests: Sequence[str], timeout_s: float) -> PytestRun:
    failures = Path(tempfile.mkstemp(prefix="doorstep-mutant-failures-")[1])
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
    command += ["-p", "tests.mutants.guard", *tests]
    started = time.monotonic()
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as log:
        process = subprocess.Popen(
            command,
            cwd=copy,
            env=environment(copy, failures),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so a timeout stops the hubs and workers a test started
        )
        try:
            status: int | None = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            status = None
        seconds = time.monotonic() - started
        log.seek(0)
        tail = "\n".join(log.read().splitlines()[-15:])
    lines = failures.read_text(encoding="utf-8").splitlines()
    failures.unlink()
    if any(line.endswith("\tguard") for line in lines):
        raise RunError(f"the mutant guard stopped pytest:\n{tail}")
    first, why = "", ""
    if lines:
        nodeid, when, why = lines[0].split("\t")
        first = nodeid if when == "call" else f"{nodeid} ({when})"
    return PytestRun(status=status, first_failure=first, why=why, seconds=seconds, tail=tail)


def run_mutant(copy: Path, mutant: Mutant, timeout_s: float) -> Outcome:
    originals = apply(mutant, copy)
    try:
        result = run_pytest(copy, mutant.tests, timeout_s)
    finally:
        restore(originals)
    if result.status == 0:
        return Outcome(mutant.name, False, "", result.seconds)
    if result.status == 5:
        raise RunError(f"mutant {mutant.name!r}: pytest collected no tests from {mutant.tests}")
    if result.status is None:
        killed_by = f"(ran past {timeout_s:.0f} s)"
    elif result.first_failure:
        killed_by = result.first_failure
    else:  # no test ran: the mutant broke an import or a conftest
        last = result.tail.splitlines()[-1] if result.tail else ""
        killed_by = f"(pytest exit {result.status}: {last.strip()})"
    return Outcome(mutant.name, True, killed_by, result.seconds, result.why)


def baseline(copy: Path, mutants: Sequence[Mutant], timeout_s: float) -> float:
    tests = list(dict.fromkeys(test for mutant in mutants for test in mutant.tests))
    _say(f"baseline: {len(tests)} test paths against the unmutated copy ...")
    result = run_pytest(copy, tests, timeout_s * 2)
    if result.status == 4:
        raise RunError(f"pytest refused the tests named in the table:\n{result.tail}")
    if result.status != 0:
        raise RunError(
            "the selected tests fail without any mutant "
            f"({result.first_failure or f'pytest exit {result.status}'}); fix the suite "
            f"first, or every mutant would look killed:\n{result.tail}"
        )
    _say(f"baseline: passed in {result.seconds:.1f} s")
    return result.seconds


def table_text(outcomes: Sequence[Outcome]) -> str:
    width = max([len("mutant"), *(len(o.name) for o in outcomes)])
    rows = [f"{'mutant':<{width}}  {'result':<8}  {'seconds':>7}  killed by"]
    for o in outcomes:
        result = "killed" if o.killed else "SURVIVED"
        rows.append(f"{o.name:<{width}}  {result:<8}  {o.seconds:>7.1f}  {o.killed_by or '-'}")
    return "\n".join(rows)


def markdown(outcomes: Sequence[Outcome], mutants: dict[str, Mutant]) -> str:
    rows = [
        "| Mutant | Promise it breaks | Result | Killed by | Seconds |",
        "|---|---|---|---|---|",
    ]
    for o in outcomes:
        promise = mutants[o.name].promise.replace("|", "\\|")
        result = "killed" if o.killed else "**survived**"
        killed_by = f"`{o.killed_by}`" if o.killed_by else "-"
        rows.append(f"| `{o.name}` | {promise} | {result} | {killed_by} | {o.seconds:.1f} |")
    return "\n".join(rows) + "\n"


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/mutants.sh",
        description="Apply each named mutant in a throwaway copy and run the tests that "
        "must kill it; exit 1 if any survives.",
    )
    parser.add_argument("names", nargs="*", help="run only these mutants (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--ref", help="copy this commit instead of the checkout's files")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per mutant")
    parser.add_argument("--markdown", type=Path, help="also write the table here, as Markdown")
    parser.add_argument("--keep", action="store_true", help="keep the copy (its path is printed)")
    parser.add_argument("--table", type=Path, default=TABLE, help="another mutant table (TOML)")
    return parser.parse_args(argv)


def select(mutants: Sequence[Mutant], names: Sequence[str]) -> list[Mutant]:
    known = {mutant.name: mutant for mutant in mutants}
    if unknown := [name for name in names if name not in known]:
        raise TableError(f"no mutant named {unknown[0]!r}; `--list` shows them")
    return [known[name] for name in names] if names else list(mutants)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    try:
        mutants = load(args.table)
        chosen = select(mutants, args.names)
    except TableError as exc:
        _say(f"mutants: {exc}")
        return 2
    if args.list:
        for mutant in chosen:
            _say(f"{mutant.name}  [{', '.join(mutant.files)}]\n    {mutant.promise}")
        return 0
    copy = Path(tempfile.mkdtemp(prefix="doorstep-mutants-"))
    started = time.monotonic()
    try:
        make_copy(copy, args.ref)
        for mutant in chosen:
            check(mutant, copy)
        check_imports(copy)
        _say(f"copy: {copy}")
        baseline(copy, chosen, args.timeout)
        outcomes = []
        for number, mutant in enumerate(chosen, start=1):
            outcome = run_mutant(copy, mutant, args.timeout)
            verdict = "killed" if outcome.killed else "SURVIVED"
            _say(f"[{number}/{len(chosen)}] {mutant.name}: {verdict} ({outcome.seconds:.1f} s)")
            if outcome.why:
                _say(f"    {outcome.killed_by}: {outcome.why}")
            outcomes.append(outcome)
    except (TableError, RunError) as exc:
        _say(f"mutants: {exc}")
        return 2
    finally:
        if args.keep:
            _say(f"kept the copy at {copy}")
        else:
            shutil.rmtree(copy, ignore_errors=True)
    survivors = [o.name for o in outcomes if not o.killed]
    _say("\n" + table_text(outcomes))
    _say(
        f"\n{len(outcomes)} mutant{'' if len(outcomes) == 1 else 's'}: "
        f"{len(outcomes) - len(survivors)} killed, "
        f"{len(survivors)} survived; {time.monotonic() - started:.0f} s in all"
    )
    if args.markdown:
        args.markdown.write_text(markdown(outcomes, {m.name: m for m in chosen}), encoding="utf-8")
    return 1 if survivors else 0
