"""Base classes every hub schema builds on."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
)

ItemT = TypeVar("ItemT")

# C0 controls other than tab and newlines, and DEL: never meaningful in a field, and
# PostgreSQL can't store NUL at all.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RequestBody(BaseModel):
    """An incoming body: unknown fields are refused, strings are stripped and printable."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: object) -> object:
        if isinstance(value, str) and _CONTROL_CHARACTERS.search(value):
            raise ValueError("must not contain control characters such as NUL")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _storable_in_utc(cls, value: object) -> object:
        # Times are stored in UTC: 9999-12-31T23:59-01:00 has no UTC year to go in.
        if isinstance(value, datetime) and value.tzinfo is not None:
            try:
                value.astimezone(UTC)
            except OverflowError as exc:
                raise ValueError("must lie between the years 1 and 9999 in UTC") from exc
        return value


class PublicModel(BaseModel):
    """An outgoing representation, built from ORM rows."""

    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[ItemT]):
    """A list response: ``{"data": [...], "count": n}``."""

    data: list[ItemT]
    count: int


def _decode_base64(value: object) -> object:
    if isinstance(value, str):
        try:
            return base64.b64decode(value.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise ValueError("must be standard base64") from exc
    return value


# Binary values (keys, wrapped keys) travel as standard base64 with padding.
Base64Bytes = Annotated[
    bytes,
    BeforeValidator(_decode_base64),
    PlainSerializer(lambda raw: base64.b64encode(raw).decode("ascii"), return_type=str),
    WithJsonSchema({"type": "string", "contentEncoding": "base64"}),
]
