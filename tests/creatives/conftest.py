"""Helpers for the creatives tests: stored uploads, request bodies, campaigns made through the API."""

import hashlib
import io
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from creatives.models import Campaign
from creatives.services import campaign_review
from uploads.models import UploadedFile


def png_bytes(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def store_upload(org: Any, data: bytes | None = None, *, fmt: str = "png") -> UploadedFile:
    """An upload as the upload API leaves it: bytes in storage under uploads/, and its row."""
    data = data or png_bytes()
    ext = {"png": "png", "jpeg": "jpg", "webp": "webp"}[fmt]
    name = default_storage.save(f"uploads/2026/06/{secrets.token_hex(16)}.{ext}", ContentFile(data))
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
    return UploadedFile.objects.create(
        organization=org,
        file_id=name,
        format=fmt,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
        source=UploadedFile.Source.UPLOAD,
    )


def creative(**overrides: Any) -> dict[str, Any]:
    body = {
        "type": "chat_card",
        "title": "Premium Running Shoes",
        "body": "Perfect for marathon training.",
        "cta_text": "Shop now",
        "target_url": "https://www.nike.com/running",
    }
    body.update(overrides)
    return body


def ad_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"creative": creative()}
    body.update(overrides)
    return body


def ad_group_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Runners",
        "context_hints": ["marathon training"],
        "bidding_config": {"max_bid_micros": 5_000_000},
    }
    body.update(overrides)
    return body


def campaign_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Spring sale", "budget": {"lifetime_spend_limit_micros": 50_000_000}}
    body.update(overrides)
    return body


def asset_path_of(image_url: str) -> str:
    return urlsplit(image_url).path


def fetch(client: Any, path: str, method: str = "get") -> tuple[Any, bytes]:
    """Request `path` and read the whole body; the test client closes a streamed response at its end."""
    response = getattr(client, method)(path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def stored_assets(org: Any) -> list[str]:
    """Names of the creative assets stored for `org` (works on local storage and S3)."""
    folder = f"creatives/{org.public_id}"
    try:
        _, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    return sorted(files)


@pytest.fixture
def create_campaign(owner: Any) -> Callable[..., dict[str, Any]]:
    """Create a campaign through the API as `owner` and return the response body."""

    def create(actor: Any = owner, **overrides: Any) -> dict[str, Any]:
        response = actor.client().post("/v1/campaigns", campaign_body(**overrides), format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    return create


@pytest.fixture
def tree(owner: Any) -> dict[str, Any]:
    """A campaign with one ad group holding one ad, owned by `owner`; ids of each."""
    client = owner.client()
    campaign = client.post(
        "/v1/campaigns", campaign_body(ad_groups=[ad_group_body(ads=[ad_body()])]), format="json"
    ).json()
    group = client.get(f"/v1/ad_groups?campaign_id={campaign['id']}").json()["data"][0]
    ad = client.get(f"/v1/ads?ad_group_id={group['id']}").json()["data"][0]
    return {"campaign": campaign, "ad_group": group, "ad": ad}


def approve(campaign_id: str) -> None:
    campaign_review(campaign=Campaign.objects.get(public_id=campaign_id), approve=True, actor_label="test")
