"""The transparency report as one server-rendered page: tables and inline SVG charts.

Agency names and categories come from the log and may hold markup, so every string
is escaped. The page runs no script and loads only its stylesheet (``PAGE_CSP``).
Each number in a table says what it is in ``data-period``, ``data-metric`` and
``data-name``, for anyone who scrapes the page rather than fetching the JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from doorstep.audit.report import (
    BREAKDOWNS,
    METRICS,
    PeriodCounts,
    PeriodKind,
    TransparencyReport,
)
from doorstep.hub.transparency.charts import bar_chart

PAGE_CSP = (
    "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

# Counts drawn as a chart per period.
CHARTED = (
    "requests",
    "emergency_requests",
    "requests_with_share",
    "clips_shared",
    "demands_received",
)

_LABELS = dict(METRICS + BREAKDOWNS)
_KINDS: tuple[PeriodKind, ...] = ("month", "quarter")


def _cell(counts: PeriodCounts, metric: str, value: int, name: str | None = None) -> str:
    named = "" if name is None else f' data-name="{escape(name)}"'
    period = escape(counts.period)
    return f'<td data-period="{period}" data-metric="{metric}"{named}>{value}</td>'


def _table(columns: Sequence[PeriodCounts], rows: Sequence[tuple[str, str]]) -> str:
    """One row per (heading, its ``<td>`` cells), one column per period."""
    head = "".join(f'<th scope="col">{escape(counts.period)}</th>' for counts in columns)
    body = "".join(
        f'<tr><th scope="row">{escape(heading)}</th>{cells}</tr>' for heading, cells in rows
    )
    return (
        f'<div class="scroll"><table><thead><tr><th></th>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _counts_section(columns: Sequence[PeriodCounts]) -> str:
    rows = [
        (label, "".join(_cell(c, metric, getattr(c, metric)) for c in columns))
        for metric, label in METRICS
    ]
    return _table(columns, rows)


def _breakdown_section(metric: str, columns: Sequence[PeriodCounts], total: PeriodCounts) -> str:
    names: dict[str, int] = getattr(total, metric)
    rows = [
        (
            name or "(unnamed)",
            "".join(_cell(c, metric, getattr(c, metric).get(name, 0), name) for c in columns),
        )
        for name in names
    ]
    label = _LABELS[metric]
    chart = _figure(f"{label}, in total", [(n or "(unnamed)", v) for n, v in names.items()])
    return f"<h2>{escape(label)}</h2>{chart}{_table(columns, rows)}"


def _figure(title: str, bars: Sequence[tuple[str, int]]) -> str:
    return f"<figure>{bar_chart(title, bars)}<figcaption>{escape(title)}</figcaption></figure>"


def _period_charts(periods: Sequence[PeriodCounts], kind: PeriodKind) -> str:
    figures = (
        _figure(f"{_LABELS[metric]} per {kind}", [(c.period, getattr(c, metric)) for c in periods])
        for metric in CHARTED
    )
    return f'<div class="charts">{"".join(figures)}</div>'


def _navigation(kind: PeriodKind) -> str:
    links = " · ".join(
        f'<a href="?period={other}" aria-current="page">by {other}</a>'
        if other == kind
        else f'<a href="?period={other}">by {other}</a>'
        for other in _KINDS
    )
    return (
        f"<nav>{links} · download "
        f'<a href="/v1/transparency?period={kind}">JSON</a> · '
        f'<a href="/v1/transparency.csv?period={kind}">CSV</a></nav>'
    )


def render_page(report: TransparencyReport, kind: PeriodKind) -> str:
    periods = report.periods(kind)
    columns = (*periods, report.total)
    as_of = report.as_of.isoformat(timespec="seconds").replace("+00:00", "Z")
    breakdowns = "".join(
        _breakdown_section(metric, columns, report.total) for metric, _ in BREAKDOWNS
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Doorstep transparency report</title>"
        '<link rel="stylesheet" href="/static/transparency.css"></head><body><main>'
        "<h1>Transparency report</h1>"
        f"<p>Counted from the first {report.log_size} entries of the public audit log, as of "
        f'<time datetime="{as_of}">{as_of}</time>. Nobody types these numbers in: the '
        '<a href="/v1/audit/entries">entries</a> are public and signed into a Merkle tree, '
        "so anyone can count them again and get the same.</p>"
        f"{_navigation(kind)}"
        f"<h2>Per {kind}</h2>{_counts_section(columns)}"
        f"{_period_charts(periods, kind)}{breakdowns}"
        "</main></body></html>"
    )
