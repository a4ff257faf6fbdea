"""Everything an agency or the public can read of a world, as normalized text.

The surface is the authorization table's: every GET route an agency member or anyone
(signed in or not) may call, called by each such caller, its path filled from the
world. The evidence package is one of those routes; it is unpacked file by file, the
way ``doorstep evidence verify`` reads it. A route whose path names a parameter the
world can't fill fails here, so a new agency-visible route can't go unread.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass

from httpx import AsyncClient, Response

from tests.hub.authorization.table import AGENCY, ANONYMOUS, ROUTES, Route
from tests.hub.silence.normalize import Normalizer

PACKAGE = "/v1/agency/shares/{share_id}/package"
# Every response header is compared but this one: it follows the body, compared itself
# (a time written without its fraction would make two equal bodies differ in length).
UNCOMPARED_HEADERS = {"content-length"}


@dataclass(frozen=True)
class Ids:
    """What a world's agency knows and the paths need."""

    request_id: str
    share_id: str
    log_size: int


def queries(path: str, ids: Ids) -> dict[str, int]:
    """Query parameters that make a route answer with what it holds, not a 422."""
    size = ids.log_size
    return {
        "/v1/audit/entries": {"start": 0, "limit": 1000},
        "/v1/audit/checkpoints": {"after": 0, "limit": 1000},
        "/v1/audit/proofs/inclusion": {"index": size - 1, "size": size},
        "/v1/audit/proofs/consistency": {"old_size": 1, "new_size": size},
    }.get(path, {})


def fill(path: str, ids: Ids) -> str:
    values = {"request_id": ids.request_id, "share_id": ids.share_id, "size": str(ids.log_size)}

    def value(match: re.Match[str]) -> str:
        name = match[1]
        assert name in values, (
            f"{path}: the silence worlds can't fill {{{name}}}; "
            "give it a value in tests/hub/silence/surface.py so this route is compared"
        )
        return values[name]

    return re.sub(r"\{(\w+)\}", value, path)


def agency_visible() -> list[tuple[Route, str]]:
    """(route, caller) for every GET route an agency member or anyone may call."""
    calls = []
    for route in ROUTES:
        if route.method != "GET":
            continue
        if ANONYMOUS in route.roles:
            calls += [(route, ANONYMOUS), (route, AGENCY)]  # anyone: signed in or not
        elif AGENCY in route.roles:
            calls.append((route, AGENCY))
    return calls


def package_text(data: bytes, normalizer: Normalizer) -> str:
    """The ZIP file by file: name, method and contents (its DOS times and CRCs aside)."""
    lines = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        lines.append(f"comment: {normalizer.bytes(archive.comment)}")
        for info in archive.infolist():
            lines.append(
                f"== {normalizer.text(info.filename)} "
                f"(method {info.compress_type}, {info.file_size} bytes, "
                f"attributes {info.external_attr:o})"
            )
            lines.append(normalizer.bytes(archive.read(info)))
    return "\n".join(lines)


def response_text(response: Response, normalizer: Normalizer, *, package: bool) -> str:
    head = [f"status {response.status_code}"] + [
        f"{name}: {normalizer.text(value)}"
        for name, value in response.headers.multi_items()
        if name not in UNCOMPARED_HEADERS
    ]
    if package and response.status_code == 200:
        body = package_text(response.content, normalizer)
    else:
        body = normalizer.bytes(response.content)
    return "\n".join(head) + "\n\n" + body


async def capture(client: AsyncClient, agency_headers: dict[str, str], ids: Ids) -> dict[str, str]:
    """Every agency-visible response of the world, normalized, keyed by who asked what."""
    normalizer = Normalizer()
    seen: dict[str, str] = {}
    for route, caller in agency_visible():
        path = fill(route.path, ids)
        headers = agency_headers if caller == AGENCY else {}
        response = await client.get(path, params=queries(route.path, ids), headers=headers)
        label = f"GET {route.path} as {caller}"
        seen[label] = response_text(response, normalizer, package=route.path == PACKAGE)
    return seen


def readable(text: str) -> str:
    """For a diff: a JSON body pretty-printed (a value a line), a page a tag a line."""
    head, _, body = text.partition("\n\n")
    if "text/html" in head:
        return head + "\n\n" + body.replace("><", ">\n<")
    try:
        return head + "\n\n" + json.dumps(json.loads(body), indent=1, ensure_ascii=False)
    except ValueError:
        return text
