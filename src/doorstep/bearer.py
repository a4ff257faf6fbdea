"""An HTTP client for the hub's API that authenticates with a bearer token.

The owner's client (``doorstep.owner.api``) and the edge device (``doorstep.edge.upload``)
both talk to the hub this way; only their timeouts differ.
"""

from __future__ import annotations

import httpx


def bearer_client(
    base_url: str,
    token: str,
    *,
    timeout: httpx.Timeout | float,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    return httpx.Client(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=timeout,
        transport=transport,
    )
