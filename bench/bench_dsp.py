"""DSP hot paths under gunicorn -w 2: render-ad and bid, each against the bare DRF view in the same run.

- render-ad: every request renders a different, freshly placed bid (production true: the claim,
  the click token, the hourly counter and the campaign spend, in one transaction).
  Bare view: parses the same JSON and answers a payload of the same size.
- bid: 6-message conversations against 1,000 active ads (200 groups), then 10,000 (2,000 groups)
  with realistic hints; the ratio between the two shows whether matching cost grows with ads.

Run: `source .ci/env.sh && make bench BENCH_ARGS=dsp` (PostgreSQL + Redis), or
`python -m bench dsp`. BENCH_SECONDS / BENCH_WARMUP set the measured and warm-up seconds.
"""

import itertools
import json
import multiprocessing as mp
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone

from bench.harness import Harness, RequestFn, Stats, figure, ratio, title
from bids import index, services
from bids.bid_request import parse_bid_request
from bids.models import SupplyPartner
from creatives.models import Ad, AdGroup, Campaign, ReviewStatus, Status
from thrad.models import Organization

CONCURRENCY = 16
ROUNDS = 3  # bare and ours alternate in this many short rounds
BIDS_TO_RENDER = 12_000
BID_TTL = 900  # long enough for the bids placed before the render run to stay live through it
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
    ],  # fmt: skip
    "travel": [
        "cheap flights",
        "travel insurance",
        "hotel deals",
        "backpacking europe",
        "carry on luggage",
        "travel credit card",
        "road trip",
    ],  # fmt: skip
    "finance": [
        "credit card rewards",
        "index funds",
        "retirement savings",
        "mortgage rates",
        "budgeting app",
        "high yield savings",
        "student loans",
    ],  # fmt: skip
    "cooking": [
        "meal prep",
        "air fryer recipes",
        "sourdough starter",
        "cast iron skillet",
        "vegan protein",
        "knife sharpening",
        "coffee grinder",
    ],  # fmt: skip
    "tech": [
        "noise cancelling headphones",
        "gaming laptop",
        "mechanical keyboard",
        "password manager",
        "home wifi",
        "smart watch",
        "cloud backup",
    ],  # fmt: skip
    "home": [
        "standing desk",
        "ergonomic chair",
        "robot vacuum",
        "indoor plants",
        "mattress topper",
        "air purifier",
        "home gym",
    ],  # fmt: skip
    "pets": [
        "puppy training",
        "cat litter",
        "dog food",
        "pet insurance",
        "aquarium filter",
        "bird cage",
        "vet visit",
    ],  # fmt: skip
    "learning": [
        "learn spanish",
        "online course",
        "coding bootcamp",
        "guitar lessons",
        "public speaking",
        "speed reading",
        "chess openings",
    ],  # fmt: skip
}
WORDS = ["weekend", "advice", "honestly", "plan", "budget", "week", "better", "friend", "started", "cheap",
         "quality", "brand", "review", "compare", "month", "recommend", "problem", "help", "looking", "need"]  # fmt: skip


# --- data ------------------------------------------------------------------------------------------


def _hints(rng: random.Random) -> list[str]:
    topic = rng.choice(list(TOPICS))
    phrases = rng.sample(TOPICS[topic], rng.randint(2, 4))
    phrases.append(
        f"{rng.choice(TOPICS[topic]).split()[0]} {rng.choice(WORDS)} {rng.randint(1, 400)}"
    )  # long tail
    return phrases


def _campaign(org: Organization, rng: random.Random, n: int) -> Campaign:
    countries = rng.choice([[], [], ["US"], ["US", "CA"], ["GB", "DE", "FR"]])
    return Campaign.objects.create(
        organization=org, name=f"Campaign {n}", status=Status.ACTIVE, review_status=ReviewStatus.APPROVED,
        start_time=timezone.now() - timedelta(days=1), lifetime_spend_limit_micros=10**15, countries=countries,
    )  # fmt: skip


def add_ads(org: Organization, *, groups: int, ads_per_group: int, start: int) -> None:
    """`groups` ad groups (10% without hints) of `ads_per_group` ads, 50 groups per campaign."""
    rng = random.Random(SEED + start)
    ad_groups, camp = [], None
    for n in range(start, start + groups):
        if camp is None or n % 50 == 0:
            camp = _campaign(org, rng, n)
        hints = [] if n % 10 == 0 else _hints(rng)
        ad_groups.append(AdGroup(organization=org, campaign=camp, name=f"Group {n}", context_hints=hints,
                                 max_bid_micros=rng.randint(4_000_000, 20_000_000)))  # fmt: skip
    AdGroup.objects.bulk_create(ad_groups, batch_size=500)
    ads = [
        Ad(organization=org, ad_group=g, name=f"Ad {g.name}/{k}", title=f"{g.name}: the offer you wanted",
           body="Short, useful and to the point.", cta_text="Learn more", target_url="https://shop.example/x",
           asset_path=f"creatives/2026/06/{g.pk:08x}{k}.png" if k % 2 else "")
        for g in ad_groups for k in range(ads_per_group)
    ]  # fmt: skip
    Ad.objects.bulk_create(ads, batch_size=1000)
    index.version_bump()  # bulk writes send no model signals; the creatives API bumps for its own writes


def conversations(count: int = 64) -> list[dict[str, Any]]:
    """6-message chats: some on a topic with hints, some off-topic (no-hint groups answer those)."""
    rng = random.Random(SEED)
    chats = []
    for n in range(count):
        topic = rng.choice(list(TOPICS))
        said = lambda: " ".join(rng.sample(WORDS, 6))  # noqa: E731
        phrase = rng.choice(TOPICS[topic]) if n % 4 else "the weather today"
        turns = [f"Hi, I {said()}.", f"Happy to help: {said()}.", f"My {said()} is about {rng.choice(TOPICS[topic])}.",
                 f"Good question; {said()} and {said()}.", f"Any {phrase} {said()} you recommend?",
                 f"Here are a few options: {said()}, {said()}, {said()}."]  # fmt: skip
        chats.append({
            "userId": f"u_{n:06d}", "chatId": f"chat_{n}", "request_type": "contextual",
            "messages": [{"role": ("user", "assistant")[i % 2], "content": t, "timestamp": 1_780_000_000 + i} for i, t in enumerate(turns)],  # fmt: skip
            "nAdsBefore": n % 3, "ad_formats": ["sponsored_message"], "production": True, "request_id": f"r{n}",
            "country_code": rng.choice(["US", "US", "CA", "GB", "DE"]), "device": "desktop",
            "config": {"max_headline_chars": 60, "image_enabled": True},
        })  # fmt: skip
    return chats


def place_bids(partner: SupplyPartner, count: int) -> list[str]:
    """Bids placed in-process through the real service, ready to be rendered over HTTP."""
    requests_ = [parse_bid_request(c) for c in conversations()]
    ids = []
    for body in itertools.islice(itertools.cycle(requests_), count * 2):
        placed = services.bid_place(partner=partner, request=body)
        if placed is not None:
            ids.append(placed.bid_id)
        if len(ids) == count:
            break
    return ids


# --- load ------------------------------------------------------------------------------------------


def _distinct(ids: list[str]) -> Callable[[], str]:
    """Each client process walks its own slice of `ids`, so no bid is rendered twice."""
    slot, lock = mp.Value("i", 0), mp.Lock()
    state: dict[str, Any] = {}

    def take() -> str:
        if state.get("pid") != os.getpid():
            with lock:
                k, slot.value = slot.value, slot.value + 1
            state.update(pid=os.getpid(), it=itertools.cycle(ids[k::CONCURRENCY]), used=0)
        return next(state["it"])

    return take


def _bid_fn(chats: list[dict[str, Any]], key: str) -> Callable[[requests.Session, str], requests.Response]:
    bodies = [json.dumps(c) for c in chats]
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json", **END_USER}
    return lambda s, b: s.post(f"{b}/api/v1/dsp/bid", data=random.choice(bodies), headers=headers)


def _bare_fn(body: str, size: int) -> Callable[[requests.Session, str], requests.Response]:
    headers = {"Content-Type": "application/json"}
    return lambda s, b: s.post(f"{b}/bench/bare-json?size={size}", data=body, headers=headers)


def _sizes(base: str, key: str, bid_body: dict[str, Any], bid_id: str) -> tuple[int, int]:
    headers = {"Authorization": f"Bearer {key}", **END_USER}
    bid = requests.post(f"{base}/api/v1/dsp/bid", json=bid_body, headers=headers, timeout=10)
    render = requests.post(f"{base}/api/v1/dsp/render-ad", json={"bidId": bid_id, "realizedPrice": 4.0, "production": False}, timeout=10)  # fmt: skip
    return len(bid.content) or 70, len(render.content)


def _merge(label: str, parts: list[Stats]) -> Stats:
    return Stats(label=label, requests=sum(p.requests for p in parts), seconds=sum(p.seconds for p in parts),
                 latencies_ms=[x for p in parts for x in p.latencies_ms],
                 statuses=sum((p.statuses for p in parts), Counter()))  # fmt: skip


def paired(h: Harness, base: str, runs: list[tuple[str, RequestFn]], rounds: int = ROUNDS) -> list[Stats]:
    """Alternate the runs in short rounds so a noisy neighbour hits both sides alike."""
    results: list[list[Stats]] = [[] for _ in runs]
    for n in range(rounds):
        step = Harness(seconds=h.seconds / rounds, warmup=h.warmup if n == 0 else min(h.warmup, 0.5))
        for (label, fn), out in zip(runs, results, strict=True):
            out.append(step.load(label, fn, base, concurrency=CONCURRENCY))
    return [_merge(label, parts) for (label, _), parts in zip(runs, results, strict=True)]


def _bench_bids(h: Harness, base: str, key: str, org: Organization) -> list[Stats]:
    chats = conversations()
    bare = _bare_fn(json.dumps(chats[1]), 70)
    bare_1k, small = paired(h, base, [("bare DRF view (bid body)", bare), ("bid, 1,000 active ads", _bid_fn(chats, key))])  # fmt: skip
    add_ads(org, groups=1800, ads_per_group=5, start=200)
    bare_10k, large = paired(h, base, [("bare DRF view (bid body)", bare), ("bid, 10,000 active ads", _bid_fn(chats, key))])  # fmt: skip
    return [bare_1k, small, bare_10k, large]


def _bench_render(h: Harness, base: str, partner: SupplyPartner, key: str) -> list[Stats]:
    started = time.monotonic()
    ids = place_bids(partner, BIDS_TO_RENDER)
    print(f"  (placed {len(ids)} bids to render in {time.monotonic() - started:.1f} s)", flush=True)
    _, size = _sizes(base, key, conversations()[1], ids.pop())
    body = json.dumps({"bidId": ids[0], "realizedPrice": 4.0, "production": True})
    take = _distinct(ids)
    fn = lambda s, b: s.post(f"{b}/api/v1/dsp/render-ad", json={"bidId": take(), "realizedPrice": 4.0})  # noqa: E731
    bare, ours = paired(h, base, [("bare DRF view (render body)", _bare_fn(body, size)), ("render-ad (production, distinct bids)", fn)])  # fmt: skip
    if ours.requests > len(ids):
        print(f"  note: {ours.requests} renders for {len(ids)} bids; some were duplicates", flush=True)
    return [bare, ours]


def run(h: Harness) -> None:
    os.environ["BID_TTL_SECONDS"] = str(BID_TTL)  # for the gunicorn workers
    settings.BID_TTL_SECONDS = BID_TTL  # for the bids placed in this process
    title(f"dsp: render-ad and bid vs the bare DRF view, gunicorn -w 2, {CONCURRENCY} clients")
    with h.database():
        org = Organization.objects.create(name="Bench Brand", domain="brand.example", logo_url="https://cdn.example/l.png")  # fmt: skip
        partner, key = services.supply_partner_create(name="Bench SSP")
        add_ads(org, groups=200, ads_per_group=5, start=0)
        with h.server(workers=2) as server:
            bare_1k, small, bare_10k, large = _bench_bids(h, server.base, key, org)
            bare_render, render = _bench_render(h, server.base, partner, key)
            rss = server.peak_worker_rss_mb()
    for stats in (bare_render, render, bare_1k, small, bare_10k, large):
        print(stats.line())
    ratio("render-ad req/s / bare", render.rps, bare_render.rps, goal="goal >= 0.5")
    figure("render-ad p99", render.p99, "ms", goal="goal < 20 ms")
    ratio("bid (10k ads) req/s / bare", large.rps, bare_10k.rps, goal="goal >= 0.3")
    figure("bid (10k ads) p99", large.p99, "ms", goal="goal < 30 ms")
    ratio("bid time 10k / 1k ads (raw)", small.rps, large.rps, goal="goal <= 1.3")
    ratio(
        "bid time 10k / 1k ads (vs bare)",
        small.rps / bare_1k.rps,
        large.rps / bare_10k.rps,
        goal="goal <= 1.3",
    )
    figure("peak worker RSS", rss, "MB")
