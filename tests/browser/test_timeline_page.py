"""The timeline page in Chromium against a real hub, driven with the keyboard alone.

The clips are the spec in tests/hub/clips/timeline_spec.py. At each step the buckets the
page shows must be the spec's counts (worked out here, not by the hub) and the numbers
the JSON route gives for the same window; the events listed must be the spec's clips.
The browser runs in UTC, so the page's local days are the spec's days.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from doorstep.hub.db import make_engine, make_session_factory, transaction
from tests.database import BACKENDS
from tests.hub.clips.timeline_spec import (
    CLIPS,
    DAY_LIST,
    OTHER_CAMERA,
    SpecClip,
    expected_clips,
    seed,
)
from tests.lying_hub import ServedHub
from tests.owner.residents import (
    PASSPHRASE,
    Device,
    Home,
    current_home_key,
    make_home,
    pair_device,
    seal_clip,
    upload_clip,
)

SQLITE_ONLY = pytest.mark.parametrize("database_url", BACKENDS[:1], indirect=True)
DAY_S, HOUR_S, MINUTE_S = 86_400, 3_600, 60


@dataclass(frozen=True)
class Seeded:
    home: Home
    camera_id: uuid.UUID
    ids: dict[str, uuid.UUID]


@pytest.fixture
def seeded(served_hub: ServedHub) -> Seeded:
    """The spec's clips on the owner's first camera, and others on a second camera."""
    home = make_home(served_hub.url)
    with home.owner.api() as api:
        other = api.call(
            "POST",
            f"/v1/homes/{home.home_id}/cameras",
            json={"name": "Garden", "latitude": 45.5, "longitude": -122.6},
        )
    engine = make_engine(served_hub.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            ids = seed(session, home_id=home.home_id, camera_id=home.camera_id, clips=CLIPS)
            other_id = uuid.UUID(other["id"])
            seed(session, home_id=home.home_id, camera_id=other_id, clips=OTHER_CAMERA)
    finally:
        engine.dispose()
    return Seeded(home, home.camera_id, ids)


def _context(browser: Browser, home: Home, **options: object) -> BrowserContext:
    context = browser.new_context(base_url=home.owner.url, timezone_id="UTC", **options)
    answer = context.request.post(
        "/v1/auth/login", data={"email": home.owner.email, "password": home.owner.password}
    )
    assert answer.ok, answer.text()
    return context


@pytest.fixture
def timeline(browser: Browser, seeded: Seeded) -> Iterator[Page]:
    context = _context(browser, seeded.home)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"/cameras/{seeded.camera_id}")
    yield page
    context.close()
    assert errors == []


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def spec_counts(start: datetime, buckets: int, size_s: int) -> list[tuple[datetime, int]]:
    """Each bucket's start and how many spec clips started in it, counted here."""
    starts = [start + timedelta(seconds=i * size_s) for i in range(buckets)]
    return [
        (b, sum(1 for c in CLIPS if b <= c.started_at < b + timedelta(seconds=size_s)))
        for b in starts
    ]


def shown(page: Page) -> list[tuple[datetime, int]]:
    rows = page.eval_on_selector_all(
        ".tl-bucket", "els => els.map(e => [e.dataset.start, Number(e.dataset.count)])"
    )
    return [(datetime.fromisoformat(start), count) for start, count in rows]


def hub_counts(
    page: Page, camera_id: uuid.UUID, start: datetime, buckets: int, size_s: int
) -> list[tuple[datetime, int]]:
    """What GET /v1/cameras/{id}/timeline says of the same window, zeros filled in."""
    end = start + timedelta(seconds=buckets * size_s)
    answer = page.request.get(
        f"/v1/cameras/{camera_id}/timeline",
        params={"start": start.isoformat(), "end": end.isoformat(), "bucket": size_s},
    )
    assert answer.ok, answer.text()
    counts = {datetime.fromisoformat(b["start"]): b["count"] for b in answer.json()["buckets"]}
    starts = [start + timedelta(seconds=i * size_s) for i in range(buckets)]
    return [(b, counts.get(b, 0)) for b in starts]


def listed(page: Page) -> list[uuid.UUID]:
    ids = page.eval_on_selector_all("#tl-clips li", "els => els.map(e => e.dataset.clipId)")
    return [uuid.UUID(value) for value in ids]


def press(page: Page, key: str, *, selected: datetime, times: int = 1) -> None:
    """Press ``key`` on the timeline, then wait until ``selected`` is the focused bucket."""
    for _ in range(times):
        page.keyboard.press(key)
    current = page.locator(".tl-bucket[aria-current=true]")
    expect(current).to_have_attribute("data-start", selected.isoformat().replace("+00:00", ".000Z"))
    expect(current).to_be_focused()


def tab_to_timeline(page: Page) -> None:
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('tl-bucket')"):
            return
    raise AssertionError("Tab never reached the timeline")


def check_view(
    page: Page, seeded: Seeded, start: str, buckets: int, size_s: int, clips: list[str] | None
) -> None:
    expected = spec_counts(utc(start), buckets, size_s)
    assert shown(page) == expected
    assert hub_counts(page, seeded.camera_id, utc(start), buckets, size_s) == expected
    if clips is not None:
        expect(page.locator("#tl-clips li")).to_have_count(len(expected_clips(clips, seeded.ids)))
        assert listed(page) == expected_clips(clips, seeded.ids)


@SQLITE_ONLY
def test_zoom_from_week_to_minute_jump_and_move_with_the_keyboard(
    timeline: Page, seeded: Seeded
) -> None:
    page = timeline
    # It opens on the day of the camera's newest event, by hour.
    expect(page.locator("#tl-range")).to_have_text("Fri 27 Nov 2026, by hour: 1 event.")
    tab_to_timeline(page)
    check_view(page, seeded, "2026-11-27T00:00:00", 24, HOUR_S, ["too-late"])

    # Out to the week (Monday to Sunday), then back a week by days, one step at a time.
    press(page, "-", selected=utc("2026-11-27T00:00:00"))
    expect(page.locator("#tl-range")).to_contain_text("Week of Mon 23 Nov 2026 to Sun 29 Nov")
    check_view(page, seeded, "2026-11-23T00:00:00", 7, DAY_S, None)
    assert page.locator("#tl-clips-status").inner_text() == "Zoom in to a day to list its events."
    press(page, "ArrowLeft", times=7, selected=utc("2026-11-20T00:00:00"))
    check_view(page, seeded, "2026-11-16T00:00:00", 7, DAY_S, None)
    friday = page.locator(".tl-bucket[aria-current=true]")
    expect(friday).to_have_accessible_name("Fri 20 Nov 2026: 8 events")

    # In to the day, by hour: every event of Friday listed, oldest first.
    press(page, "+", selected=utc("2026-11-20T00:00:00"))
    expect(page.locator("#tl-range")).to_have_text("Fri 20 Nov 2026, by hour: 8 events.")
    check_view(page, seeded, "2026-11-20T00:00:00", 24, HOUR_S, DAY_LIST)
    expect(page.get_by_role("button", name="Show more events")).to_be_hidden()
    press(page, "End", selected=utc("2026-11-20T23:00:00"))
    press(page, "Home", selected=utc("2026-11-20T00:00:00"))
    press(page, "ArrowRight", times=9, selected=utc("2026-11-20T09:00:00"))
    # A bucket's name starts with what it shows ("09", "3"): its time, then its count.
    selected = page.locator(".tl-bucket[aria-current=true]")
    expect(selected).to_have_accessible_name("09:00 to 10:00: 3 events")
    expect(selected.locator(".tl-bucket-label")).to_have_text("09")
    expect(selected.locator(".tl-bucket-count")).to_have_text("3")

    # In to the hour by Page Up, by minute; then to the minute with Enter.
    press(page, "PageUp", selected=utc("2026-11-20T09:00:00"))
    expect(page.locator("#tl-range")).to_have_text(
        "Fri 20 Nov 2026, 09:00 to 10:00, by minute: 3 events."
    )
    check_view(page, seeded, "2026-11-20T09:00:00", 60, MINUTE_S, ["pair-a|pair-b", "morning"])
    press(page, "ArrowRight", times=30, selected=utc("2026-11-20T09:30:00"))
    press(page, "Enter", selected=utc("2026-11-20T09:30:00"))
    expect(selected).to_have_accessible_name("09:30 to 09:31: 2 events")
    expect(page.locator("#tl-range")).to_have_text("Fri 20 Nov 2026, 09:30 to 09:31: 2 events.")
    check_view(page, seeded, "2026-11-20T09:30:00", 1, MINUTE_S, ["pair-a|pair-b"])
    press(page, "+", selected=utc("2026-11-20T09:30:00"))
    expect(page.locator("#tl-range")).to_contain_text("Already at the closest zoom.")
    # The next minute, with an arrow: nothing started then.
    press(page, "ArrowRight", selected=utc("2026-11-20T09:31:00"))
    check_view(page, seeded, "2026-11-20T09:31:00", 1, MINUTE_S, [])

    # Out by Page Down to the hour, the day and the week.
    press(page, "PageDown", selected=utc("2026-11-20T09:31:00"))
    press(page, "PageDown", selected=utc("2026-11-20T09:00:00"))
    press(page, "PageDown", selected=utc("2026-11-20T00:00:00"))
    check_view(page, seeded, "2026-11-16T00:00:00", 7, DAY_S, None)

    # Jump to a date and hour: the form, then the timeline has the focus on that hour.
    page.get_by_label("Jump to date").fill("2026-11-20")
    page.get_by_label("Hour (0 to 23)").fill("19")
    page.get_by_label("Hour (0 to 23)").press("Enter")
    press(page, "Home", selected=utc("2026-11-20T19:00:00"))
    check_view(page, seeded, "2026-11-20T19:00:00", 60, MINUTE_S, ["evening"])
    # One step back from the hour's first minute is the hour before: empty.
    press(page, "ArrowLeft", selected=utc("2026-11-20T18:59:00"))
    check_view(page, seeded, "2026-11-20T18:00:00", 60, MINUTE_S, [])
    expect(page.locator("#tl-clips-status")).to_have_text(
        "No events in Fri 20 Nov 2026, 18:00 to 19:00."
    )
    # The address says where the timeline is, for a link or a reload.
    assert page.url.endswith("?zoom=hour&at=2026-11-20T18:59")


@SQLITE_ONLY
def test_a_bad_jump_names_the_field_and_events_link_to_their_clip(
    timeline: Page, seeded: Seeded
) -> None:
    page = timeline
    expect(page.locator("#tl-range")).to_contain_text("Fri 27 Nov 2026")
    page.get_by_label("Hour (0 to 23)").fill("24")
    page.get_by_label("Hour (0 to 23)").press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Hour: a whole number from 0 to 23.")
    expect(page.get_by_label("Hour (0 to 23)")).to_have_attribute("aria-invalid", "true")
    link = page.locator("#tl-clips a").first
    expect(link).to_have_attribute("href", f"/clips/{seeded.ids['too-late']}")


@SQLITE_ONLY
def test_the_page_fits_a_phone_and_its_targets_are_large_enough(
    browser: Browser, seeded: Seeded
) -> None:
    context = _context(browser, seeded.home, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"/cameras/{seeded.camera_id}?zoom=hour&at=2026-11-20T09:00")
    expect(page.locator(".tl-bucket")).to_have_count(60)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    sizes = page.eval_on_selector_all(
        ".tl-bucket, #timeline-app button:not([hidden]), #tl-clips a",
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return [r.width, r.height, r.right]; })",
    )
    assert sizes and all(w >= 24 and h >= 24 and right <= 360 for w, h, right in sizes), sizes
    context.close()


def record_event(tmp_path: Path, home: Home, device: Device, label: str) -> uuid.UUID:
    """One event sealed and uploaded as an edge does, its details naming ``label``."""
    details = json.dumps({"label": label, "score": 0.9}).encode().ljust(2048, b" ")
    contents = {"clip": b"\x00" * 5000, "snapshot": b"\x01" * 500, "details": details}
    clip = seal_clip(home, device.key, current_home_key(home), contents=contents)
    return upload_clip(tmp_path, home, device, clip)


@SQLITE_ONLY
def test_snapshots_and_labels_decrypt_in_the_browser_once_the_key_is_unlocked(
    browser: Browser, served_hub: ServedHub, tmp_path: Path
) -> None:
    home = make_home(served_hub.url)
    device = pair_device(home)
    labels = ["person", "car", "person"]
    clip_ids = [record_event(tmp_path, home, device, label) for label in labels]
    context = _context(browser, home)
    page = context.new_page()
    page.goto(f"/cameras/{home.camera_id}")
    items = [page.locator(f'#tl-clips li[data-clip-id="{clip_id}"]') for clip_id in clip_ids]
    for item in items:
        expect(item).to_have_attribute("data-state", "seen")  # in view, still sealed
        expect(item).not_to_have_attribute("data-label", re.compile("."))
    page.get_by_role("button", name="Show snapshots").press("Enter")
    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.get_by_label("Passphrase").press("Enter")
    for item, label in zip(items, labels, strict=True):
        expect(item).to_have_attribute("data-state", "opened", timeout=30_000)
        expect(item).to_have_attribute("data-snapshot", "shown")
        expect(item).to_have_attribute("data-label", label)
        expect(item.locator(".tl-clip-text")).to_contain_text(f"· {label}")
        source = item.locator("img").get_attribute("src")
        assert source is not None and source.startswith("blob:")
    expect(page.locator("#tl-labels")).to_have_text("Opened so far: person 2, car 1.")
    context.close()


@SQLITE_ONLY
def test_show_more_lists_the_rest_of_a_busy_day(browser: Browser, served_hub: ServedHub) -> None:
    home = make_home(served_hub.url)
    day = [
        SpecClip(f"busy-{n:03}", f"2026-11-10T{n // 60:02}:{n % 60:02}:00", 20, "c")
        for n in range(130)
    ]
    engine = make_engine(served_hub.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            ids = seed(session, home_id=home.home_id, camera_id=home.camera_id, clips=day)
    finally:
        engine.dispose()
    context = _context(browser, home)
    page = context.new_page()
    page.goto(f"/cameras/{home.camera_id}?zoom=day&at=2026-11-10T00:00")
    expect(page.locator("#tl-clips li")).to_have_count(100)
    # Nothing sealed to open among them but the video: nothing to unlock for.
    expect(page.get_by_role("button", name="Show snapshots")).to_be_hidden()
    more = page.get_by_role("button", name="Show more events")
    more.press("Enter")
    expect(page.locator("#tl-clips li")).to_have_count(130)
    expect(more).to_be_hidden()
    assert listed(page) == [ids[clip.name] for clip in day]
    context.close()
