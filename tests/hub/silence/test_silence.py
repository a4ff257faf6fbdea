"""A home's answer is silent: declined, opted out, excluding the agency's kind, in quiet
hours or never answering, an agency and the public read exactly the same bytes.

DESIGN.md, promise 3: residents read requests anonymously; a decline is silent and
indistinguishable from not answering. Five worlds are built from scratch, alike but
for one home's state (worlds.py), and every agency-visible response (surface.py: the
authorization table's GET routes an agency member or anyone may call, the evidence
package unpacked, the transparency report as JSON, CSV and HTML) must be byte-identical
across them once ids and times are normalized (normalize.py).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from tests.hub.silence import surface
from tests.hub.silence.worlds import NEVER_ANSWERED, STATES, world

# Routes that must be on the surface, whatever the table says (the brief's minimum).
REQUIRED = {
    "GET /v1/agency as agency_member",
    "GET /v1/agency/requests/{request_id} as agency_member",
    "GET /v1/agency/requests/{request_id}/shares as agency_member",
    "GET /v1/agency/shares/{share_id}/package as agency_member",
    "GET /v1/transparency as anonymous",
    "GET /v1/transparency.csv as anonymous",
    "GET /transparency as anonymous",
    "GET /v1/audit/entries as anonymous",
    "GET /v1/requests/{request_id} as anonymous",
}
# How many differing responses to show in full, and how much of each.
SHOWN, DIFF_LINES, LINE_CHARS = 4, 40, 160


def differences(baseline: dict[str, str], other: dict[str, str], state: str) -> list[str]:
    """Each response that differs, in the order they were read (ids are numbered in that
    order, so the first one named is where the difference starts)."""
    found = []
    for label in [*baseline, *(label for label in other if label not in baseline)]:
        mine, theirs = baseline.get(label, "<not called>"), other.get(label, "<not called>")
        if mine == theirs:
            continue
        diff = difflib.unified_diff(
            surface.readable(mine).splitlines(),
            surface.readable(theirs).splitlines(),
            f"{NEVER_ANSWERED}: {label}",
            f"{state}: {label}",
            lineterm="",
            n=2,
        )
        lines = [line[:LINE_CHARS] for line in list(diff)[:DIFF_LINES]]
        found.append(f"{label} differs when the home is {state}:\n" + "\n".join(lines))
    return found


def report(problems: dict[str, list[str]]) -> str:
    """Which responses differ in which world, then the first few diffs in full (one of
    each: the same change read anonymously and as the agency is shown once)."""
    summary = []
    for state, found in problems.items():
        paths = dict.fromkeys(diff.split(" ")[1] for diff in found)
        summary.append(
            f"{state}: {len(found)} response(s) differ from {NEVER_ANSWERED}'s, "
            f"on {', '.join(paths)}"
        )
    shown: dict[str, str] = {}
    for found in problems.values():
        for diff in found:
            change = "\n".join(diff.splitlines()[3:])  # without the labels
            if change not in shown and len(shown) < SHOWN:
                shown[change] = diff
    return "\n".join(summary) + "\n\n" + "\n\n".join(shown.values())


async def test_every_agency_visible_byte_is_the_same_whatever_the_home_did(
    database_url: str, tmp_path: Path
) -> None:
    seen, took = {}, {}
    for state in STATES:
        async with world(state, database_url, tmp_path / state) as built:
            seen[state] = await surface.capture(
                built.client, built.agency.member.headers, built.ids
            )
            took[state] = built.took
    baseline = seen[NEVER_ANSWERED]
    assert REQUIRED <= set(baseline), f"missing from the surface: {REQUIRED - set(baseline)}"
    package = baseline["GET /v1/agency/shares/{share_id}/package as agency_member"]
    assert package.startswith("status 200") and ".sealed" in package, package[:500]
    problems = {
        state: found
        for state in STATES
        if state != NEVER_ANSWERED and (found := differences(baseline, seen[state], state))
    }
    if problems:
        pytest.fail(report(problems), pytrace=False)
    # And the worlds were what they claim, or the sameness above would prove nothing.
    if wrong := [why for why in took.values() if why]:
        pytest.fail("\n".join(wrong), pytrace=False)
