"""What a request may be for: an incident category, the attestation, and the purpose screen.

An agency attests the purpose of every request, and the purpose screen also reads what
it wrote: a request whose investigation code, details or emergency reason is about
lawful assembly or protest, about immigration status, or about a person's appearance
without a reported act is refused with a 422 naming the field and the rule, before
anything is stored. The rules are kept as data, below, and are public
(``GET /v1/requests/limits``). Words that mean something else in a phrase (a rally car,
a marching band, the month of March, a picket fence) are the rules' exceptions;
tests/hub/requests/test_purpose.py holds the table of examples, misses included.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from doorstep.errors import InvalidInput
from doorstep.screening import Rule, screen


class IncidentCategory(enum.StrEnum):
    """Reported incidents a request may be about; nothing vaguer (no "suspicious person")."""

    BURGLARY = "burglary"
    THEFT = "theft"
    VEHICLE_THEFT = "vehicle_theft"
    VANDALISM = "vandalism"
    ROBBERY = "robbery"
    ASSAULT = "assault"
    SHOOTING = "shooting"
    HIT_AND_RUN = "hit_and_run"
    TRAFFIC_COLLISION = "traffic_collision"
    ARSON = "arson"
    FIRE_INVESTIGATION = "fire_investigation"
    MISSING_PERSON = "missing_person"
    ANIMAL_ATTACK = "animal_attack"
    ILLEGAL_DUMPING = "illegal_dumping"
    PUBLIC_HEALTH_HAZARD = "public_health_hazard"


PURPOSE_ATTESTATION = (
    "This request is about the reported incident named in it. It is not about lawful "
    "assembly or protest, not about anyone's immigration status, and not about a "
    "person's appearance without a reported incident."
)

MIN_EMERGENCY_REASON_CHARS = 20

# Who a description is about, and what describes them by looks, origin or belief.
_PERSON = (
    "(?:persons?|people|m[ae]n|males?|wom[ae]n|females?|guys?|boys?|girls?|kids?|teens?"
    "|teenagers?|youths?|juveniles?|individuals?|someone|somebody|subjects?|characters?"
    "|strangers?|lady|ladies|gentlem[ae]n|adults?)"
)
_LOOKS = (
    "(?:black|white|brown|hispanic|latin[aox]|latinx|latine|asian|arab|arabic|middle eastern"
    "|african|african american|mexican|muslim|jewish|sikh|indian|native|native american"
    "|indigenous|dark skinned|light skinned|foreign|tall|short|heavyset|heavy set|skinny"
    "|thin|young|teenage|older|elderly|bald|bearded|hooded|masked|tattooed|homeless|transient"
    "|suspicious|sketchy|shady|creepy|odd|strange|weird|unusual|unknown|unfamiliar)"
)

PURPOSE_RULES: tuple[Rule, ...] = (
    Rule(
        id="assembly",
        name="lawful assembly or protest",
        description="Requests may not be about a protest, rally, demonstration, march, "
        "picket, vigil or other assembly, or about the people taking part in one. Describe "
        "the act the request is about; a request that mentions the assembly is refused.",
        patterns=(
            "protest(?:s|ed|ing|ers?|ors?)?",
            "demonstrat(?:ions?|ors?)",
            "rall(?:y|ies|ied|ying)",
            "march(?:es|ed|ing|ers?)?",
            "picket(?:s|ed|ing|ers?)?",
            "sit-ins?",
            "vigils?",
            "activists?",
            "(?:lawful|unlawful|public|peaceful) assembl(?:y|ies)",
            "(?:political|public|peaceful) gatherings?",
            "on strike",
            "walkouts?",
        ),
        exceptions=(
            "rally (?:cars?|drivers?|rac(?:e|es|ing)|stages?)",
            "marching bands?",
            "picket fences?",
            # March the month: "March 3rd", "3 March", "in early March", "mid-March".
            "march \\d+(?:st|nd|rd|th)?",
            "\\d+(?:st|nd|rd|th)? (?:of )?march",
            "(?:in|since|until|till|from|by|during|through|before|after|early|late|mid|last"
            "|next|this|of) march",
        ),
    ),
    Rule(
        id="immigration",
        name="immigration status",
        description="Requests may not be about anyone's immigration or citizenship status, "
        "deportation, or immigration enforcement (ICE, Border Patrol, CBP, USCIS).",
        patterns=(
            "immigra(?:nts?|tion|ted?|ting)",
            "migrants?",
            "deport(?:s|ed|ing|ations?|ees?|able)?",
            "(?:visa|residency|immigration|citizenship|legal|migration|asylum|refugee"
            "|green card) status",
            "citizenship",
            "green cards?",
            "visa overstay(?:s|ers?)?",
            "overstay(?:s|ed|ing|ers?)?",
            "expired visas?",
            "undocumented",
            "(?:illegal|undocumented|criminal) aliens?",
            "illegals",
            "asylum seekers?",
            "refugees?",
            "(?:no|without) papers",
            "removal (?:proceedings|orders?)",
            "border patrol",
            "customs and border protection",
            "immigration and customs enforcement",
            "la migra",
            "ice (?:agents?|officers?|raids?|detainers?|detention|custody|operations?|sweeps?)",
        ),
        # Only in capitals: "ice on the road" and "black ice" are weather.
        exact_case=("ICE", "I\\.C\\.E\\.?", "CBP", "USCIS"),
    ),
    Rule(
        id="appearance",
        name="a person's appearance without a reported act",
        description="Requests may not describe a person (looks, race or origin, religion, "
        "clothes, or being somewhere: 'suspicious person', 'looks like', 'walking around') "
        "unless they also name the act of the incident (took, broke into, struck, missing). "
        "A vehicle described with its act is fine.",
        patterns=(
            f"{_LOOKS}(?: {_LOOKS})* {_PERSON}",
            f"\\w+ looking {_PERSON}",
            "suspicious(?:ly)? (?:acting|activity|activities|behaviou?r|circumstances)",
            "acting suspicious(?:ly)?",
            "look(?:s|ed|ing)? like",
            "look(?:s|ed|ing)? (?:suspicious|shady|sketchy|out of place|foreign|lost)",
            "out of place",
            "(?:does|did|do)n[’']?t belong",
            "not from (?:here|around here|the (?:area|neighbou?rhood))",
            "loiter(?:s|ed|ing|ers?)?",
            "lurk(?:s|ed|ing|ers?)?",
            "(?:hanging|hung|walking|wandering|standing|sitting|lingering|driving) around",
            f"{_PERSON} (?:was |were |is |are )?(?:seen|spotted|observed|noticed)",
            f"{_PERSON} (?:standing|sitting|walking|wandering|hanging|watching|staring"
            "|looking|lingering|sleeping|waiting|photographing|filming|knocking)",
            "hood(?:ie|ies|ed sweatshirts?)|hood up|sweatshirts?|ski masks?|balaclavas?",
            "sagging pants|baggy (?:pants|clothes|clothing)|do rags?",
            "turbans?|hijabs?|headscar(?:f|ves)|burqas?|niqabs?|yarmulkes?|kippahs?",
            "dreadlocks|dreads|cornrows|tattoos?",
            "wear(?:s|ing)|wore|dressed in",
        ),
        exceptions=(
            "taking (?:photos|pictures|videos?|notes|a walk)",
            "fire (?:hydrants?|stations?|escapes?|departments?|trucks?|fighters?)",
        ),
        cleared_by=(
            "st(?:ole|olen|eal|eals|ealing)|thefts?|thie(?:f|ves)",
            "t(?:ake|akes|aking|aken|ook)|grab(?:s|bed|bing)?|snatch(?:es|ed|ing)?",
            "shoplift(?:s|ed|ing|ers?)?|pickpocket(?:s|ed|ing)?",
            "burglar(?:y|ies|s|ized|ised|izing|ising)?|burgl(?:e|ed|es|ing)",
            "br(?:eak|eaks|eaking|oke|oken) in(?:to)?|break-ins?",
            "forc(?:ed|ing)|pri(?:ed|es)|prying|tamper(?:ed|ing)",
            "(?:tried|trying) (?:to (?:open|enter|get into|break)|(?:car )?door handles)",
            "smash(?:ed|es|ing)?|shatter(?:ed|ing)?|vandal(?:s|i[sz](?:ed|es|ing|m))?",
            "damag(?:e|ed|es|ing)|graffiti|spray paint(?:ed|ing)?|keyed|slash(?:ed|es|ing)?",
            "assault(?:s|ed|ing)?|attack(?:s|ed|ing)?|hit(?:s|ting)?|str(?:uck|ikes?|iking)",
            "punch(?:es|ed|ing)?|kick(?:s|ed|ing)?|stab(?:s|bed|bing|bings)?|beat(?:en|ing)?",
            "shot|shots|shoot(?:s|ing|ings)?|fired|gunfire|gunshots?",
            "rob(?:s|bed|bing|bery|beries|bers?)?|mugg(?:ed|ing|ers?)|carjack(?:ed|ing|ers?)?",
            "threat(?:s|en|ens|ened|ening)?|brandish(?:ed|es|ing)?|armed",
            "guns?|firearms?|pistols?|rifles?|knife|knives|weapons?",
            "collisions?|crash(?:ed|es|ing)?|fle(?:e|es|d|eing)|run over|sideswip(?:e|ed|ing)",
            "ran (?:over|into|off|a red light|a stop sign)|rear ended",
            "arson(?:ists?)?|set (?:a )?fires?|set on fire|burn(?:s|ed|t|ing)?|fires?",
            "dump(?:s|ed|ing)|bites|bitten|maul(?:ed|ing)",
            "bit (?:a|an|the|him|her|them|someone|somebody|his|their|my|our)",
            "missing|last seen|disappear(?:ed|ance)|abduct(?:ed|ion|ing)|kidnap(?:ped|ping)?",
            "lured|runaway|wandered (?:off|away)",
            "injur(?:ed|ies|y|ing)|kill(?:ed|ing|s)?|murder(?:ed|s)?|hurt",
            "trespass(?:ed|es|ing|ers?)?|harass(?:ed|es|ing|ment)|stalk(?:ed|ing|ers?)",
            "(?:indecent|lewd) exposure|expos(?:ed|ing) (?:himself|herself|themselves)",
        ),
    ),
)

# The free text an agency writes into a request, in the order a refusal names them.
SCREENED_FIELDS = ("investigation_code", "details", "emergency_reason")


def check_purpose(
    *, category: str, attested: bool, texts: Mapping[str, str | None], emergency: bool
) -> None:
    """Refuse a request outside the categories or not attested, an emergency without a
    reason, or free text (``texts``, keyed by ``SCREENED_FIELDS``) that breaks a rule.
    """
    allowed = [incident.value for incident in IncidentCategory]
    if category not in allowed:
        raise InvalidInput(
            f"category: {category!r} is not an incident category; allowed: {', '.join(allowed)}",
            field="category",
        )
    if not attested:
        raise InvalidInput(
            f"attests_purpose: the agency must attest: {PURPOSE_ATTESTATION}",
            field="attests_purpose",
        )
    reason = (texts.get("emergency_reason") or "").strip()
    if emergency and len(reason) < MIN_EMERGENCY_REASON_CHARS:
        raise InvalidInput(
            f"emergency_reason: {len(reason)} characters given; an emergency needs a "
            f"reason of at least {MIN_EMERGENCY_REASON_CHARS}",
            field="emergency_reason",
        )
    for field in SCREENED_FIELDS:
        matches = screen(texts.get(field) or "", PURPOSE_RULES)
        if matches:
            first = matches[0]
            raise InvalidInput(
                f"{field}: refused by the purpose rule {first.rule.id!r} ({first.rule.name}) "
                f"at {first.text!r}; the rules are public at GET /v1/requests/limits",
                field=field,
            )
