"""Fixtures of the DSP tests: a supply partner, its client, and bid request builders."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from tests import factories

END_USER = {"HTTP_X_FORWARDED_FOR": "203.0.113.7, 10.0.0.1", "HTTP_USER_AGENT": "Mozilla/5.0 (test)"}


def conversation(*turns: str) -> list[dict[str, Any]]:
    """Messages alternating user/assistant, starting with user; must be an even number of turns."""
    roles = ("user", "assistant")
    return [{"role": roles[i % 2], "content": text, "timestamp": 1_780_000_000 + i} for i, text in enumerate(turns)]


def bid_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "userId": "anon-42",
        "request_type": "contextual",
        "chatId": "chat-1",
        "messages": conversation("Hi, any tips for marathon training?", "Sure, start slow and build up."),
        "nAdsBefore": 0,
        "ad_formats": ["sponsored_message"],
        "production": True,
        "request_id": "req-1",
        "country_code": "US",
        "config": {"max_headline_chars": 60, "image_enabled": True},
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


@pytest.fixture
def committing_db(transactional_db: None) -> Iterator[None]:
    """Real commits, so on-commit work (index version bumps) happens as in production.

    Committed cache rows of the database cache would outlive the flushed tables: clear them
    (Redis keys of this checkout are cleared before every test by tests/conftest.py).
    """
    yield
    if not settings.REDIS_URL:
        cache.clear()


@pytest.fixture
def ssp(db: None) -> APIClient:
    """The SSP's client: the partner key as a Bearer token and the end-user headers."""
    _, secret = factories.partner()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}", **END_USER)
    return client


def bid(client: APIClient, **overrides: Any) -> Any:
    return client.post("/api/v1/dsp/bid", bid_body(**overrides), format="json")


def render(client: APIClient, bid_id: str, price: float, production: bool = True) -> Any:
    body = {"bidId": bid_id, "realizedPrice": price, "production": production}
    return client.post("/api/v1/dsp/render-ad", body, format="json")
