"""A small rule engine that screens free text for purposes Doorstep refuses.

A rule is data: an id, a name, a public description and regular expressions. A text
breaks a rule when one of its ``patterns`` occurs outside every span its ``exceptions``
match, and none of its ``cleared_by`` patterns occurs outside those spans either (a rule
about a person described without an act is cleared by the act). Every pattern is matched
as whole words, so a letter may not touch either end, and case-insensitively, except
those in ``exact_case``: "ICE" the agency is not "ice" on the road. A space in a pattern
matches any run of spaces and hyphens, so "hit and run" also finds "hit-and-run".

The request portal screens requests with it (``hub/requests/purpose.py``); other free
text, such as neighbourhood posts, can be screened with rules of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

# Neither end of a match may touch a letter; digits, "_" and "-" may (codes like PROTEST-7).
_NOT_AFTER_LETTER = r"(?<![^\W\d_])"
_NOT_BEFORE_LETTER = r"(?![^\W\d_])"
_SPACE = r"[\s-]+"


def _compile(patterns: Sequence[str], *, exact_case: bool = False) -> re.Pattern[str] | None:
    if not patterns:
        return None
    words = "|".join(f"(?:{pattern.replace(' ', _SPACE)})" for pattern in patterns)
    flags = 0 if exact_case else re.IGNORECASE
    return re.compile(f"{_NOT_AFTER_LETTER}(?:{words}){_NOT_BEFORE_LETTER}", flags)


@dataclass(frozen=True)
class Rule:
    """One purpose the screen refuses, with the words that show it."""

    id: str
    name: str
    description: str
    patterns: tuple[str, ...]
    exact_case: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    cleared_by: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not (self.patterns or self.exact_case):
            raise ValueError(f"rule {self.id}: no patterns")
        # Compile now, so a broken pattern fails when the rules are loaded, not on a request.
        _ = self._compiled

    @cached_property
    def _compiled(self) -> tuple[re.Pattern[str] | None, ...]:
        return (
            _compile(self.patterns),
            _compile(self.exact_case, exact_case=True),
            _compile(self.exceptions),
            _compile(self.cleared_by),
        )

    def matches(self, text: str) -> list[Match]:
        """Where ``text`` breaks this rule, in order; empty if it doesn't (or an act clears it)."""
        patterns, exact_case, exceptions, cleared_by = self._compiled
        spared = [found.span() for found in exceptions.finditer(text)] if exceptions else []

        def counted(pattern: re.Pattern[str] | None) -> list[re.Match[str]]:
            if pattern is None:
                return []
            return [
                found
                for found in pattern.finditer(text)
                if not any(start <= found.start() and found.end() <= end for start, end in spared)
            ]

        if counted(cleared_by):
            return []
        found = sorted(counted(patterns) + counted(exact_case), key=lambda match: match.start())
        return [Match(rule=self, text=match.group(), start=match.start()) for match in found]

    def public(self) -> dict[str, Any]:
        """The rule as published on the limits page: everything it matches by."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "patterns": list(self.patterns),
            "exact_case": list(self.exact_case),
            "exceptions": list(self.exceptions),
            "cleared_by": list(self.cleared_by),
        }


@dataclass(frozen=True)
class Match:
    """Words in a text that break a rule, and where they start."""

    rule: Rule
    text: str
    start: int


def screen(text: str, rules: Iterable[Rule]) -> list[Match]:
    """Every place ``text`` breaks one of ``rules``: the rules in their order, each by position."""
    return [match for rule in rules for match in rule.matches(text)]
