"""Console helpers shared by every command: Rich output, one-line errors, JSON mode."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

from rich.console import Console

console = Console()
errors = Console(stderr=True)


def fail(message: str, *, code: int = 1) -> NoReturn:
    """Print one readable line to stderr and exit non-zero."""
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise SystemExit(code)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
