"""Bid with caps and pacing on vs off: latency and round trips per bid, in one process.

1,000 active ads in 200 groups with hints; 6-message conversations on random topics, random
userIds. "off": no daily limits, no caps. "on": every campaign paced `even` under a daily limit
(large enough never to bind) and every group capped at 100 a week (never reached), so every bid
reads the shared counters. The two alternate in rounds through Django's test client (the whole
view stack, no network), and each bid's database queries and Redis round trips are counted.
The goal: on costs at most one round trip more than off, and its latency stays close.

In-process (no gunicorn, no wrk; only the harness's fresh database): `python -m bench spend`, or
`source .ci/env.sh && python -m bench spend` for PostgreSQL + Redis; `make bench` runs it too.
BENCH_BIDS sets the bids per mode (default 1500).
"""

import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

TOPICS = [
    "marathon training",
    "running shoes",
    "cheap flights",
    "hotel deals",
    "index funds",
    "meal prep",
    "air fryer recipes",
    "gaming laptop",
    "standing desk",
    "puppy training",
    "learn spanish",
    "home gym",
]
WORDS = ["weekend", "advice", "plan", "budget", "better", "friend", "cheap", "quality", "review", "help"]
ROUNDS = 6


def _conversation(rng: random.Random) -> list[dict[str, Any]]:
    turns = []
    for i in range(6):
        words = rng.sample(WORDS, 5) + ([rng.choice(TOPICS)] if i % 2 == 0 else [])
        turns.append({"role": ("user", "assistant")[i % 2], "content": " ".join(words)})
    return turns


def _build(groups: int = 200, ads_per_group: int = 5) -> None:
    from django.utils import timezone

    from creatives.models import Ad, AdGroup, Campaign, ReviewStatus, Status
    from thrad.models import Organization

    rng = random.Random(20260602)
    org = Organization.objects.create(name="Bench", domain="bench.example")
    start = timezone.now() - timedelta(days=1)
    for g in range(groups):
        campaign = Campaign.objects.create(
            organization=org,
            name=f"c{g}",
            status=Status.ACTIVE,
            start_time=start,
            review_status=ReviewStatus.APPROVED,
            lifetime_spend_limit_micros=10**12,
        )
        group = AdGroup.objects.create(
            organization=org,
            campaign=campaign,
            name=f"g{g}",
            max_bid_micros=rng.randrange(4_000_000, 20_000_000),
            context_hints=rng.sample(TOPICS, 2),
        )
        Ad.objects.bulk_create(
            Ad(
                organization=org,
                ad_group=group,
                name=f"a{g}.{i}",
                title="Title",
                body="Body",
                cta_text="Go",
                target_url="https://bench.example/",
            )
            for i in range(ads_per_group)
        )


def _mode(on: bool) -> None:
    from bids.index import version_bump
    from creatives.models import AdGroup, Campaign

    Campaign.objects.update(daily_spend_limit_micros=10**11 if on else None, pacing="even" if on else None)
    AdGroup.objects.update(
        frequency_cap_max_impressions=100 if on else None, frequency_cap_window="week" if on else None
    )
    version_bump()


@contextmanager
def _round_trips() -> Iterator[dict[str, int]]:
    """Count database queries and Redis sends (a pipeline or script is one send) in the block."""
    import redis.connection
    from django.db import connection

    counts = {"db": 0, "redis": 0}
    send = redis.connection.Connection.send_packed_command

    def counted_send(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["redis"] += 1
        return send(self, *args, **kwargs)

    def counted_query(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        counts["db"] += 1
        return execute(sql, params, many, context)

    redis.connection.Connection.send_packed_command = counted_send  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(counted_query):
            yield counts
    finally:
        redis.connection.Connection.send_packed_command = send  # type: ignore[method-assign]


def _bids(client: Any, count: int, rng: random.Random) -> tuple[list[float], dict[str, int], int]:
    from tests.bids.conftest import bid_body

    bodies = [bid_body(userId=f"user-{rng.randrange(100_000)}", messages=_conversation(rng)) for _ in range(count)]
    latencies, wins = [], 0
    with _round_trips() as counts:
        for body in bodies:
            t0 = time.perf_counter()
            response = client.post("/api/v1/dsp/bid", body, format="json")
            latencies.append((time.perf_counter() - t0) * 1000)
            wins += response.status_code == 200
    return latencies, counts, wins


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def run(h: Any) -> None:
    from rest_framework.test import APIClient

    from bench.harness import figure, ratio, title
    from tests import factories
    from tests.bids.conftest import END_USER

    per_mode = int(os.environ.get("BENCH_BIDS", "1500"))
    title("spend: bid with caps and pacing on vs off, 1,000 ads, in-process (Django test client)")
    with h.database():
        _build()
        client = APIClient(SERVER_NAME="localhost")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {factories.partner('Bench SSP')[1]}", **END_USER)
        rng = random.Random(7)
        results: dict[bool, dict[str, Any]] = {m: {"lat": [], "db": 0, "redis": 0, "wins": 0} for m in (False, True)}
        for _ in range(ROUNDS):
            for on in (False, True):
                _mode(on)
                _bids(client, 50, rng)  # warm-up: rebuild the index, fill connections
                latencies, counts, wins = _bids(client, per_mode // ROUNDS, rng)
                result = results[on]
                result["lat"] += latencies
                result["db"] += counts["db"]
                result["redis"] += counts["redis"]
                result["wins"] += wins
        for on, result in results.items():
            n = len(result["lat"])
            print(
                f"  caps+pacing {'on ' if on else 'off'}  p50 {statistics.median(result['lat']):6.2f} ms  "
                f"p99 {_pct(result['lat'], 99):6.2f} ms  {result['db'] / n:.2f} DB queries + "
                f"{result['redis'] / n:.2f} Redis round trips per bid  ({result['wins'] / n:.0%} bid)",
                flush=True,
            )
        off, on_ = results[False], results[True]
        extra = (on_["db"] + on_["redis"]) / len(on_["lat"]) - (off["db"] + off["redis"]) / len(off["lat"])
        figure("extra round trips per bid", extra, "", goal="goal <= 1")
        ratio("p50 on / off", statistics.median(on_["lat"]), statistics.median(off["lat"]))
