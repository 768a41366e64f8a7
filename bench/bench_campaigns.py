"""Campaign list cost: GET /v1/campaigns?limit=100 over 10,000 campaigns.

Two figures:
- requests/s against the bare app's DRF view answering a payload of the same size (no auth, no
  database), alternating rounds, wrk -c16: the whole cost of our stack, the query included;
- SQL queries per request, counted in-process (CaptureQueriesContext) for several page sizes:
  the goal is a constant number, at most 5.
"""

from datetime import UTC, datetime, timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.harness import Harness, Load, figure, headers_env, ratio, title
from creatives.models import Campaign
from thrad.models import Organization
from thrad.services import api_key_create

CAMPAIGNS = 10_000
PAGE = 100


def _seed(org: Organization) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    Campaign.objects.bulk_create(
        [
            Campaign(
                organization=org,
                name=f"Campaign {i:05d}",
                description="Spring push" if i % 2 else None,
                start_time=start,
                lifetime_spend_limit_micros=50_000_000,
                countries=["US", "DE"],
                created_at=start + timedelta(seconds=i),
            )
            for i in range(CAMPAIGNS)
        ],
        batch_size=1000,
    )


def _queries_per_request(client: Client, headers: dict[str, str]) -> dict[str, int]:
    client.get("/v1/campaigns", headers=headers)  # writes last_used_at once; later requests only read
    counts = {}
    cursor = client.get("/v1/campaigns", {"limit": 1}, headers=headers).json()["last_id"]
    for label, params in [
        ("limit=1", {"limit": 1}),
        ("limit=20", {}),
        ("limit=100", {"limit": PAGE}),
        ("limit=500", {"limit": 500}),
        ("limit=100&after=<id>", {"limit": PAGE, "after": cursor}),
    ]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/v1/campaigns", params, headers=headers)
        assert response.status_code == 200, response.content
        counts[label] = len(ctx.captured_queries)
    return counts


def run(h: Harness) -> None:
    title(f"campaigns: GET /v1/campaigns?limit={PAGE} over {CAMPAIGNS:,} campaigns, gunicorn -w 2, wrk -c16")
    with h.database():
        org = Organization.objects.create(name="Bench", domain="bench.example")
        _, secret = api_key_create(org=org)
        _seed(org)
        headers = {"Authorization": f"Bearer {secret}"}
        counts = _queries_per_request(Client(HTTP_HOST="localhost"), headers)
        size = len(Client(HTTP_HOST="localhost").get("/v1/campaigns", {"limit": PAGE}, headers=headers).content)
        with h.both() as (bare, ours):
            bare_drf, campaigns = h.alternate(
                [
                    Load("bare DRF view (same bytes)", bare, f"/drf?size={size}"),
                    Load(
                        f"/v1/campaigns?limit={PAGE}",
                        ours,
                        f"/v1/campaigns?limit={PAGE}",
                        env={"BENCH_HEADERS": headers_env(headers)},
                    ),
                ]
            )
    for result in (bare_drf, campaigns):
        print(result.line())
    figure("response size", size / 1024, "KiB")
    ratio("req/s / bare DRF (same bytes)", campaigns.rps, bare_drf.rps)
    for label, count in counts.items():
        figure(f"SQL queries, {label}", count, "per request", goal="(goal: constant, <= 5)")
