"""The purpose screen: a table of request texts, refused with the rule named or accepted.

The table is the spec. Known misses and false positives are rows too, with a note, so
the table says what the screen does rather than what we would like it to do.
"""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from doorstep.errors import InvalidInput
from doorstep.hub.audit.models import AuditEntry
from doorstep.hub.requests.models import FootageRequest
from doorstep.hub.requests.policy import check_request
from doorstep.hub.requests.purpose import PURPOSE_RULES
from doorstep.hub.state import HubState
from doorstep.screening import Rule, screen
from tests.hub.actors import Actors
from tests.hub.requests.test_policy import NO_USE, STANDING, proposed
from tests.hub.shares import scene

# (field, text, the rule that refuses it or None when accepted, note)
EXAMPLES: list[tuple[str, str, str | None, str]] = [
    # Lawful assembly and protest
    ("details", "Looking for footage of protesters at the rally on Division St", "assembly", ""),
    ("details", "Crowd at the demonstration outside City Hall on Saturday", "assembly", ""),
    ("details", "Identify marchers who blocked traffic on Burnside", "assembly", ""),
    ("details", "People picketing outside the warehouse gate", "assembly", ""),
    ("details", "The march on City Hall went past this block", "assembly", ""),
    ("details", "The March on City Hall went past this block", "assembly", "no date: a march"),
    ("details", "Attendees of the candlelight vigil in the park", "assembly", ""),
    ("details", "Counter-protesters gathered near the fountain", "assembly", ""),
    ("details", "PROTEST AT THE COURTHOUSE STEPS, 14:00", "assembly", ""),
    ("details", "Activists handing out flyers on the corner", "assembly", ""),
    ("details", "Students staged a sit-in at the library", "assembly", ""),
    ("details", "Protesters smashed a shop window on 3rd Ave", "assembly", "describe the act"),
    ("investigation_code", "PROTEST-2026-7", "assembly", ""),
    ("emergency_reason", "A rally is blocking the ambulance route right now", "assembly", ""),
    ("details", "Hit and run on March 3rd at SE 30th; a grey hatchback fled south", None, ""),
    ("details", "Package stolen from a porch in early March", None, "the month"),
    ("details", "Bike stolen on 3 March from the rack outside 1420 Elm St", None, "the month"),
    ("details", "Footage from March of a van dumping tyres in the alley", None, "the month"),
    ("details", "A rally car struck a parked van during a street race", None, ""),
    ("details", "Marching band hit by a car on Main St; the driver fled", None, ""),
    ("details", "Thief climbed the white picket fence and took a bicycle", None, ""),
    ("details", "Crowd blocked the street outside the union hall", None, "miss: no word"),
    # Immigration status
    ("details", "Looking for people whose visa status may have lapsed", "immigration", ""),
    ("details", "ICE agents need footage of the house on Elm St", "immigration", ""),
    ("details", "Assisting ice officers with an arrest on 5th Ave", "immigration", ""),
    ("details", "Suspected undocumented workers at the car wash", "immigration", ""),
    ("details", "Deportation case; subject last seen at this address", "immigration", ""),
    ("details", "Footage requested by Immigration and Customs Enforcement", "immigration", ""),
    ("details", "Family reported to Border Patrol by a neighbour", "immigration", ""),
    ("investigation_code", "ICE-2026-0114", "immigration", ""),
    (
        "details",
        "BLACK ICE ON ELM ST, CAR SLID INTO A PARKED VAN",
        "immigration",
        "false positive: in capitals ICE reads as the agency; write it in lower case",
    ),
    ("details", "Car slid on black ice and struck a fence on Elm St", None, ""),
    ("details", "Ice on the road caused a collision at Elm and 5th", None, ""),
    ("details", "Stolen Visa card used at the gas station on 82nd", None, ""),
    ("details", "Burglary near the police station on Alder St", None, ""),
    ("details", "Ice cream truck rear-ended a parked car", None, ""),
    ("investigation_code", "POLICE-2026-0114", None, ""),
    # A person's appearance without an act
    ("details", "Tall man in a hoodie walking around", "appearance", ""),
    ("details", "Suspicious person seen near the school", "appearance", ""),
    ("details", "Black male loitering outside the corner store", "appearance", ""),
    ("details", "Two Hispanic teens hanging around the bus stop", "appearance", ""),
    ("details", "Someone who looks like they don't belong in the neighborhood", "appearance", ""),
    ("details", "Woman wearing a hijab standing on the corner", "appearance", ""),
    ("details", "Middle-Eastern-looking man photographing the bridge", "appearance", ""),
    ("details", "Man in a hoodie taking photos of houses", "appearance", "photos aren't an act"),
    ("details", "Man in a red hoodie took a package from the porch", None, ""),
    ("details", "Black sedan that struck a cyclist at SE 50th and Hawthorne", None, ""),
    ("details", "Missing 8-year-old boy wearing a blue jacket, last seen on Elm St", None, ""),
    ("details", "Two men in ski masks broke into the garage at 2 am", None, ""),
    ("details", "White van parked on Elm St; the driver dumped tyres in the alley", None, ""),
    ("details", "Dog bit a jogger outside 1420 Elm St", None, ""),
    ("details", "A blue cargo bike was taken from a porch on SE 30th Ave", None, ""),
    ("details", "A guy on a bike went past twice", None, "miss: no words of looks"),
]


@pytest.mark.parametrize(("field", "text", "rule", "note"), EXAMPLES)
def test_each_example_is_refused_naming_the_rule_or_accepted(
    field: str, text: str, rule: str | None, note: str
) -> None:
    request = proposed(
        emergency=field == "emergency_reason",
        **{field: text},
    )
    if rule is None:
        check_request(request, standing=STANDING, budget=NO_USE)
        return
    with pytest.raises(InvalidInput) as caught:
        check_request(request, standing=STANDING, budget=NO_USE)
    assert caught.value.field == field
    assert caught.value.detail.startswith(f"{field}: refused by the purpose rule {rule!r}")


def test_the_table_covers_every_rule_both_ways() -> None:
    refused = {rule for _, _, rule, _ in EXAMPLES if rule}
    assert refused == {rule.id for rule in PURPOSE_RULES}
    assert sum(rule is None for _, _, rule, _ in EXAMPLES) >= 15


def test_the_refusal_quotes_the_words_that_broke_the_rule() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_request(proposed(details=EXAMPLES[0][1]), standing=STANDING, budget=NO_USE)
    assert "(lawful assembly or protest) at 'protesters'" in caught.value.detail


# The engine


def test_patterns_match_whole_words_in_any_case_and_spaces_match_hyphens() -> None:
    rule = Rule(id="r", name="n", description="d", patterns=("hit and run", "protest(?:ers)?"))

    assert [match.text for match in screen("A Hit-and-Run; PROTESTERS", [rule])] == [
        "Hit-and-Run",
        "PROTESTERS",
    ]
    assert screen("protestant hitandrun", [rule]) == []
    assert [match.start for match in screen("CODE-PROTEST_7", [rule])] == [5]


def test_exact_case_exceptions_and_acts_that_clear() -> None:
    rule = Rule(
        id="r",
        name="n",
        description="d",
        patterns=("lurking",),
        exact_case=("ICE",),
        exceptions=("lurking horror",),
        cleared_by=("stole",),
    )

    assert [match.text for match in screen("ICE lurking", [rule])] == ["ICE", "lurking"]
    assert screen("ice, a lurking horror", [rule]) == []
    assert screen("someone lurking stole a bike", [rule]) == []


def test_a_broken_pattern_fails_when_the_rules_are_made() -> None:
    with pytest.raises(Exception, match="unterminated|missing"):
        Rule(id="r", name="n", description="d", patterns=("protest(",))


async def test_the_rules_are_public(client: AsyncClient) -> None:
    body = (await client.get("/v1/requests/limits")).json()

    assert [rule["id"] for rule in body["purpose_rules"]] == [
        "assembly",
        "immigration",
        "appearance",
    ]
    assert body["purpose_rules"] == [rule.public() for rule in PURPOSE_RULES]
    assert "ICE" in body["purpose_rules"][1]["exact_case"]


def _counts(hub: HubState) -> tuple[int, int]:
    with hub.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(FootageRequest)) or 0,
            session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        )


async def test_a_screened_request_is_refused_over_http_and_nothing_is_kept(
    actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    agency = await scene.agency(actors, client)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"details": EXAMPLES[0][1]}, "details", "assembly"),
        ({"investigation_code": "ICE-2026-0114"}, "investigation_code", "immigration"),
        (
            {"emergency": True, "emergency_reason": "Suspicious person seen near the school"},
            "emergency_reason",
            "appearance",
        ),
    ]
    before = _counts(hub)
    for changes, field, rule in cases:
        response = await client.post(
            "/v1/agency/requests", json=scene.request_body(**changes), headers=agency.member.headers
        )
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert detail.startswith(f"{field}: refused by the purpose rule {rule!r}"), detail
    assert _counts(hub) == before

    await scene.file_request(
        client, agency, details="Man in a red hoodie took a package from the porch"
    )
    assert _counts(hub) == (before[0] + 1, before[1] + 1)
