"""A seeded scenario of requests, shares, demands, expiries and removals, and its counts.

The expected counts are worked out here from the scenario's own records, period by
period, without the report code, so the report is checked against what happened.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from doorstep.audit import actions
from doorstep.audit.entries import ObjectValue
from doorstep.hub.audit.service import append_entry

AGENCIES = (
    "Portland Police Bureau",
    "Multnomah County Sheriff",
    "Gresham Fire & Rescue",
    'Eastside "Safety" <Unit>',
)
CATEGORIES = ("burglary", "vehicle theft", "vandalism", "assault", "missing person")
KINDS = ("month", "quarter")
SPAN = timedelta(days=160)  # more than two quarters
# (the delay ends in the past -1 or future +1 or there is none, owners notified so far)
DEMAND_CASES = (
    (None, 1),  # no delay: the owner is told at once
    (-1, 2),  # the delay ended and both owners were told
    (-1, 0),  # the delay ended and the owner wasn't told yet: overdue, not outstanding
    (1, 0),  # still delayed: outstanding
    (1, 1),  # the court lifted its delay early and the owner was told
)
RESIDENT = {"kind": "resident", "pseudonym": "0" * 32}
OPERATOR = {"kind": "admin", "name": "Operator"}

# (period, metric, name): count; name is "" for counts that have no breakdown.
Counts = dict[tuple[str, str, str], int]


@dataclass(frozen=True)
class Request:
    id: str
    agency: str
    category: str
    emergency: bool
    at: datetime


@dataclass(frozen=True)
class Share:
    clip_id: str
    request_id: str | None  # None: a share within the household
    at: datetime


@dataclass
class Demand:
    id: str
    at: datetime
    delayed_until: date | None
    served_at: datetime | None = None
    notified_at: list[datetime] = field(default_factory=list)


@dataclass
class Scenario:
    as_of: datetime
    requests: list[Request] = field(default_factory=list)
    shares: list[Share] = field(default_factory=list)
    demands: list[Demand] = field(default_factory=list)
    expiries: list[datetime] = field(default_factory=list)
    removals: list[datetime] = field(default_factory=list)
    sign_ins: list[datetime] = field(default_factory=list)


def period_of(at: datetime, kind: str) -> str:
    return f"{at:%Y-%m}" if kind == "month" else f"{at.year}-Q{(at.month - 1) // 3 + 1}"


def generate(seed: int, as_of: datetime) -> Scenario:
    """About 250 entries over the 160 days before ``as_of``."""
    rng = random.Random(seed)
    scenario = Scenario(as_of=as_of)
    start = as_of - SPAN

    def moment(after: datetime = start) -> datetime:
        room = (as_of - timedelta(hours=1) - after).total_seconds()
        return after + timedelta(seconds=rng.uniform(0, max(room, 0)))

    def new_id() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    for _ in range(60):
        request = Request(
            new_id(), rng.choice(AGENCIES), rng.choice(CATEGORIES), rng.random() < 0.2, moment()
        )
        scenario.requests.append(request)
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            share = Share(new_id(), request.id, moment(request.at))
            scenario.shares.append(share)
            if rng.random() < 0.15:  # the owner re-wraps the same clip: still one clip
                scenario.shares.append(Share(share.clip_id, request.id, moment(share.at)))
            if rng.random() < 0.25:
                scenario.expiries.append(moment(share.at))
    scenario.shares += [Share(new_id(), None, moment()) for _ in range(20)]
    today = as_of.date()
    for n in range(15):
        direction, owners = DEMAND_CASES[n % len(DEMAND_CASES)]
        recorded = moment()
        # Never today or tomorrow: the hub's clock may pass midnight during the test.
        delayed = None if direction is None else today + direction * timedelta(rng.randint(2, 60))
        demand = Demand(new_id(), recorded, delayed)
        demand.served_at = moment(recorded) if rng.random() < 0.7 else None
        demand.notified_at = [moment(recorded) for _ in range(owners)]
        scenario.demands.append(demand)
    scenario.removals = [moment() for _ in range(8)]
    scenario.sign_ins = [moment() for _ in range(25)]
    return scenario


def append_scenario(session: Session, scenario: Scenario) -> None:
    """Every event as its audit entry, in time order."""
    events: list[tuple[datetime, str, dict[str, str], dict[str, ObjectValue]]] = []
    for request in scenario.requests:
        member = {"kind": "agency_member", "name": "Officer Lee", "agency": request.agency}
        objects: dict[str, ObjectValue] = {
            actions.REQUEST_ID: request.id,
            actions.CATEGORY: request.category,
            actions.EMERGENCY: request.emergency,
        }
        events.append((request.at, actions.REQUEST_CREATED, member, objects))
    for share in scenario.shares:
        objects = {actions.CLIP_ID: share.clip_id, "recipient_key_id": "a" * 32}
        if share.request_id is not None:
            objects[actions.REQUEST_ID] = share.request_id
        events.append((share.at, actions.CLIP_SHARED, RESIDENT, objects))
    for demand in scenario.demands:
        delayed = demand.delayed_until.isoformat() if demand.delayed_until else None
        recorded = {actions.DEMAND_ID: demand.id, actions.NOTICE_DELAYED_UNTIL: delayed}
        events.append((demand.at, actions.DEMAND_RECORDED, OPERATOR, recorded))
        if demand.served_at is not None:
            served = {actions.DEMAND_ID: demand.id}
            events.append((demand.served_at, actions.DEMAND_SERVED, OPERATOR, served))
        for at in demand.notified_at:
            notified = {actions.DEMAND_ID: demand.id}
            events.append((at, actions.DEMAND_OWNER_NOTIFIED, {"kind": "system"}, notified))
    for at in scenario.expiries:
        expired = {actions.CLIP_ID: "c" * 8, actions.REQUEST_ID: "r" * 8}
        events.append((at, actions.SHARE_EXPIRED, {"kind": "system"}, expired))
    for at in scenario.removals:
        events.append((at, actions.MODERATION_REMOVED, OPERATOR, {actions.POST_ID: "p"}))
    for at in scenario.sign_ins:
        events.append((at, "auth.signed_in", RESIDENT, {}))
    for at, action, actor, objects in sorted(events, key=lambda event: event[0]):
        append_entry(session, action=action, actor=actor, objects=objects, at=at)


def periods(scenario: Scenario, kind: str) -> list[str]:
    """Every period from the first event counted to the one ``as_of`` is in, without gaps."""
    first = min(
        [r.at for r in scenario.requests]
        + [d.at for d in scenario.demands]
        + scenario.expiries
        + scenario.removals
    )
    labels, day = [], first.date()
    while day <= scenario.as_of.date():
        label = period_of(datetime(day.year, day.month, 1), kind)
        if label not in labels:
            labels.append(label)
        day += timedelta(days=1)
    return labels


def expected_counts(scenario: Scenario, kind: str) -> Counts:
    """Each count for each period and the total, straight from the records."""
    first_shares: dict[tuple[str, str], datetime] = {}
    for share in scenario.shares:
        if share.request_id is not None:
            key = (share.request_id, share.clip_id)
            first_shares[key] = min(share.at, first_shares.get(key, share.at))
    answered = {request_id for request_id, _ in first_shares}
    counts: Counts = {}
    for label in [*periods(scenario, kind), "total"]:

        def within(at: datetime, label: str = label) -> bool:
            return label == "total" or period_of(at, kind) == label

        requests = [r for r in scenario.requests if within(r.at)]
        demands = [d for d in scenario.demands if within(d.at)]
        values = {
            "requests": len(requests),
            "emergency_requests": sum(r.emergency for r in requests),
            "requests_with_share": sum(r.id in answered for r in requests),
            "clips_shared": sum(within(at) for at in first_shares.values()),
            "access_expiries": sum(within(at) for at in scenario.expiries),
            "demands_received": len(demands),
            "demands_served": sum(
                bool(d.served_at and within(d.served_at)) for d in scenario.demands
            ),
            "owners_notified": sum(within(at) for d in scenario.demands for at in d.notified_at),
            "delayed_notices_outstanding": sum(
                d.delayed_until is not None
                and d.delayed_until > scenario.as_of.date()
                and not d.notified_at
                for d in demands
            ),
            "moderation_removals": sum(within(at) for at in scenario.removals),
        }
        counts.update({(label, metric, ""): value for metric, value in values.items()})
        for request in requests:
            for metric, name in (
                ("requests_by_agency", request.agency),
                ("requests_by_category", request.category),
            ):
                key = (label, metric, name)
                counts[key] = counts.get(key, 0) + 1
    return counts
