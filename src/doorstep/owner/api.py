"""A small synchronous client for the hub's API, with its errors as DoorstepErrors."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

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

    def download_to(self, path: str, target: Path) -> int:
        """Stream ``path`` into a new file ``target``, never whole in memory; its size.

        The bytes go to a ``.part`` file beside it that becomes ``target`` only once
        complete, so an interrupted download never looks like a whole one.
        """
        if target.exists():
            raise errors.Conflict(f"{target} exists already; choose another file")
        partial = target.with_name(f"{target.name}.part")
        written = 0
        try:
            with self._http.stream("GET", path) as response:
                if not response.is_success:
                    response.read()
                    _raise_for(response)
                with open(partial, "wb") as handle:
                    for chunk in response.iter_bytes(1 << 20):
                        handle.write(chunk)
                        written += len(chunk)
            partial.replace(target)
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc
        finally:
            partial.unlink(missing_ok=True)
        return written

    def _request(self, method: str, path: str, **options: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **options)
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc
        if not response.is_success:
            _raise_for(response)
        return response

    def _unreachable(self, exc: httpx.HTTPError) -> errors.DoorstepError:
        return errors.DoorstepError(
            f"can't reach the hub at {self.base_url}: {exc.__class__.__name__}"
        )


def _raise_for(response: httpx.Response) -> NoReturn:
    """The hub's refusal as the DoorstepError of its status, with the hub's own words."""
    try:
        detail = str(response.json()["detail"])
    except (ValueError, KeyError, TypeError):
        detail = response.text[:200] or response.reason_phrase
    kind = _BY_STATUS.get(response.status_code, errors.DoorstepError)
    raise kind(f"the hub answered {response.status_code}: {detail}")
