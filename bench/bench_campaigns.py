"""Campaign list cost: GET /v1/campaigns?limit=100 over 10,000 campaigns.

Three figures, all from the same run:
- requests/s against the bare DRF view answering a payload of the same size (no auth, no DB),
  and against a bare DRF view that reads the same 100 rows (`.values()`, no auth): the first
  ratio is the whole cost of our stack, the second what it costs beyond the unavoidable query;
- SQL queries per request, counted in-process (CaptureQueriesContext) for several page sizes:
  the goal is a constant number, at most 5.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.harness import Harness, figure, ratio, title
from creatives.models import Campaign
from thrad.models import Organization
from thrad.services import api_key_create

CAMPAIGNS = 10_000
PAGE = 100


class BareCampaignRowsApi(APIView):
    """Baseline: the same 100 rows read with one indexed query, as they come (no auth, plain DRF)."""

    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request: Request) -> Response:
        rows = Campaign.objects.filter(organization__name="Bench").order_by("-created_at", "-id").values(
            "public_id", "name", "description", "status", "review_status", "start_time", "end_time",
            "lifetime_spend_limit_micros", "pricing_model", "countries", "created_at", "updated_at",
        )[:PAGE]  # fmt: skip
        return Response({"object": "list", "data": list(rows)})


bare_urlpatterns = [path("bench/bare-campaign-rows", BareCampaignRowsApi.as_view())]


def _seed(org: Organization) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    Campaign.objects.bulk_create(
        [
            Campaign(
                organization=org, name=f"Campaign {i:05d}", description="Spring push" if i % 2 else None,
                start_time=start, lifetime_spend_limit_micros=50_000_000, countries=["US", "DE"],
                created_at=start + timedelta(seconds=i),
            )
            for i in range(CAMPAIGNS)
        ],
        batch_size=1000,
    )  # fmt: skip


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
    title(f"campaigns: GET /v1/campaigns?limit={PAGE} over {CAMPAIGNS:,} campaigns, gunicorn -w 2, 8 clients")
    with h.database():
        org = Organization.objects.create(name="Bench", domain="bench.example")
        _, secret = api_key_create(org=org)
        _seed(org)
        headers = {"Authorization": f"Bearer {secret}"}
        counts = _queries_per_request(Client(), headers)
        size = len(Client().get("/v1/campaigns", {"limit": PAGE}, headers=headers).content)
        with h.server() as server:
            bare = h.load("bare DRF view (same bytes)", _get(f"/bench/bare-json?size={size}"), server.base, concurrency=8)  # fmt: skip
            rows = h.load("bare DRF view (same 100 rows)", _get("/bench/bare-campaign-rows"), server.base, concurrency=8)  # fmt: skip
            ours = h.load(f"/v1/campaigns?limit={PAGE}", _get(f"/v1/campaigns?limit={PAGE}", headers), server.base, concurrency=8)  # fmt: skip
    for stats in (bare, rows, ours):
        print(stats.line())
    figure("response size", size / 1024, "KiB")
    ratio("req/s vs bare (same bytes)", ours.rps, bare.rps, goal="(ours / bare)")
    ratio("req/s vs bare (same rows)", ours.rps, rows.rps, goal="(ours / bare reading the rows)")
    for label, count in counts.items():
        figure(f"SQL queries, {label}", count, "per request", goal="(goal: constant, <= 5)")


def _get(url: str, headers: dict[str, str] | None = None) -> Any:
    return lambda session, base: session.get(f"{base}{url}", headers=headers)
