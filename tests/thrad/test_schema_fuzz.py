"""Schemathesis against the live OpenAPI schema of a real gunicorn, with every check on.

No 5xx, no response outside the schema, no schema-valid request refused except the refusals
listed in tests/support/schemathesis_hooks.py (state rules, the outside world, file contents,
cross-parameter rules), and every schema-violating request refused. Each API family runs with
its own credentials; the seed is fixed and no example database is kept, so a failure replays.
"""

import os
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from django.conf import settings

from bids.services import supply_partner_create
from tests import factories
from tests.support import servers
from thrad.services import api_key_create, organization_create

pytestmark = pytest.mark.django_db(transaction=True)

FAMILIES = {
    "v1": ("^/v1", "ak"),
    "files": ("^/api/v1/(upload|files)", "ak"),
    "dsp": ("^/api/v1/dsp", "partner"),
}
UNLIMITED = {
    name: "1000000"
    for name in ("RATE_LIMIT_V1_PER_HOUR", "RATE_LIMIT_FILES_PER_MINUTE", "RATE_LIMIT_CAMPAIGN_CREATES_PER_HOUR")
}
# Hermetic: an image_url the fuzzer makes up is never fetched (every address refused, a
# documented invalid_image_url), wherever the test runs.
SERVER_ENV = {**UNLIMITED, "UPLOAD_FETCH_DENIED_CIDRS": "0.0.0.0/0,::/0"}


@pytest.fixture
def server(transactional_db: None, django_db_blocker) -> Iterator[str]:
    with ExitStack() as stack:
        stack.enter_context(django_db_blocker.unblock())
        if settings.CELERY_BROKER_URL:  # real services: /v1/upload's URL fetch runs on a worker
            stack.enter_context(servers.celery_worker(concurrency=1, env=SERVER_ENV))
        yield stack.enter_context(servers.gunicorn(workers=2, env=SERVER_ENV))


@pytest.mark.parametrize("family", FAMILIES)
def test_the_live_schema_and_the_server_agree(server, family, tmp_path):
    org = organization_create(name="Fuzz", domain="fuzz.example")
    _, ak_secret = api_key_create(org=org, by_user=None)
    _, partner_secret = supply_partner_create(name="Fuzz SSP")
    path, credential = FAMILIES[family]
    headers = ["-H", f"Authorization: Bearer {ak_secret if credential == 'ak' else partner_secret}"]
    if family == "dsp":
        # An ad that bids on every request, so bids, renders and clicks answer with their bodies.
        factories.servable_ad(factories.organization(name="Fuzz Ads", domain="ads.example"))
        # The HTTP client sends its own User-Agent whenever one is missing, so a case "without
        # User-Agent" cannot be sent: fix it. X-Forwarded-For comes from the schema's pattern.
        headers += ["-H", "User-Agent: Mozilla/5.0 (fuzz)"]
    # One worker: schemathesis builds strategies with ast.parse, which races on CPython 3.11.7
    # ("AST constructor recursion depth mismatch") when two threads parse at once.
    cmd = [
        str(servers.BIN / "schemathesis"),
        "run",
        f"{server}/api/schema",
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--include-path-regex",
        path,
        *headers,
        "--max-examples",
        "15",
        "--seed",
        "20261202",
        "--generation-database",
        "none",
        "-w",
        "1",
        "--no-color",
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
    ]
    env = dict(os.environ, SCHEMATHESIS_HOOKS="tests.support.schemathesis_hooks", PYTHONPATH=str(servers.BASE_DIR))
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=400, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
