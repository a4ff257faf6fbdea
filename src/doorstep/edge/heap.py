"""Handing memory the process has freed back to the system.

glibc keeps freed heap memory in each thread's arena for that thread to reuse, and only
that thread does. Generating a camera's synthetic scene (libx264 and a few hundred
frames) leaves tens of MB there in the camera's thread, which the edge's other threads
(the twin thread, the uploader) never reuse: the edge's peak then counts it twice
(docs/benchmarks.md, bench edge memory). ``malloc_trim`` returns it from every arena.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


def release_freed_memory() -> bool:
    """Return the free pages of every heap arena to the system; False where the C library
    has no ``malloc_trim`` (it is glibc's), which leaves nothing to do."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    function = getattr(ctypes.CDLL(name), "malloc_trim", None)
    if function is None:
        return None
    function.argtypes, function.restype = [ctypes.c_size_t], ctypes.c_int
    trim: Callable[[int], int] = function
    return trim
