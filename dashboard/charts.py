"""The Overview's 30-day chart: impressions, clicks and spend per day as inline SVG bars.

Pure functions, no Django. Each metric gets its own panel scaled to its own maximum, so a day
with many impressions and few clicks reads correctly in both. Labels are left to the HTML
around the SVGs, where they keep a readable size at any width; the SVGs stretch horizontally.
The markup uses presentation attributes only (no inline `style`), so a strict
Content-Security-Policy allows it.
"""

from collections.abc import Sequence
from datetime import date
from html import escape
from typing import NamedTuple

WIDTH = 720
HEIGHT = 64


class DayPoint(NamedTuple):
    day: date
    impressions: int
    clicks: int
    spend_micros: int


class ChartPanel(NamedTuple):
    label: str
    total: str
    peak: str
    svg: str  # escaped markup, safe to insert as is


def format_count(value: int) -> str:
    return f"{value:,}"


def format_money(micros: int) -> str:
    """Micros as dollars with cents, rounded half up: 1_234_565_000 → '$1,234.57'."""
    cents = (micros + 5_000) // 10_000
    return f"${cents // 100:,}.{cents % 100:02d}"


def bars_svg(values: Sequence[int], *, color: str, label: str) -> str:
    """One bar per value, scaled so the largest fills the height; a 0 draws no bar."""
    slot = WIDTH / max(len(values), 1)
    peak = max(values, default=0)
    rects = []
    for index, value in enumerate(values):
        height = 0.0 if peak <= 0 or value <= 0 else max(1.0, HEIGHT * value / peak)
        rects.append(
            f'<rect x="{index * slot + 1:.1f}" y="{HEIGHT - height:.1f}" width="{max(slot - 2, 1):.1f}" '
            f'height="{height:.1f}" fill="{color}"/>'
        )
    baseline = (
        f'<line x1="0" y1="{HEIGHT - 0.5}" x2="{WIDTH}" y2="{HEIGHT - 0.5}" stroke="#9aa3af" '
        'stroke-width="1" vector-effect="non-scaling-stroke"/>'
    )
    return (
        f'<svg class="chart-bars" viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="none" '
        f'role="img" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        + "".join(rects)
        + baseline
        + "</svg>"
    )


def daily_chart(points: Sequence[DayPoint]) -> list[ChartPanel]:
    """Impressions, clicks and spend panels for the given days (oldest first)."""
    metrics = [
        ("Impressions", [p.impressions for p in points], "#2563eb", format_count),
        ("Clicks", [p.clicks for p in points], "#0f766e", format_count),
        ("Spend", [p.spend_micros for p in points], "#b45309", format_money),
    ]
    panels = []
    for label, values, color, fmt in metrics:
        total, peak = fmt(sum(values)), fmt(max(values, default=0))
        description = f"{label} per day over {len(values)} days: {total} in total, at most {peak} a day"
        panels.append(ChartPanel(label, total, peak, bars_svg(values, color=color, label=description)))
    return panels


def axis_labels(points: Sequence[DayPoint]) -> tuple[str, str]:
    """The first and last day shown, for the labels under the chart."""
    if not points:
        return "", ""
    return f"{points[0].day:%b %d}", f"{points[-1].day:%b %d}"


def daily_rows(points: Sequence[DayPoint]) -> list[tuple[str, str, str, str]]:
    """The chart's figures as text rows (day, impressions, clicks, spend) for the data table."""
    return [
        (p.day.isoformat(), format_count(p.impressions), format_count(p.clicks), format_money(p.spend_micros))
        for p in points
    ]
