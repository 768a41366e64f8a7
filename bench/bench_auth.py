"""Key check cost: an authenticated `GET /v1/ad_account` against the bare app's DRF view answering
the same number of bytes, wrk -c16, alternating rounds."""

import requests

from bench.harness import Harness, Load, headers_env, ratio, title
from thrad.models import Organization
from thrad.services import api_key_create


def run(h: Harness) -> None:
    title("auth: GET /v1/ad_account (API key check + rate limit) vs bare DRF GET, gunicorn -w 2, wrk -c16")
    with h.database():
        org = Organization.objects.create(name="Bench", domain="bench.example")
        _, secret = api_key_create(org=org)
        headers = {"Authorization": f"Bearer {secret}"}
        with h.both() as (bare, ours):
            size = len(requests.get(f"{ours.base}/v1/ad_account", headers=headers, timeout=10).content)
            bare_drf, bare_django, account = h.alternate(
                [
                    Load("bare DRF view", bare, f"/drf?size={size}"),
                    Load("bare Django view", bare, f"/django?size={size}"),
                    Load("/v1/ad_account", ours, "/v1/ad_account", env={"BENCH_HEADERS": headers_env(headers)}),
                ]
            )
    for result in (bare_drf, bare_django, account):
        print(result.line())
    ratio("req/s / bare DRF", account.rps, bare_drf.rps, goal="goal >= 0.5")
    ratio("req/s / bare Django", account.rps, bare_django.rps)
