"""Subject and durable-name rules, the same as NATS's, checked by every bus backend."""

from __future__ import annotations

from doorstep.errors import BusError

# The characters NATS refuses in stream and consumer names.
_INVALID_NAME_CHARACTERS = frozenset(">*. /\\\t\r\n")


def subject_matches(pattern: str, subject: str) -> bool:
    """Whether ``subject`` matches ``pattern``: ``*`` is one token, a final ``>`` the rest."""
    pattern_tokens = pattern.split(".")
    subject_tokens = subject.split(".")
    for index, token in enumerate(pattern_tokens):
        if token == ">":
            return len(subject_tokens) > index
        if index >= len(subject_tokens) or token not in ("*", subject_tokens[index]):
            return False
    return len(pattern_tokens) == len(subject_tokens)


def check_subject(subject: str, *, wildcards: bool) -> None:
    """Raise BusError unless ``subject`` is valid; ``wildcards`` allows a subscription filter."""
    tokens = subject.split(".")
    for index, token in enumerate(tokens):
        if not token or any(character.isspace() for character in token):
            raise BusError(f"invalid subject {subject!r}: empty token or whitespace")
        if token in ("*", ">") and not wildcards:
            raise BusError(f"invalid subject {subject!r}: wildcards are for subscriptions only")
        if token == ">" and index != len(tokens) - 1:
            raise BusError(f"invalid subject {subject!r}: '>' must be the last token")


def check_durable_name(name: str) -> None:
    if not name or not _INVALID_NAME_CHARACTERS.isdisjoint(name):
        raise BusError(f"invalid durable name {name!r}: no dots, wildcards or whitespace")
