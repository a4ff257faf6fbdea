"""Blurred twins made one at a time per process, off the cameras' threads.

A twin decodes its event's clip, looks for faces in it and encodes it again with libx264:
seconds of CPU and tens of MB while it runs (``doorstep bench detect``,
``redact_realtime_factor``). Made in the camera's own thread, it held up that camera
meanwhile: no frame was analysed, the live view froze and a live camera's packets waited
in the socket. And two cameras whose events ended together made two at once, which set
the edge's peak memory. Here one thread per process makes them (``[twins] threads`` in
the edge's configuration: more for many busy cameras, at the cost of memory), in the order
they were submitted; the camera goes on at once.

At most :data:`MAX_WAITING` jobs wait: past that (events ending faster than twins can be
made, for minutes), :meth:`TwinQueue.submit` refuses and the caller keeps the event without
a twin, as it does when a twin fails, rather than holding ever more clips in memory.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

logger = logging.getLogger(__name__)

MAX_WAITING = 8  # jobs submitted and not finished, the one running included


class TwinQueue:
    """``threads`` threads running the jobs submitted, first in, first out."""

    def __init__(self, max_waiting: int = MAX_WAITING, *, threads: int = 1) -> None:
        self.max_waiting, self.threads = max_waiting, threads
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="doorstep-twins")
        self._lock = threading.Lock()
        self._waiting = 0

    @property
    def waiting(self) -> int:
        with self._lock:
            return self._waiting

    def submit(self, job: Callable[[], object]) -> Future[None] | None:
        """Run ``job`` on the twin thread; None, and nothing run, when ``max_waiting`` jobs
        wait already. A job that raises is logged: its future still completes."""
        with self._lock:
            if self._waiting >= self.max_waiting:
                return None
            self._waiting += 1

        def run() -> None:
            try:
                job()
            except Exception:
                logger.exception("a blurred twin's job failed")
            finally:
                with self._lock:
                    self._waiting -= 1

        return self._executor.submit(run)


_shared: TwinQueue | None = None
_shared_lock = threading.Lock()


def shared_twin_queue() -> TwinQueue:
    """The process's queue, which every camera pipeline uses unless given another."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = TwinQueue()
        return _shared
