"""The report kept up to date as the log grows, so a busy page doesn't recount it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from doorstep.audit.report import ReportBuilder, TransparencyReport

# Reads the public entries the report counts among indices [start, stop), in order.
EntryReader = Callable[[int, int], Iterable[Mapping[str, Any]]]


class ReportCache:
    """One builder per hub process, fed only the entries appended since it last looked.

    A report stays good while the log keeps its size and the UTC date stays the same:
    the log only grows, and the one count time alone changes (delayed notices
    outstanding) changes when a delay's end date arrives.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._builder = ReportBuilder()
        self._size = 0
        self._report: TransparencyReport | None = None

    def report(self, *, size: int, as_of: datetime, read: EntryReader) -> TransparencyReport:
        """The report over at least the first ``size`` entries, as of ``as_of``."""
        with self._lock:
            cached = self._report
            if cached and cached.log_size >= size and cached.as_of.date() == as_of.date():
                return cached
            if size > self._size:
                for entry in read(self._size, size):
                    self._builder.add(entry)
                self._size = size
            self._report = self._builder.report(as_of=as_of, log_size=self._size)
            return self._report
