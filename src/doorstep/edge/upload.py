"""Upload outbox items to the hub: each part, then a commit, retried until confirmed.

Every request is idempotent (the item id is the clip id at the hub), so after a
crash, a dropped connection or a hub outage the uploader simply tries again. Errors
the hub will keep giving (4xx other than 401, 403, 408 and 429) mark the item
rejected: it stays on disk and no longer blocks the queue.
"""

from __future__ import annotations

import base64
import logging
import random
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from doorstep.bearer import bearer_client
from doorstep.edge.media import CameraHealth
from doorstep.edge.outbox import Outbox, OutboxItem

logger = logging.getLogger("doorstep.edge.upload")

# Refusals the hub will repeat however often it is asked (in its own error format).
PERMANENT_STATUS = frozenset({400, 404, 409, 413, 422})
CHUNK = 256 * 1024
# What the hub keeps of a key alarm in a camera's health, and the highest frame rate it
# takes (a file read faster than real time goes above it).
KEY_ALARM_LENGTH = 300
MAX_FPS = 1000.0


class HubUnavailable(Exception):
    """A failure worth retrying: the network, the hub's 5xx, or a rate limit."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class HubRefused(Exception):
    """The hub refused the item in a way retrying won't fix."""


@dataclass
class Backoff:
    """Exponential backoff with full jitter: 0.5 s doubling up to ``maximum``."""

    initial: float = 0.5
    maximum: float = 60.0
    failures: int = 0

    def next_delay(self) -> float:
        ceiling = min(self.maximum, self.initial * 2**self.failures)
        self.failures += 1
        return random.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.failures = 0


class HubClient:
    """The edge device's side of the hub's clip upload API."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = bearer_client(
            base_url, token, timeout=httpx.Timeout(timeout, connect=5.0), transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def put_part(self, item: OutboxItem, name: str) -> None:
        part = next(p for p in item.parts if p.name == name)

        def body() -> Iterator[bytes]:
            with open(part.path, "rb") as handle:
                while chunk := handle.read(CHUNK):
                    yield chunk

        self._send(
            "PUT",
            f"/v1/device/clips/{item.id}/parts/{name}",
            content=body(),
            headers={"Content-Length": str(part.size)},
        )

    def commit(self, item: OutboxItem) -> None:
        self._send(
            "POST",
            "/v1/device/clips",
            json={
                "id": str(item.id),
                "camera_id": str(item.camera_id),
                "started_at": item.started_at.isoformat(),
                "ended_at": item.ended_at.isoformat(),
                "parts": {p.name: {"size": p.size, "sha256": p.sha256} for p in item.parts},
                "keys": [
                    {
                        "recipient_key_id": key.recipient_key_id,
                        "wrapped_key": base64.b64encode(key.wrapped_key).decode(),
                        # Clip keys say nothing, as they did before twins.
                        **({} if key.scope == "clip" else {"scope": key.scope}),
                    }
                    for key in item.keys
                ],
            },
        )

    def key_lists(self, after: int) -> list[dict[str, Any]]:
        """The home's signed key lists newer than version ``after``, each with its proof."""
        data = self._get("/v1/device/key-lists", {"after": after}).get("data")
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise HubUnavailable("the hub's key list page has no list of signed lists")
        return data

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        """The audit log's consistency proof from ``old_size`` to ``new_size``."""
        proof = self._get(
            "/v1/audit/proofs/consistency", {"old_size": old_size, "new_size": new_size}
        ).get("proof")
        if not isinstance(proof, list) or not all(isinstance(item, str) for item in proof):
            raise HubUnavailable("the hub's consistency proof is not a list of hashes")
        try:
            return [base64.b64decode(item, validate=True) for item in proof]
        except ValueError as exc:
            raise HubUnavailable("the hub's consistency proof is not base64") from exc

    def report_health(
        self, camera_id: uuid.UUID, health: CameraHealth, *, key_alarm: str | None
    ) -> None:
        self._send(
            "PUT",
            f"/v1/device/cameras/{camera_id}/health",
            json={
                "connected": health.connected,
                "fps": min(round(health.fps, 2), MAX_FPS),
                "last_frame_at": health.last_frame_at.isoformat() if health.last_frame_at else None,
                "errors": health.errors,
                "key_alarm": None if key_alarm is None else key_alarm[:KEY_ALARM_LENGTH],
            },
        )

    def _get(self, path: str, params: dict[str, int]) -> dict[str, Any]:
        try:
            response = self._http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise HubUnavailable(f"{exc.__class__.__name__}: {exc}") from exc
        if not response.is_success:
            code, detail = hub_error(response)
            raise HubUnavailable(f"{response.status_code} {code or ''}: {detail}")
        try:
            body = response.json()
        except ValueError as exc:
            raise HubUnavailable(f"{path}: the hub's answer is not JSON") from exc
        if not isinstance(body, dict):
            raise HubUnavailable(f"{path}: the hub's answer is not a JSON object")
        return body

    def _send(
        self,
        method: str,
        path: str,
        *,
        content: Iterator[bytes] | None = None,
        json: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        try:
            response = self._http.request(method, path, content=content, json=json, headers=headers)
        except httpx.HTTPError as exc:
            raise HubUnavailable(f"{exc.__class__.__name__}: {exc}") from exc
        if response.is_success:
            return
        code, detail = hub_error(response)
        if code is not None and response.status_code in PERMANENT_STATUS:
            raise HubRefused(f"{response.status_code} {code}: {detail}")
        # Anything else — 5xx, 429, a redirect, a proxy's page — may pass: try again later.
        retry_after = response.headers.get("retry-after")
        raise HubUnavailable(
            f"{response.status_code}: {detail}",
            float(retry_after) if retry_after and retry_after.isdigit() else None,
        )


def hub_error(response: httpx.Response) -> tuple[str | None, str]:
    """The hub's ``{"error", "detail"}`` body; (None, text) for anything else."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return body["error"], str(body.get("detail", ""))
    return None, response.text[:200]


class Uploader:
    def __init__(
        self,
        outbox: Outbox,
        client: HubClient,
        *,
        backoff: Backoff | None = None,
        wait: Callable[[threading.Event, float], bool] = threading.Event.wait,
    ) -> None:
        self.outbox = outbox
        self.client = client
        self.backoff = backoff or Backoff()
        self._wait = wait
        self.last_error: str | None = None

    def upload(self, item: OutboxItem) -> None:
        """Send what the hub hasn't confirmed yet, then commit; marks progress as it goes."""
        for part in item.parts:
            if not part.uploaded:
                self.client.put_part(item, part.name)
                self.outbox.mark_part_uploaded(item.id, part.name)
        try:
            self.client.commit(item)
        except HubRefused as exc:
            if "not uploaded yet" not in str(exc):
                raise
            # The hub dropped parts left uncommitted too long (an edge offline for days):
            # send them all again rather than give the event up.
            self.outbox.mark_parts_pending(item.id)
            raise HubUnavailable(f"parts must be sent again: {exc}") from exc
        self.outbox.mark_uploaded(item.id)

    def run(self, stop: threading.Event, *, exit_on_empty: bool = False) -> None:
        """Upload until ``stop`` is set (or, with ``exit_on_empty``, nothing is pending)."""
        while not stop.is_set():
            batch = self.outbox.pending(limit=10)
            if not batch:
                if exit_on_empty:
                    return
                self._wait(stop, 1.0)
                continue
            for item in batch:
                if stop.is_set():
                    return
                try:
                    self.upload(item)
                    self.backoff.reset()
                    self.last_error = None
                except HubRefused as exc:
                    self.outbox.mark_rejected(item.id, str(exc))
                except HubUnavailable as exc:
                    self.last_error = str(exc)
                    self.outbox.record_failure(item.id, str(exc))
                    delay = exc.retry_after or self.backoff.next_delay()
                    logger.info("hub unavailable (%s); retrying in %.1f s", exc, delay)
                    self._wait(stop, delay)
                    break
