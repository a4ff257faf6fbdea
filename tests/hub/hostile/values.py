"""Hostile values by the kind of field they replace, and the bodies made from a base body.

Each variant changes ONE leaf of a body the route accepts (or adds one unknown field, or
makes one list huge, duplicated or empty); which values a leaf gets depends on its valid
value: free text gets every text value, a string holding a date, an address, an id or
base64 gets values of its own kind and a few text ones, GeoJSON gets broken shapes.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

DEEP = 5000  # nesting levels: past Python's recursion limit
# Stands for an object nested DEEP levels; encode() writes it out (json.dumps can't).
DEEPLY_NESTED = "\ue000deeply nested\ue000"
# Larger than the hub's 1 MiB body limit on its own (settings.max_body_bytes).
MEGABYTE = "x" * 1_048_577

TEXT: list[Any] = [
    MEGABYTE,
    "y" * 20_000,
    "name\x00with a NUL",
    "bell\x07and\x1bescape",
    "\u202egnp.exe\u202c and \u2066isolated\u2069",
    "\ud800 a lone surrogate",
    "' OR 1=1; DROP TABLE users; --",
    '", "role": "admin", "x": "',
    "<script>alert('doorstep')</script><img src=x onerror=alert(1)>",
    '=HYPERLINK("http://evil.example","click")',
    "\U0001f44d" * 60,
    "",
    "   ",
]
# For strings with a format (dates, base64, ids): a few of the text values.
SOME_TEXT = [TEXT[2], TEXT[4], TEXT[6], TEXT[11]]
NUMBERS: list[Any] = [
    -1,
    0,
    2**63,
    -(2**63) - 1,
    10**30,
    1e308,
    float("nan"),
    float("inf"),
    float("-inf"),
    "12",
]
DATES: list[Any] = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-23:59",
    "1970-01-01T00:00:00Z",
    "2026-11-24T10:00:00",
    "2026-13-45T25:61:00Z",
    10**20,
]
BASE64: list[Any] = [
    "not base64!",
    "QQ",
    "\u00e9\u00e9\u00e9\u00e9",
    "AA==",
    "A" * 5000 + "==",
]
WRONG_TYPES: list[Any] = [None, True, 12345, ["a"], {"$gt": ""}, DEEPLY_NESTED]
BOOLEANS: list[Any] = [None, "yes", 2, "true", [], {}]
# Addresses an email validator lets through, with injection in them; and ones it mustn't.
EMAILS: list[Any] = [
    "'OR'1'='1'--@doorstep.example",
    "{$ne}+x@doorstep.example",
    "\u00fcn\u00efc\u00f8de@doorstep.example",
    "UPPER.Case@DoorStep.Example",
    "x@" + "a" * 250 + ".example",
    "<script>@doorstep.example",
    "a@b",
]


def encode(body: Any) -> bytes:
    """The body as JSON text, NaN and Infinity as Python's json writes them."""
    text = json.dumps(body, allow_nan=True)
    nested = '{"a": ' * DEEP + "{}" + "}" * DEEP
    return text.replace(json.dumps(DEEPLY_NESTED), nested).encode()


RING = [[-122.6, 45.5], [-122.59, 45.5], [-122.59, 45.51], [-122.6, 45.51]]
CIRCLE = [
    [
        round(-122.6 + 0.001 * math.cos(k * math.tau / 15_000), 6),
        round(45.5 + 0.001 * math.sin(k * math.tau / 15_000), 6),
    ]
    for k in range(15_001)
]
GEOJSON: list[Any] = [
    {"type": "Polygon", "coordinates": [RING]},  # not closed
    {"type": "Polygon", "coordinates": [[RING[0], RING[2], RING[1], RING[3], RING[0]]]},  # crossed
    {"type": "Polygon", "coordinates": [[[0, 0], [1e308, 0], [0, 1e308], [0, 0]]]},
    {"type": "Polygon", "coordinates": [[[0, 0], [400, 0], [0, -100], [0, 0]]]},
    {"type": "Polygon", "coordinates": [CIRCLE]},  # 15,000 points, within the body limit
    {"type": "Point", "coordinates": [-122.6, 45.5]},
    {"type": "GeometryCollection", "geometries": []},
    {"type": "Polygon", "coordinates": "[[0, 0]]"},
    {"type": "Polygon"},
]
# Values no field of any route may accept (the longest text field takes 5,000 characters;
# no number is stored past 64 bits or as NaN): each must be refused wherever it is sent.
NEVER_ACCEPTED: list[Any] = [
    MEGABYTE,
    TEXT[1],
    TEXT[2],
    TEXT[3],
    TEXT[5],
    DEEPLY_NESTED,
    *NUMBERS[2:9],
]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T")
_ID = re.compile(r"^([0-9a-f]{32,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
_EMAIL = re.compile(r"^[^@\s]+@[\w.-]+\.example$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]{16,}={0,2}$")


def hostile_for(valid: Any) -> list[Any]:
    """The hostile values for a leaf whose accepted value is ``valid``."""
    if isinstance(valid, bool):
        return BOOLEANS + NUMBERS[:3]
    if isinstance(valid, int | float):
        return NUMBERS + WRONG_TYPES
    if isinstance(valid, str) and _DATE.match(valid):
        return DATES + SOME_TEXT + WRONG_TYPES
    if isinstance(valid, str) and _EMAIL.match(valid):
        return EMAILS + SOME_TEXT + WRONG_TYPES
    if isinstance(valid, str) and _ID.match(valid):
        return SOME_TEXT + WRONG_TYPES
    if isinstance(valid, str) and _BASE64.match(valid):
        return BASE64 + SOME_TEXT + WRONG_TYPES
    if isinstance(valid, str):
        return TEXT + WRONG_TYPES
    if isinstance(valid, dict):
        return GEOJSON + SOME_TEXT[:2] + WRONG_TYPES
    return SOME_TEXT + NUMBERS[:3] + WRONG_TYPES


Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Variant:
    path: Path  # the leaf changed, from the body's root
    value: Any
    label: str  # short, for the report
    must_refuse: bool = False  # an unknown field, or one of NEVER_ACCEPTED

    @property
    def field(self) -> str:
        """The leaf's name as the hub would write it: ``location.circle.latitude``."""
        return ".".join(str(part) for part in self.path)


def _leaves(value: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    if isinstance(value, dict) and value and path and path[-1] in OPAQUE_OBJECTS:
        yield path, value
    elif isinstance(value, dict) and value and path and path[-1] in SAMPLED_OBJECTS:
        key = next(iter(value))
        yield from _leaves(value[key], (*path, key))
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, (*path, key))
    elif isinstance(value, list) and value:
        yield from _leaves(value[0], (*path, 0))
    else:
        yield path, value


# Objects the hub stores whole (GeoJSON): hostile values replace the whole object.
OPAQUE_OBJECTS = {"jurisdiction", "polygon"}
# Objects of like entries (one per clip part): hostile values go into the first entry only.
SAMPLED_OBJECTS = {"parts"}


def _lists(value: Any, path: Path) -> Iterator[tuple[Path, list[Any]]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _lists(inner, (*path, key))
    elif isinstance(value, list) and value:
        yield path, value
        yield from _lists(value[0], (*path, 0))


def _objects(value: Any, path: Path) -> Iterator[Path]:
    if isinstance(value, dict):
        yield path
        for key, inner in value.items():
            if key not in OPAQUE_OBJECTS:
                yield from _objects(inner, (*path, key))
    elif isinstance(value, list) and value:
        yield from _objects(value[0], (*path, 0))


def _short(value: Any) -> str:
    if value == DEEPLY_NESTED:
        return f"nested {DEEP} deep"
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:12]}...({len(text)} chars)"


def variants(body: dict[str, Any]) -> Iterator[Variant]:
    """Every one-change variant of ``body``: hostile leaves, lists and unknown fields."""
    for path, valid in _leaves(body, ()):
        for value in hostile_for(valid):
            never = any(value is each for each in NEVER_ACCEPTED)
            yield Variant(path, value, _short(value), must_refuse=never)
    for path, items in _lists(body, ()):
        yield Variant(path, items * 1001, f"{len(items) * 1001} items")
        yield Variant(path, items + items, "duplicated items")
        yield Variant(path, [], "empty list")
    for path in _objects(body, ()):
        yield Variant((*path, "is_admin"), True, "unknown field", must_refuse=True)
    yield Variant(("__proto__",), {"polluted": True}, "unknown field", must_refuse=True)


def apply(body: dict[str, Any], variant: Variant) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    target: Any = changed
    for part in variant.path[:-1]:
        target = target[part]
    target[variant.path[-1]] = variant.value
    return changed
