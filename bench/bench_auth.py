"""Key check cost: an authenticated /v1 read against the bare DRF view, same run."""

from bench.harness import Harness, ratio, title
from thrad.models import Organization
from thrad.services import api_key_create


def run(h: Harness) -> None:
    title("auth: GET /v1/ad_account (API key check + rate limit) vs bare DRF GET, gunicorn -w 2, 8 clients")
    with h.database():
        org = Organization.objects.create(name="Bench", domain="bench.example")
        _, secret = api_key_create(org=org)
        headers = {"Authorization": f"Bearer {secret}"}
        with h.server() as server:
            bare = h.load("bare DRF view", lambda s, b: s.get(f"{b}/bench/bare-json?size=120"), server.base, concurrency=8)  # fmt: skip
            ours = h.load("/v1/ad_account", lambda s, b: s.get(f"{b}/v1/ad_account", headers=headers), server.base, concurrency=8)  # fmt: skip
    print(bare.line())
    print(ours.line())
    ratio("req/s ratio", ours.rps, bare.rps, goal="(authenticated / bare)")
