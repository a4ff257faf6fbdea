"""The report as CSV: one row per period and count, breakdowns one row per name."""

from __future__ import annotations

import csv
import io

from doorstep.audit.report import BREAKDOWNS, METRICS, PeriodKind, TransparencyReport

HEADER = ("period", "metric", "name", "count")

# A cell a spreadsheet would run as a formula starts with one of these (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """Text a spreadsheet shows as text, never runs as a formula."""
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def report_csv(report: TransparencyReport, kind: PeriodKind) -> str:
    """Periods oldest first, then ``total``; agency and category names go in ``name``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for counts in (*report.periods(kind), report.total):
        for metric, _ in METRICS:
            writer.writerow((counts.period, metric, "", getattr(counts, metric)))
        for metric, _ in BREAKDOWNS:
            for name, count in getattr(counts, metric).items():
                writer.writerow((counts.period, metric, csv_cell(name), count))
    return out.getvalue()
