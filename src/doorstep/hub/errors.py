"""Every error the hub answers with, mapped in one place.

Bodies are always ``{"error": "<code>", "detail": "<sentence naming the field or limit>"}``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from doorstep import errors

logger = logging.getLogger("doorstep.hub")

# Most specific first: the first matching class decides the status.
_STATUS: list[tuple[type[errors.DoorstepError], int]] = [
    (errors.BlobTooLarge, 413),
    (errors.BlobNotFound, 404),
    (errors.InvalidInput, 422),
    (errors.CryptoError, 422),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.AuthenticationFailed, 401),
    (errors.PermissionDenied, 403),
    (errors.RateLimited, 429),
    (errors.StorageError, 503),
    (errors.BusError, 503),
]


def error_response(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


def status_for(exc: errors.DoorstepError) -> int:
    return next((status for kind, status in _STATUS if isinstance(exc, kind)), 500)


async def _doorstep_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.DoorstepError)
    status = status_for(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, errors.RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, errors.AuthenticationFailed):
        headers["WWW-Authenticate"] = "Bearer"
    if status >= 500:
        logger.error("%s %s failed: %s", request.method, request.url.path, exc.code)
    return error_response(status, exc.code, exc.detail, headers)


def _location(loc: Sequence[object]) -> str:
    return ".".join(str(part) for part in loc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems: list[dict[str, Any]] = [dict(problem) for problem in exc.errors()]
    first: dict[str, Any] = problems[0] if problems else {"type": "invalid", "msg": "invalid"}
    where = _location(first.get("loc", ()))
    if first["type"] == "json_invalid":
        context: dict[str, Any] = first.get("ctx") or {}
        reason = context.get("error", "")
        return error_response(400, "malformed_json", f"request body is not valid JSON: {reason}")
    if first["type"] == "extra_forbidden":
        return error_response(422, "unknown_field", f"{where}: unknown field; it is not accepted")
    more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
    return error_response(422, "invalid_input", f"{where}: {first['msg']}{more}")


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).description
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route {request.url.path}"
    return error_response(exc.status_code, code, detail, dict(exc.headers or {}))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("%s %s crashed", request.method, request.url.path)
    return error_response(500, "internal_error", "the hub failed; the error has been logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.DoorstepError, _doorstep_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
