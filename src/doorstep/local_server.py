"""An ASGI app served by uvicorn on 127.0.0.1 in a thread, for as long as a ``with`` lasts.

For a hub that runs beside other work in one process: ``doorstep screenshots``,
``doorstep bench web`` and the tests' hubs. ``doorstep up`` and ``doorstep hub serve``
run uvicorn in the foreground instead, where it handles the signals.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

import uvicorn

from doorstep.errors import DoorstepError

STOP_WAIT_S = 30.0


@contextmanager
def serve_in_thread(
    app: Callable[..., Any],
    *,
    port: int = 0,
    lifespan: Literal["auto", "on", "off"] = "auto",
    name: str = "the server",
    start_within_s: float = 60.0,
) -> Iterator[str]:
    """Serve ``app`` at ``port`` (0: a free one) and yield its URL once it answers; stop it,
    letting requests in flight finish, on the way out. ``name`` goes in the error raised
    when it has not started within ``start_within_s``."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan)
    )
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + start_within_s
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise DoorstepError(f"{name} did not start on 127.0.0.1")
            time.sleep(0.01)
        bound = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout=STOP_WAIT_S)
