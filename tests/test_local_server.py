"""doorstep.local_server: the app answers at the URL yielded and stops on the way out; one
that cannot start is an error naming it, not a hang."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from doorstep.errors import DoorstepError
from doorstep.local_server import serve_in_thread


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello")


def test_the_app_answers_at_the_url_until_the_block_ends() -> None:
    app = Starlette(routes=[Route("/", hello)])
    with serve_in_thread(app, name="the hello app") as url:
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        assert httpx.get(url).text == "hello"
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)


# uvicorn ends its thread with SystemExit when startup fails; Python's threads ignore it.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_an_app_that_fails_to_start_is_named() -> None:
    @asynccontextmanager
    async def broken(app: Starlette) -> AsyncIterator[None]:
        raise RuntimeError("no database")
        yield

    app = Starlette(lifespan=broken)
    began = time.monotonic()
    with (
        pytest.raises(DoorstepError, match="^the broken app did not start on 127.0.0.1$"),
        serve_in_thread(app, lifespan="on", name="the broken app", start_within_s=60),
    ):
        pytest.fail("a broken app yields no URL")
    assert time.monotonic() - began < 20  # told when its thread ended, not at the deadline
