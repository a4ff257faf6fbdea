"""The mutant table (``mutants.toml``): read it, check it against a tree, apply a mutant.

A mutant is one or more edits; each edit's ``old`` text must occur exactly once in its
file, so a mutant written against code that has since moved fails loudly by name
instead of silently mutating something else.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

TABLE = Path(__file__).with_name("mutants.toml")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class TableError(Exception):
    """The table is malformed, or a mutant no longer matches the code it mutates."""


@dataclass(frozen=True)
class Edit:
    file: str
    old: str
    new: str


@dataclass(frozen=True)
class Mutant:
    name: str
    promise: str
    tests: tuple[str, ...]
    edits: tuple[Edit, ...]

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(edit.file for edit in self.edits))


def _text(raw: dict[str, object], key: str, where: str, *, empty: bool = False) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not (value or empty):
        raise TableError(f"{where}: {key!r} must be a {'' if empty else 'non-empty '}string")
    return value


def load(path: Path = TABLE) -> tuple[Mutant, ...]:
    """Every mutant in the table, in table order; malformed entries raise TableError."""
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    mutants: list[Mutant] = []
    for position, entry in enumerate(raw.get("mutant", []), start=1):
        where = f"{path.name}: mutant {position}"
        name = _text(entry, "name", where)
        where = f"{path.name}: mutant {name!r}"
        if not NAME.match(name):
            raise TableError(f"{where}: the name must be lower_snake_case")
        tests = entry.get("tests")
        if not isinstance(tests, list) or not tests or not all(isinstance(t, str) for t in tests):
            raise TableError(f"{where}: 'tests' must be a non-empty list of test paths")
        edits = []
        for number, edit in enumerate(entry.get("edit", []), start=1):
            at = f"{where}, edit {number}"
            old, new = _text(edit, "old", at), _text(edit, "new", at, empty=True)
            if old == new:
                raise TableError(f"{at}: 'new' is the same as 'old'")
            edits.append(Edit(file=_text(edit, "file", at), old=old, new=new))
        if not edits:
            raise TableError(f"{where}: no [[mutant.edit]]")
        mutants.append(
            Mutant(
                name=name,
                promise=_text(entry, "promise", where),
                tests=tuple(tests),
                edits=tuple(edits),
            )
        )
    names = [mutant.name for mutant in mutants]
    if twice := sorted({name for name in names if names.count(name) > 1}):
        raise TableError(f"{path.name}: mutant {twice[0]!r} is named twice")
    return tuple(mutants)


def test_file(test: str) -> str:
    """The file part of a pytest argument (``path::test[param]`` -> ``path``)."""
    return test.split("::", 1)[0]


def check(mutant: Mutant, root: Path) -> None:
    """Raise TableError unless every edit and test path of ``mutant`` fits the tree at ``root``."""
    texts: dict[str, str] = {}
    for number, edit in enumerate(mutant.edits, start=1):
        path = root / edit.file
        if not path.is_file():
            raise TableError(f"mutant {mutant.name!r}, edit {number}: {edit.file} does not exist")
        # Edits to one file apply in order, so each is matched against the text before it.
        text = texts.get(edit.file) or path.read_text(encoding="utf-8")
        found = text.count(edit.old)
        if found != 1:
            raise TableError(
                f"mutant {mutant.name!r}, edit {number}: the text to replace occurs {found} "
                f"times in {edit.file}, not once; update the mutant to the code as it is now"
            )
        texts[edit.file] = text.replace(edit.old, edit.new)
    for test in mutant.tests:
        if not (root / test_file(test)).exists():
            raise TableError(f"mutant {mutant.name!r}: test path {test_file(test)} does not exist")


def apply(mutant: Mutant, root: Path) -> dict[Path, str]:
    """Write the mutant into the tree at ``root``; returns each changed file's original text."""
    check(mutant, root)
    originals: dict[Path, str] = {}
    for edit in mutant.edits:
        path = root / edit.file
        text = path.read_text(encoding="utf-8")
        originals.setdefault(path, text)
        path.write_text(text.replace(edit.old, edit.new), encoding="utf-8")
    return originals


def restore(originals: dict[Path, str]) -> None:
    for path, text in originals.items():
        path.write_text(text, encoding="utf-8")
