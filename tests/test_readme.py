"""The README stays true: it documents every setting, and starts with the two commands."""

from __future__ import annotations

import re
from pathlib import Path

from doorstep.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"\| `(DOORSTEP_[A-Z0-9_]+)` \|", readme))
    assert documented == {f"DOORSTEP_{name.upper()}" for name in Settings.model_fields}


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    setup = readme.split("## Set up", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in setup.strip().splitlines()]
    assert commands == ["scripts/up.sh", "scripts/test.sh"]
    assert "exec scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
    for command in commands:
        assert (ROOT / command).stat().st_mode & 0o111
