"""Fixtures for the roles a test plays, and the real services behind the suite.

Roles: `owner` (an org owner whose org has an active key), `member` (same org, read only),
`outsider` (another org with its own key, which must see nothing of the first).
Services: when CELERY_BROKER_URL is set a real Celery worker runs for the whole session; when
STORAGE_BACKEND=s3 the session's bucket is created on the S3 server; Redis keys of this
checkout are cleared before each test.
"""

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.factories import Actor, make_actor
from tests.support import servers
from tests.support.storage import ensure_bucket
from thrad import dependencies, keycache
from thrad.models import Membership

pytest_plugins = ["tests.support.browser"]

TMP_DIR = Path(settings.BASE_DIR) / ".pytest-tmp"


@pytest.fixture
def owner(db: None) -> Actor:
    return make_actor(org_name="Acme", username="olive", role=Membership.Role.OWNER)


@pytest.fixture
def member(owner: Actor) -> Actor:
    return make_actor(org_name="Acme", username="mia", role=Membership.Role.MEMBER, with_key=False)


@pytest.fixture
def outsider(db: None) -> Actor:
    return make_actor(org_name="Globex", username="otto", role=Membership.Role.OWNER)


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


# --- real services ---------------------------------------------------------------------------


def pytest_sessionstart(session: pytest.Session) -> None:
    if getattr(session.config, "workerinput", None) is None:
        shutil.rmtree(TMP_DIR / "media", ignore_errors=True)
    TMP_DIR.mkdir(exist_ok=True)


@pytest.fixture(scope="session", autouse=True)
def s3_bucket() -> None:
    """Create this checkout's bucket on the real S3 server when S3 storage is configured."""
    ensure_bucket()


@pytest.fixture(scope="session", autouse=True)
def celery_worker_process(django_db_setup: None, django_db_blocker: object) -> Iterator[None]:
    """A real worker on the real broker for the whole session (eager mode needs none)."""
    if not settings.CELERY_BROKER_URL:
        yield
        return
    from thrad.celery import app

    app.control.purge()
    with servers.celery_worker() as proc:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the Celery worker did not start")
        yield


@pytest.fixture(autouse=True)
def _clean_redis() -> None:
    """Forget this checkout's Redis keys (cache, rate limits) and the API keys this process
    remembers (thrad/keycache.py) between tests; keep the session worker's heartbeat
    (thrad/workers.py), which it rewrites only every few seconds."""
    keycache.forget_all()
    if not settings.REDIS_URL:
        return
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = os.environ["CACHE_KEY_PREFIX"]
    for pattern in (f"{prefix}:*", f"{settings.RATE_LIMIT_KEY_PREFIX}:*"):
        keys = [k for k in client.scan_iter(match=pattern, count=1000) if b"celery-consumer:" not in k]
        if keys:
            client.delete(*keys)


@pytest.fixture(autouse=True)
def _breakers_closed() -> None:
    """Each test starts with every dependency breaker closed (thrad/dependencies.py)."""
    dependencies.breakers_reset()
