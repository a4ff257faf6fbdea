"""Which hostile requests got past validation: each route's endpoint is wrapped and counted.

FastAPI calls the endpoint (``dependant.call``) only once the path, the credentials and
the body have been validated, so a call of the wrapper is a request that reached the
route's code. An app serves an included router's routes through a copy of each route's
dependant (FastAPI's effective route contexts), so the copies the app serves are wrapped.
"""

from __future__ import annotations

import functools
import inspect
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute


@dataclass
class Reach:
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)

    def count(self, method: str, path: str) -> int:
        return self.calls[method, path]

    @contextmanager
    def watching(
        self, monkeypatch: pytest.MonkeyPatch, app: FastAPI, routes: list[tuple[str, APIRoute]]
    ) -> Iterator[None]:
        served = {id(route): called for route, called in served_routes(app.router.routes)}
        for method, route in routes:
            assert id(route) in served, f"{method} {route.path}: not among the app's routes"
            self._wrap(monkeypatch, (method, route.path), served[id(route)])
        yield

    def _wrap(
        self, monkeypatch: pytest.MonkeyPatch, key: tuple[str, str], dependant: Dependant
    ) -> None:
        endpoint = dependant.call
        assert endpoint is not None
        wrapper: Any
        if inspect.iscoroutinefunction(endpoint):

            @functools.wraps(endpoint)
            async def wrapper(*args: Any, **kwargs: Any) -> Any:
                self.calls[key] += 1
                return await endpoint(*args, **kwargs)

        else:

            @functools.wraps(endpoint)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                self.calls[key] += 1
                return endpoint(*args, **kwargs)

        monkeypatch.setattr(dependant, "call", wrapper)


def served_routes(routes: Iterable[Any]) -> Iterator[tuple[APIRoute, Dependant]]:
    """(route, the dependant the app calls it through), walking included routers."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route, route.dependant
        elif hasattr(route, "effective_candidates"):
            yield from served_routes(route.effective_candidates())
        elif isinstance(getattr(route, "original_route", None), APIRoute):
            yield route.original_route, route.dependant


@dataclass
class Tally:
    sent: int = 0
    past_validation: int = 0
    refused: int = 0
    accepted: int = 0


HEADER = ("route", "sent", "past validation", "refused", "accepted")


def table(tallies: dict[str, Tally]) -> str:
    rows = [HEADER] + [
        (route, str(t.sent), str(t.past_validation), str(t.refused), str(t.accepted))
        for route, t in tallies.items()
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = [
        "  ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])
