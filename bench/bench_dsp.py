"""DSP hot paths under gunicorn -w 2, wrk -c16, each against the bare app's DRF view, alternating rounds.

- bid: 6-message conversations (bench/wrk/bodies.lua cycles through 256 of them) against 1,000
  active ads (200 groups) and 10,000 (2,000 groups) with realistic hints: two servers, one on
  each of two databases that differ only by 9,000 ads, measured in the same rounds; their cost
  ratio shows whether matching grows with ads. Bare view: parses the same bodies and answers
  as many bytes as a bid.
- render-ad: every request renders a different bid (production true: the claim, the click token,
  the hourly counter and the campaign spend, in one transaction). The bids are placed in-process
  through the real service before each round; bodies.lua sends each at most once and reports
  which it used. Bare view: parses the same bodies and answers as many bytes as a render.

Run: `source .ci/env.sh && make bench BENCH_ARGS=dsp` (PostgreSQL + Redis), or `python -m bench dsp`.
"""

import itertools
import json
import random
import time
from contextlib import ExitStack
from datetime import timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import connection
from django.utils import timezone

from bench.harness import Harness, Load, Run, figure, headers_env, ratio, title
from bids import index, services
from bids.bid_request import parse_bid_request
from bids.models import Bid, SupplyPartner
from creatives.models import Ad, AdGroup, Campaign, ReviewStatus, Status
from thrad.models import Organization

BID_TTL = 1800  # the bids placed before a render round stay live through the whole bench
CHATS = 256
END_USER = {"X-Forwarded-For": "198.51.100.23", "User-Agent": "Mozilla/5.0 (bench)"}
SEED = 20260601

TOPICS = {
    "running": [
        "marathon training",
        "running shoes",
        "trail running",
        "half marathon",
        "knee pain",
        "interval training",
        "carbon plate shoes",
    ],
    "travel": [
        "cheap flights",
        "travel insurance",
        "hotel deals",
        "backpacking europe",
        "carry on luggage",
        "travel credit card",
        "road trip",
    ],
    "finance": [
        "credit card rewards",
        "index funds",
        "retirement savings",
        "mortgage rates",
        "budgeting app",
        "high yield savings",
        "student loans",
    ],
    "cooking": [
        "meal prep",
        "air fryer recipes",
        "sourdough starter",
        "cast iron skillet",
        "vegan protein",
        "knife sharpening",
        "coffee grinder",
    ],
    "tech": [
        "noise cancelling headphones",
        "gaming laptop",
        "mechanical keyboard",
        "password manager",
        "home wifi",
        "smart watch",
        "cloud backup",
    ],
    "home": [
        "standing desk",
        "ergonomic chair",
        "robot vacuum",
        "indoor plants",
        "mattress topper",
        "air purifier",
        "home gym",
    ],
    "pets": [
        "puppy training",
        "cat litter",
        "dog food",
        "pet insurance",
        "aquarium filter",
        "bird cage",
        "vet visit",
    ],
    "learning": [
        "learn spanish",
        "online course",
        "coding bootcamp",
        "guitar lessons",
        "public speaking",
        "speed reading",
        "chess openings",
    ],
}
WORDS = [
    "weekend",
    "advice",
    "honestly",
    "plan",
    "budget",
    "week",
    "better",
    "friend",
    "started",
    "cheap",
    "quality",
    "brand",
    "review",
    "compare",
    "month",
    "recommend",
    "problem",
    "help",
    "looking",
    "need",
]


# --- data ------------------------------------------------------------------------------------------


def _hints(rng: random.Random) -> list[str]:
    topic = rng.choice(list(TOPICS))
    phrases = rng.sample(TOPICS[topic], rng.randint(2, 4))
    phrases.append(f"{rng.choice(TOPICS[topic]).split()[0]} {rng.choice(WORDS)} {rng.randint(1, 400)}")  # long tail
    return phrases


def _campaign(org: Organization, rng: random.Random, n: int) -> Campaign:
    countries = rng.choice([[], [], ["US"], ["US", "CA"], ["GB", "DE", "FR"]])
    return Campaign.objects.create(
        organization=org,
        name=f"Campaign {n}",
        status=Status.ACTIVE,
        review_status=ReviewStatus.APPROVED,
        start_time=timezone.now() - timedelta(days=1),
        lifetime_spend_limit_micros=10**15,
        countries=countries,
    )


def add_ads(org: Organization, *, groups: int, ads_per_group: int, start: int) -> None:
    """`groups` ad groups (10% without hints) of `ads_per_group` ads, 50 groups per campaign."""
    rng = random.Random(SEED + start)
    ad_groups, camp = [], None
    for n in range(start, start + groups):
        if camp is None or n % 50 == 0:
            camp = _campaign(org, rng, n)
        hints = [] if n % 10 == 0 else _hints(rng)
        ad_groups.append(
            AdGroup(
                organization=org,
                campaign=camp,
                name=f"Group {n}",
                context_hints=hints,
                max_bid_micros=rng.randint(4_000_000, 20_000_000),
            )
        )
    AdGroup.objects.bulk_create(ad_groups, batch_size=500)
    ads = [
        Ad(
            organization=org,
            ad_group=g,
            name=f"Ad {g.name}/{k}",
            title=f"{g.name}: the offer you wanted",
            body="Short, useful and to the point.",
            cta_text="Learn more",
            target_url="https://shop.example/x",
            asset_path=f"creatives/2026/06/{g.pk:08x}{k}.png" if k % 2 else "",
        )
        for g in ad_groups
        for k in range(ads_per_group)
    ]
    Ad.objects.bulk_create(ads, batch_size=1000)
    index.version_bump()  # bulk writes send no model signals; the creatives API bumps for its own writes


def conversations(count: int = CHATS) -> list[dict[str, Any]]:
    """6-message chats: some on a topic with hints, some off-topic (no-hint groups answer those)."""
    rng = random.Random(SEED)
    chats = []
    for n in range(count):
        topic = rng.choice(list(TOPICS))
        said = lambda: " ".join(rng.sample(WORDS, 6))  # noqa: E731
        phrase = rng.choice(TOPICS[topic]) if n % 4 else "the weather today"
        turns = [
            f"Hi, I {said()}.",
            f"Happy to help: {said()}.",
            f"My {said()} is about {rng.choice(TOPICS[topic])}.",
            f"Good question; {said()} and {said()}.",
            f"Any {phrase} {said()} you recommend?",
            f"Here are a few options: {said()}, {said()}, {said()}.",
        ]
        chats.append(
            {
                "userId": f"u_{n:06d}",
                "chatId": f"chat_{n}",
                "request_type": "contextual",
                "messages": [
                    {"role": ("user", "assistant")[i % 2], "content": t, "timestamp": 1_780_000_000 + i}
                    for i, t in enumerate(turns)
                ],
                "nAdsBefore": n % 3,
                "ad_formats": ["sponsored_message"],
                "production": True,
                "request_id": f"r{n}",
                "country_code": rng.choice(["US", "US", "CA", "GB", "DE"]),
                "device": "desktop",
                "config": {"max_headline_chars": 60, "image_enabled": True},
            }
        )
    return chats


def place_bids(partner: SupplyPartner, count: int) -> list[str]:
    """Bids placed in-process through the real service (database and cache), ready to render."""
    requests_ = [parse_bid_request(c) for c in conversations()]
    ids: list[str] = []
    for body in itertools.islice(itertools.cycle(requests_), count * 2):
        placed = services.bid_place(partner=partner, request=body)
        if placed is not None:
            ids.append(placed.bid_id)
        if len(ids) == count:
            break
    return ids


# --- load ------------------------------------------------------------------------------------------


class RenderPool:
    """Bids not rendered yet. Before each round it tops up to twice what a round has used (at
    least `minimum`, enough for a 2 s warm-up at 3,000 renders/s; each wrk thread takes half the
    lines, and rounds differ in speed) and writes them as render bodies for bodies.lua; after
    it, drops those the round sent."""

    def __init__(self, h: Harness, partner: SupplyPartner, minimum: int = 6000) -> None:
        self.h, self.partner, self.need = h, partner, minimum
        self.ids: list[str] = []
        self.repeats, self.sent, self.placed, self.placed_seconds = 0, 0, 0, 0.0

    def top_up(self, load: Load) -> None:
        if len(self.ids) < self.need:
            started = time.monotonic()
            new = place_bids(self.partner, self.need - len(self.ids))
            self.placed_seconds += time.monotonic() - started
            self.placed += len(new)
            self.ids += new
        bodies = "\n".join(json.dumps({"bidId": i, "realizedPrice": 4.0, "production": True}) for i in self.ids)
        load.env["BENCH_LINES_FILE"] = self.h.tmp_file(bodies + "\n", ".jsonl")

    def consume(self, load: Load, run: Run) -> None:
        used: set[int] = set()
        for first, sent, size in run.used:
            used.update(range(first - 1, first - 1 + min(sent, size)))
            self.repeats += max(0, sent - size)
            self.sent += sent
        self.ids = [bid for n, bid in enumerate(self.ids) if n not in used]
        self.need = max(self.need, int(2 * run.requests * self.h.seconds / max(run.seconds, 1)))


def run(h: Harness) -> None:
    title("dsp: bid and render-ad vs the bare app's DRF view, gunicorn -w 2, wrk -c16")
    settings.BID_TTL_SECONDS = BID_TTL  # for the bids placed in this process
    chats = conversations()
    bid_env = {"BENCH_LINES_FILE": h.tmp_file("\n".join(json.dumps(c) for c in chats) + "\n", ".jsonl")}
    with h.database(), ExitStack() as stack:
        org = Organization.objects.create(
            name="Bench Brand", domain="brand.example", logo_url="https://cdn.example/l.png"
        )
        partner, key = services.supply_partner_create(name="Bench SSP")
        add_ads(org, groups=200, ads_per_group=5, start=0)
        db_1k = connection.settings_dict["NAME"]
        # The same rows plus 9,000 ads in a copy: one server on each, measured in the same rounds.
        db_10k = stack.enter_context(h.database_copy("10k"))
        add_ads(org, groups=1800, ads_per_group=5, start=200)
        bare = stack.enter_context(h.bare())
        ours_1k = stack.enter_context(h.project(database=db_1k, BID_TTL_SECONDS=str(BID_TTL)))
        ours_10k = stack.enter_context(h.project(database=db_10k, BID_TTL_SECONDS=str(BID_TTL)))
        bid_size, render_size = _sizes(ours_10k.base, key, chats[1], place_bids(partner, 1)[0])
        ours_env = {**bid_env, "BENCH_HEADERS": headers_env({"Authorization": f"Bearer {key}", **END_USER})}
        bare_bid, small, large = h.alternate(
            [
                Load("bare DRF view (bid bodies)", bare, f"/drf?size={bid_size}", "bodies.lua", bid_env),
                Load("bid, 1,000 active ads", ours_1k, "/api/v1/dsp/bid", "bodies.lua", ours_env),
                Load("bid, 10,000 active ads", ours_10k, "/api/v1/dsp/bid", "bodies.lua", ours_env),
            ]
        )
        pool = RenderPool(h, partner)  # bids of the 10,000-ad database, rendered by its server
        bare_render, render = h.alternate(
            [
                Load(
                    "bare DRF view (render bodies)",
                    bare,
                    f"/drf?size={render_size}",
                    "bodies.lua",
                    {},
                    before=pool.top_up,
                ),
                Load(
                    "render-ad (production, distinct bids)",
                    ours_10k,
                    "/api/v1/dsp/render-ad",
                    "bodies.lua",
                    {"BENCH_DISTINCT": "1"},
                    before=pool.top_up,
                    after=pool.consume,
                ),
            ]
        )
        rss = max(ours_1k.peak_worker_rss_mb(), ours_10k.peak_worker_rss_mb())
        rendered = Bid.objects.filter(rendered_at__isnull=False).count()
    print(
        f"  (placed {pool.placed} bids to render in {pool.placed_seconds:.1f} s; {pool.sent} renders sent, "
        f"{pool.repeats} of them repeats; {rendered} bids rendered)"
    )
    for result in (bare_bid, small, large, bare_render, render):
        print(result.line())
    ratio("render-ad req/s / bare DRF", render.rps, bare_render.rps, goal="goal >= 0.5")
    ratio("bid (10k ads) req/s / bare DRF", large.rps, bare_bid.rps, goal="goal >= 0.4")
    ratio("bid (1k ads) req/s / bare DRF", small.rps, bare_bid.rps)
    ratio("bid cost 10k / 1k ads", small.rps, large.rps, goal="goal <= 1.3 (time per bid, same rounds)")
    figure("peak worker RSS", rss, "MB")


def _sizes(base: str, key: str, bid_body: dict[str, Any], bid_id: str) -> tuple[int, int]:
    """Bytes of a bid answer and of a render answer (a non-production render charges nothing)."""
    headers = {"Authorization": f"Bearer {key}", **END_USER}
    bid = requests.post(f"{base}/api/v1/dsp/bid", json=bid_body, headers=headers, timeout=10)
    render = requests.post(
        f"{base}/api/v1/dsp/render-ad", json={"bidId": bid_id, "realizedPrice": 4.0, "production": False}, timeout=10
    )
    assert bid.status_code == 200 and render.status_code == 200, (bid.content, render.content)
    return len(bid.content), len(render.content)
