"""The comparison's own rules: what normalizing rewrites, what it leaves, what the surface holds."""

from __future__ import annotations

import pytest

from tests.hub.silence import surface
from tests.hub.silence.normalize import Normalizer

REQUEST = "6f1c1c1e-0000-4000-8000-000000000001"
SHARE = "6f1c1c1e-0000-4000-8000-000000000002"
SIGNATURE = "q8v2V0xq1lQ0c2ZzS3Jm0q7b1hR8d9e0f1g2h3i4j5k6l7m8n9o0p1q2r3s4t5u6v7w8x9y0z1A2B3C4D5w=="


def test_ids_are_numbered_by_first_appearance_across_the_whole_capture() -> None:
    normalizer = Normalizer()
    first = normalizer.text(f'{{"id":"{REQUEST}","share":"{SHARE}"}}')
    second = normalizer.text(f"evidence-{SHARE}.zip for {REQUEST.upper()}")
    assert first == '{"id":"<id 1>","share":"<id 2>"}'
    assert second == "evidence-<id 2>.zip for <id 1>"


def test_the_same_shape_with_other_ids_and_times_normalizes_the_same() -> None:
    one, other = Normalizer(), Normalizer()
    text = '{{"id":"{}","at":"{}","key":"{}","sha256":"{}"}}'
    assert one.text(
        text.format(REQUEST, "2026-12-03T00:40:01.123456+00:00", SIGNATURE, "ab" * 32)
    ) == other.text(text.format(SHARE, "2026-11-30T23:59:59Z", SIGNATURE.swapcase(), "cd" * 32))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-03T00:40:01+00:00", "<time>"),
        ("2026-12-03T00:40:01.5Z", "<time>"),
        ("from 2026-12-03 00:40 to 2026-12-03 01:40 UTC", "from <time> to <time>"),
        ("shared on 2026-12-03.", "shared on <time>."),
        # JSON escapes stay; the base64 line after one is an id.
        ("audit\\n15\\n" + SIGNATURE + "\\n", "audit\\n15\\n<id 1>\\n"),
        ("clips/" + REQUEST + "/clip.sealed", "clips/<id 1>/clip.sealed"),
    ],
)
def test_times_and_ids_are_what_it_rewrites(text: str, expected: str) -> None:
    assert Normalizer().text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        '{"declined":1,"clips_shared":2,"homes_reached":3}',
        "period,metric,name,count\n2026-12,requests,,1",
        '{"coarse_cells":["8828f0030dfffff"],"area_km2":"0.282 km²","index":14}',
        "Riverside Police: Burglary reported at 10:40",
        "a" * 31,
    ],
)
def test_counts_names_and_short_tokens_are_left_as_they_are(text: str) -> None:
    assert Normalizer().text(text) == text


def test_bytes_that_are_not_text_are_named_by_length_and_digest() -> None:
    normalizer = Normalizer()
    sealed = b"\xff\x00" * 10
    assert normalizer.bytes(sealed) == "<bytes 20 <id 1>>"
    assert normalizer.bytes(b"\xfe\x00" * 10) == "<bytes 20 <id 2>>"
    assert normalizer.bytes(sealed) == "<bytes 20 <id 1>>"


def test_a_route_the_worlds_cant_fill_fails_by_name() -> None:
    ids = surface.Ids(request_id=REQUEST, share_id=SHARE, log_size=9)
    assert surface.fill("/v1/agency/shares/{share_id}/package", ids) == (
        f"/v1/agency/shares/{SHARE}/package"
    )
    with pytest.raises(AssertionError, match=r"/v1/agency/tips/\{tip_id\}.*can't fill \{tip_id\}"):
        surface.fill("/v1/agency/tips/{tip_id}", ids)


def test_the_surface_is_every_get_an_agency_member_or_anyone_may_call() -> None:
    calls = {(route.path, caller) for route, caller in surface.agency_visible()}
    assert ("/v1/agency", "agency_member") in calls
    assert ("/v1/transparency.csv", "anonymous") in calls
    assert ("/v1/transparency.csv", "agency_member") in calls  # anyone: signed in too
    assert ("/v1/me/notifications", "agency_member") in calls
    assert not {path for path, _ in calls} & {"/v1/inbox", "/v1/admin/agencies", "/v1/homes"}


def test_every_agency_visible_route_can_be_filled() -> None:
    """A route added to the table with a parameter the worlds can't fill fails here
    first, by name (and again in the worlds' test)."""
    ids = surface.Ids(request_id=REQUEST, share_id=SHARE, log_size=9)
    for route, _ in surface.agency_visible():
        assert "{" not in surface.fill(route.path, ids)
