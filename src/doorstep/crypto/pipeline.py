"""SHA-256 of a part's plaintext, hashed on a second core beside the cipher.

The device signs the SHA-256 of each part's plaintext, so sealing and opening both hash
every byte once, and the hash is the slowest step of either. hashlib releases the GIL
while it hashes a buffer of more than 2 KiB; ``cryptography``'s AES-GCM holds it. So a
worker thread can hash while the caller's thread runs the cipher, and a part takes about
as long as the slower of the two instead of their sum. Sealing hands the worker the whole
plaintext at once; opening hands it each batch of chunks as soon as they are decrypted.

That needs a second core with nothing else to do. Where other work holds it, the two
threads take turns on one core and a part takes a little longer than hashing in turn.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType

# Less than this is hashed on the caller's thread: starting a worker costs more than it saves.
BACKGROUND_BYTES = 1 << 20
# Opening hands the worker this much plaintext at a time. Smaller batches start the
# worker sooner but switch threads more often; from 128 KiB to 512 KiB measured alike
# on two idle cores, and 512 KiB switches least when they are busy.
BATCH_BYTES = 1 << 19
# Buffers that may wait while the worker hashes another.
WAITING = 1
# A caller that reuses buffers cycles through this many: the one it writes, the one being
# hashed and those waiting, so none is written while the worker may still read it.
SCRATCH_BUFFERS = WAITING + 2

Update = Callable[[memoryview], None]


class _Worker:
    """Hashes the buffers given to :meth:`update` into ``sha256``, in order, on one thread.

    Each buffer is released once hashed, and the caller must leave it unchanged until
    then. One buffer waits while another is hashed; a caller that runs further ahead
    blocks in :meth:`update`, and that wait is what hands the GIL to the worker at once
    (a thread that never blocks keeps it for the interpreter's switch interval, 5 ms).
    Leaving the ``with`` block waits until everything given is hashed.
    """

    def __init__(self, sha256: hashlib._Hash) -> None:
        self._sha256 = sha256
        self._queue: queue.SimpleQueue[memoryview | None] = queue.SimpleQueue()
        # One token per buffer that may be given and not yet hashed.
        self._room: queue.SimpleQueue[None] = queue.SimpleQueue()
        for _ in range(WAITING + 1):
            self._room.put(None)
        self._thread = threading.Thread(target=self._run, name="doorstep-sha256", daemon=True)
        self._error: Exception | None = None

    def update(self, data: memoryview) -> None:
        self._room.get()
        self._queue.put(data)
        if self._thread.ident is None:
            # Started with its first buffer already queued, it begins hashing at once,
            # before this thread takes the GIL back to run the cipher.
            self._thread.start()

    def _run(self) -> None:
        while (data := self._queue.get()) is not None:
            with data:
                if self._error is None:
                    try:
                        self._sha256.update(data)
                    except Exception as exc:  # re-raised on the caller's thread
                        self._error = exc
            self._room.put(None)

    def __enter__(self) -> _Worker:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._thread.ident is not None:
            self._queue.put(None)
            self._thread.join()
        if self._error is not None and value is None:
            raise self._error


@contextmanager
def hashing(sha256: hashlib._Hash, size: int) -> Iterator[Update]:
    """An ``update`` for ``size`` bytes to come: on a worker thread if that is worth it.

    ``sha256`` holds every byte given once the ``with`` block is left.
    """
    if size < BACKGROUND_BYTES:
        yield sha256.update
        return
    with _Worker(sha256) as worker:
        yield worker.update
