"""A small synchronous client for the hub's API, with its errors as DoorstepErrors."""

from __future__ import annotations

from typing import Any

import httpx

from doorstep import errors
from doorstep.bearer import bearer_client

_BY_STATUS: dict[int, type[errors.DoorstepError]] = {
    401: errors.AuthenticationFailed,
    403: errors.PermissionDenied,
    404: errors.NotFound,
    409: errors.Conflict,
    422: errors.InvalidInput,
}


class HubApi:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = bearer_client(self.base_url, token, timeout=timeout, transport=transport)

    def __enter__(self) -> HubApi:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._http.close()

    def call(self, method: str, path: str, *, json: Any = None, params: Any = None) -> Any:
        response = self._request(method, path, json=json, params=params)
        return response.json() if response.content else None

    def download(self, path: str) -> bytes:
        return self._request("GET", path).content

    def _request(self, method: str, path: str, **options: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **options)
        except httpx.HTTPError as exc:
            raise errors.DoorstepError(
                f"can't reach the hub at {self.base_url}: {exc.__class__.__name__}"
            ) from exc
        if response.is_success:
            return response
        try:
            detail = str(response.json()["detail"])
        except (ValueError, KeyError, TypeError):
            detail = response.text[:200] or response.reason_phrase
        kind = _BY_STATUS.get(response.status_code, errors.DoorstepError)
        raise kind(f"the hub answered {response.status_code}: {detail}")
