"""Integers past 64 bits in query and path parameters: a 422 naming the parameter, never a 500.

Hostile values in request bodies, field by field, are in tests/hub/hostile/.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

# The operations a fuzzer once crashed with integers past the database's 64 bits: each
# row is a URL with one integer left open, and the parameter's place and name.
INTEGER_PARAMETERS = [
    ("/v1/audit/entries?start={}", "query.start"),
    ("/v1/audit/checkpoints?after={}", "query.after"),
    ("/v1/audit/checkpoints/{}", "path.size"),
    ("/v1/audit/proofs/inclusion?index={}&size=1", "query.index"),
    ("/v1/audit/proofs/inclusion?index=0&size={}", "query.size"),
    ("/v1/requests?offset={}", "query.offset"),
    ("/v1/requests.csv?offset={}", "query.offset"),
]


@pytest.mark.parametrize(("url", "parameter"), INTEGER_PARAMETERS)
@pytest.mark.parametrize("value", [2**63, 10**30])
async def test_integers_past_64_bits_are_refused_naming_the_parameter(
    client: AsyncClient, url: str, parameter: str, value: int
) -> None:
    response = await client.get(url.format(value))
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_input"
    assert response.json()["detail"].startswith(f"{parameter}: "), response.text


@pytest.mark.parametrize(("url", "parameter"), INTEGER_PARAMETERS)
async def test_the_largest_64_bit_integer_reaches_the_database(
    client: AsyncClient, url: str, parameter: str
) -> None:
    response = await client.get(url.format(2**63 - 1))
    assert response.status_code < 500, response.text
    if response.status_code == 422:
        assert not response.json()["detail"].startswith(f"{parameter}: "), response.text


def _integer_schemas(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The integer schemas in a parameter's schema, an optional one's (anyOf) included."""
    return [each for each in [schema, *schema.get("anyOf", [])] if each.get("type") == "integer"]


async def test_every_integer_in_a_path_or_query_is_bounded_to_64_bits(app: FastAPI) -> None:
    unbounded = [
        (method, path, parameter["name"])
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
        for parameter in operation.get("parameters", [])
        for schema in _integer_schemas(parameter["schema"])
        if not -(2**63) <= schema.get("minimum", -(2**64)) <= schema.get("maximum", 2**64) < 2**63
    ]
    assert unbounded == []
