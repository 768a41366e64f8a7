"""A simulated UTC day of steady traffic against one campaign with a daily limit, paced `even` and
then `asap`: prints the hourly spend and writes the chart docs/pacing-day.svg.

The clock is moved with time-machine; every auction goes through the real bid and render
endpoints (Django's test client), the real counters and a fresh database, so the curve is what
the code does, not a model of it. Traffic: an auction every 3 minutes, each won when our bid is
placed, rendered at the bid price. That is 20 auctions an hour where the daily limit buys 10:
the campaign could always spend more, so the curve shows what pacing holds back.

Run: `python -m bench.pacing_day` (embedded default) or `source .ci/env.sh && python -m
bench.pacing_day` (PostgreSQL + Redis), with the bench's settings and names (bench/__main__.py)
on a database of its own, dropped after.
"""

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CHART = BASE_DIR / "docs" / "pacing-day.svg"
TMP_DIR = BASE_DIR / ".bench-tmp"
DAY = datetime(2026, 6, 2, tzinfo=UTC)
DAILY_MICROS = 4_800_000  # $4.80: 240 impressions at a $20 CPM
CPM = 20.0
EVERY = timedelta(minutes=3)


def simulate(pacing: str) -> list[int]:
    """Hourly spend (micros) of one campaign over the simulated day, on a fresh database."""
    import time_machine
    from django.db import connection
    from rest_framework.test import APIClient

    from bids.models import AdStatsHourly
    from tests import factories
    from tests.bids.conftest import END_USER, bid_body

    TMP_DIR.mkdir(exist_ok=True)
    sqlite = connection.vendor == "sqlite"
    name = (
        str(TMP_DIR / f"pacing_{os.environ['THRAD_BENCH_ID']}.sqlite3")
        if sqlite
        else f"thrad_pacing_{os.environ['THRAD_BENCH_ID']}"
    )  # noqa: E501
    connection.settings_dict["TEST"] = {**connection.settings_dict.get("TEST", {}), "NAME": name}
    creation, old_name = connection.creation, connection.settings_dict["NAME"]
    creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with time_machine.travel(DAY, tick=False) as clock:
            fields = {
                "daily_spend_limit_micros": DAILY_MICROS,
                "pacing": pacing,
                "start_time": DAY - timedelta(days=1),
            }
            ad = factories.servable_ad(hints=["marathon training"], max_bid_micros=20_000_000, campaign_fields=fields)
            client = APIClient(SERVER_NAME="localhost")
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {factories.partner()[1]}", **END_USER)
            at = DAY + timedelta(seconds=30)
            while at < DAY + timedelta(days=1):
                clock.move_to(at)
                response = client.post("/api/v1/dsp/bid", bid_body(), format="json")
                if response.status_code == 200:
                    body = {"bidId": response.json()["data"]["bidId"], "realizedPrice": CPM}
                    client.post("/api/v1/dsp/render-ad", body, format="json")
                at += EVERY
        rows = dict(AdStatsHourly.objects.filter(ad=ad).values_list("hour", "spend_micros"))
        return [rows.get(DAY + timedelta(hours=h), 0) for h in range(24)]
    finally:
        connection.close()
        creation.destroy_test_db(old_name, verbosity=0)


def chart_svg(series: dict[str, list[int]], share: float) -> str:
    """Grouped bars per hour (one colour per series), the even share as a dashed line, axes and a
    legend. Plain SVG written here, no plotting library."""
    colors = {"even": "#2563eb", "asap": "#f59e0b"}
    width, height, left, bottom, top = 760, 320, 56, 36, 52
    plot_w, plot_h = width - left - 16, height - top - bottom
    peak = max(max(values) for values in series.values()) or 1
    y = lambda micros: top + plot_h - plot_h * micros / peak  # noqa: E731
    slot = plot_w / 24
    bar = (slot - 4) / len(series)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'font-family="system-ui, sans-serif" font-size="11" role="img" aria-label="Hourly spend over a UTC day">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{left}" y="16" font-size="13" font-weight="600">Hourly spend, one UTC day, daily limit ${DAILY_MICROS / 1e6:.2f}</text>',  # noqa: E501
    ]
    for tick in range(5):
        value = peak * tick / 4
        parts.append(f'<line x1="{left}" x2="{width - 16}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#e5e7eb"/>')
        parts.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">${value / 1e6:.2f}</text>')
    for index, (name, values) in enumerate(series.items()):
        for hour, micros in enumerate(values):
            x = left + hour * slot + 2 + index * bar
            parts.append(
                f'<rect x="{x:.1f}" y="{y(micros):.1f}" width="{bar:.1f}" height="{top + plot_h - y(micros):.1f}" fill="{colors[name]}"/>'
            )  # noqa: E501
    parts.append(
        f'<line x1="{left}" x2="{width - 16}" y1="{y(share):.1f}" y2="{y(share):.1f}" stroke="#111827" stroke-dasharray="5 4"/>'
    )  # noqa: E501
    for hour in range(0, 24, 3):
        parts.append(
            f'<text x="{left + hour * slot + slot / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle">{hour:02d}:00</text>'
        )  # noqa: E501
    legend = [*((name, colors[name]) for name in series), ("even share (limit / 24)", None)]
    for index, (label, color) in enumerate(legend):
        x = left + 10 + index * 150
        if color:
            mark = f'<rect x="{x}" y="26" width="10" height="10" fill="{color}"/>'
        else:
            mark = f'<line x1="{x}" x2="{x + 12}" y1="31" y2="31" stroke="#111827" stroke-dasharray="5 4"/>'

        parts.append(f'{mark}<text x="{x + 16}" y="35">{label}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main() -> int:
    from bench.__main__ import _clean_up, _environment

    _environment()  # the bench's production settings and names of its own
    import django

    django.setup()
    series = {pacing: simulate(pacing) for pacing in ("even", "asap")}
    share = DAILY_MICROS / 24
    print(f"hour  {'even':>8} {'asap':>8}   (even share ${share / 1e6:.2f} an hour; $ spent)")
    for hour in range(24):
        even, asap = series["even"][hour], series["asap"][hour]
        print(
            f"{hour:02d}:00 {even / 1e6:8.2f} {asap / 1e6:8.2f}   {even / share:5.2f}× share  {'#' * round(10 * even / share)}"
        )  # noqa: E501
    print(f"day   {sum(series['even']) / 1e6:8.2f} {sum(series['asap']) / 1e6:8.2f}   limit ${DAILY_MICROS / 1e6:.2f}")
    CHART.write_text(chart_svg(series, share))
    print(f"chart: {CHART.relative_to(BASE_DIR)}")
    _clean_up()
    return 0


if __name__ == "__main__":
    sys.exit(main())
