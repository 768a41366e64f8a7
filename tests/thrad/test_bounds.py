"""Slow work beyond its per-process bound is a fast 503 service_unavailable with Retry-After
(thrad/bounds.py); the slot comes back when the request, or its stream, is over."""

import secrets

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from files.models import StoredFile
from tests.files.samples import FILES, UPLOAD, org_used
from thrad import bounds, storage

pytestmark = pytest.mark.django_db

BIG = b"a" * (300 * 1024)  # over SLOW_BODY_MIN_BYTES (256 KiB)


def test_a_large_body_beyond_the_bound_is_503_before_a_byte_is_read_in_each_family(owner, settings):
    settings.SLOW_BODY_SLOTS = 0
    client = owner.client()
    files = client.post(UPLOAD, {"files": [SimpleUploadedFile("a.txt", BIG)]}, format="multipart")
    assert files.status_code == 503
    assert files.json() == {
        "success": False,
        "error": {"code": "service_unavailable", "message": bounds.BUSY},
    }
    assert files["Retry-After"] == "5"
    v1 = client.post("/v1/upload", {"file": SimpleUploadedFile("a.png", BIG)}, format="multipart")
    assert v1.status_code == 503
    assert v1.json()["error"] == {
        "message": bounds.BUSY,
        "type": "api_error",
        "param": None,
        "code": "service_unavailable",
    }
    assert not StoredFile.objects.exists() and org_used(owner.org) == 0


def test_small_bodies_never_wait_on_a_slot(owner, settings):
    settings.SLOW_BODY_SLOTS = 0
    response = owner.client().post(UPLOAD, {"files": [SimpleUploadedFile("a.txt", b"small")]}, format="multipart")
    assert response.status_code == 200
    assert bounds.BOUNDS["body"].in_use == 0


def test_a_url_upload_beyond_the_fetch_bound_is_503(owner, settings):
    settings.SLOW_FETCH_SLOTS = 0
    response = owner.client().post("/v1/upload", {"image_url": "https://images.example/a.png"}, format="json")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    assert response["Retry-After"] == "5"


def test_a_download_holds_its_stream_slot_until_the_response_is_closed(owner, settings):
    settings.SLOW_STREAM_SLOTS = 1
    client = owner.client()
    key = client.post(UPLOAD, {"files": [SimpleUploadedFile("a.txt", b"hello")]}, format="multipart").json()[
        "uploaded"
    ][0]["key"]
    first = client.get(f"{FILES}/{key}")
    assert first.status_code == 200
    assert bounds.BOUNDS["stream"].in_use == 1
    refused = client.get(f"{FILES}/{key}")
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "service_unavailable"
    assert b"".join(first.streaming_content) == b"hello"  # the test client closes it at the end
    assert bounds.BOUNDS["stream"].in_use == 0
    again = client.get(f"{FILES}/{key}")
    assert again.status_code == 200
    assert b"".join(again.streaming_content) == b"hello"


def test_a_creative_image_beyond_the_stream_bound_is_503_and_not_cached(owner, anon_client, settings):
    name = storage.save(f"creatives/{owner.org.public_id}/{secrets.token_hex(16)}.png", ContentFile(b"\x89PNG fake"))
    settings.SLOW_STREAM_SLOTS = 0
    response = anon_client.get(f"/media/{name}")
    assert response.status_code == 503
    assert response["Retry-After"] == "5" and response["Cache-Control"] == "no-store"
    settings.SLOW_STREAM_SLOTS = 1
    served = anon_client.get(f"/media/{name}")
    assert served.status_code == 200 and b"".join(served.streaming_content) == b"\x89PNG fake"
    assert bounds.BOUNDS["stream"].in_use == 0
    storage.delete(name)
