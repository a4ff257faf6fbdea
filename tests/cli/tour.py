"""The README's one-minute tour as commands a test can run as written.

The commands are the lines of the tour's ``sh`` blocks (backslash continuations
joined, comments left out). Before one runs, the hub's address and the printed password
are put in, and each placeholder a reader copies from an earlier command's output (``ENTRY_ID`` from
``inbox list``...) is read from that output, by the patterns in ``REVEALED_BY``.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
README_HUB = "http://127.0.0.1:8000"
PASSWORD_PLACEHOLDER = "<printed password>"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Placeholder: (a part of the command whose output shows it, the pattern that finds it).
REVEALED_BY = {
    "ENTRY_ID": ("inbox list", rf"({UUID}) .*Demo City Police Bureau"),
    "CLIP_ID": ("inbox show", rf"│ ({UUID}) │ {UUID} │"),
    "SHARE_ID": ("inbox share", rf"\(share ({UUID})\)"),
    "REQUEST_ID": ("/v1/requests", rf'"id":"({UUID})"'),
}


def tour_commands() -> list[str]:
    section = README.read_text().split("\n## A one-minute tour\n", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL):
        lines = block.replace("\\\n", " ").splitlines()
        commands += [re.sub(r"\s+#.*", "", line) for line in lines if line.strip()]
    return commands


@dataclass
class Tour:
    """Runs tour commands in ``directory`` (where ``.venv`` and ``doorstep-data`` are)
    against the hub at ``hub_url``, signed in with the printed ``passwords``."""

    directory: Path
    hub_url: str
    passwords: dict[str, str]
    found: dict[str, str] = field(default_factory=dict)

    def run(self, command: str) -> str:
        """Run one command as written; return its output, asserting it exited 0."""
        resident = self.passwords["resident@doorstep.example"]
        text = command.replace(README_HUB, self.hub_url).replace(PASSWORD_PLACEHOLDER, resident)
        for placeholder, value in self.found.items():
            text = text.replace(placeholder, value)
        missing = [name for name in REVEALED_BY if name in text]
        assert not missing, f"{missing} not shown by any earlier command: {command}"
        email = re.search(r"--email (\S+)", text)
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(self.directory),
            "COLUMNS": "200",
            "DOORSTEP_CONFIG_DIR": str(self.directory / "config"),
            "DOORSTEP_PASSWORD": self.passwords[email.group(1)] if email else "",
            "DOORSTEP_PASSPHRASE": resident,
        }
        result = subprocess.run(
            ["bash", "-c", text],
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"{text}\n{output}"
        for placeholder, (shown_by, pattern) in REVEALED_BY.items():
            if shown_by in command and placeholder not in self.found:
                match = re.search(pattern, output)
                assert match, f"{command} did not show {placeholder}:\n{output}"
                self.found[placeholder] = match.group(1)
        return output
