"""Horizontal bar charts as inline SVG, drawn on the server: no script, no CDN."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

LABEL_WIDTH = 200
BAR_WIDTH = 260
VALUE_WIDTH = 50
ROW_HEIGHT = 24
# Longer labels are cut in the chart; the tooltip and the tables carry them whole.
MAX_LABEL = 28


def _shorten(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def bar_chart(title: str, bars: Sequence[tuple[str, int]]) -> str:
    """One bar per (label, value), scaled to the largest; every string is escaped here."""
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    height = ROW_HEIGHT * max(len(bars), 1)
    top = max((value for _, value in bars), default=0)
    rows = []
    for row, (label, value) in enumerate(bars):
        y = row * ROW_HEIGHT
        length = round(BAR_WIDTH * value / top) if top else 0
        rows.append(
            f"<g><title>{escape(label)}: {value}</title>"
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end">'
            f"{escape(_shorten(label))}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{length}" height="{ROW_HEIGHT - 8}"'
            ' fill="#3b6ea5"/>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 16}">{value}</text></g>'
        )
    if not bars:
        rows.append(f'<text x="{LABEL_WIDTH}" y="16">none yet</text>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}"'
        f' width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        f' font-family="sans-serif" font-size="13"><title>{escape(title)}</title>'
        f"{''.join(rows)}</svg>"
    )
