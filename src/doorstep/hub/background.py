"""Background work of the hub's lifespan, run in threads that shutdown waits for."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

ResultT = TypeVar("ResultT")


async def in_thread(work: Callable[[], ResultT]) -> ResultT:
    """Run ``work`` in a worker thread; if cancelled meanwhile, let the thread finish first.

    Shutdown cancels the background tasks and then disposes of the engine: a thread
    still using the engine then would leave connections open. So a cancelled caller
    waits for the thread (ask it to stop early through its own stop event) and only
    then sees the cancellation.
    """
    future = asyncio.get_running_loop().run_in_executor(None, work)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await asyncio.wait({future})
        raise
