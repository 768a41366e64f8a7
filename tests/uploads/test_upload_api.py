"""POST /v1/upload with a multipart file part: success, input shape, auth, limits, storage."""

import hashlib
import re

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError

from tests.uploads.upload_helpers import MIB, broken_storages, image_bytes, part, stored_names
from uploads import services
from uploads.models import UploadedFile

URL = "/v1/upload"


def settings_s3() -> bool:
    from django.conf import settings

    return settings.STORAGE_BACKEND == "s3"


FILE_ID = re.compile(r"^uploads/\d{4}/\d{2}/[0-9a-f]{32}\.(png|jpg|webp)$")
PNG = image_bytes("PNG", (120, 80))


def upload(client, data=PNG, name="image.png", content_type="image/png"):
    return client.post(URL, {"file": part(data, name, content_type)}, format="multipart")


def assert_error(response, status, code, param):
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert (error["code"], error["param"]) == (code, param)
    assert error["type"] == ("api_error" if status >= 500 else "invalid_request_error")
    assert error["message"]


@pytest.fixture
def nothing_left_behind(db):
    """Assert the test stored no bytes and wrote no UploadedFile row."""
    before = stored_names()
    yield
    assert UploadedFile.objects.count() == 0
    assert stored_names() == before


@pytest.mark.parametrize(
    ("fmt", "ext", "field"), [("PNG", "png", "png"), ("JPEG", "jpg", "jpeg"), ("WEBP", "webp", "webp")]
)
def test_a_file_part_is_stored_and_answered_with_its_file_id(owner, fmt, ext, field):
    data = image_bytes(fmt, (120, 80))
    response = upload(owner.client(), data, name=f"creative.{ext}")
    assert response.status_code == 201
    file_id = response.json()["file_id"]
    assert FILE_ID.match(file_id) and file_id.endswith(f".{ext}")
    assert response.json() == {"file_id": file_id}
    row = UploadedFile.objects.get(file_id=file_id)
    assert (row.organization, row.api_key, row.format, row.size) == (owner.org, owner.key, field, len(data))
    assert (row.width, row.height, row.source, row.source_url) == (120, 80, "upload", "")
    assert row.sha256 == hashlib.sha256(data).hexdigest()
    with default_storage.open(file_id, "rb") as stored:
        assert stored.read() == data


def test_each_upload_gets_its_own_file_id(owner):
    first = upload(owner.client()).json()["file_id"]
    second = upload(owner.client()).json()["file_id"]
    assert first != second
    assert UploadedFile.objects.filter(organization=owner.org).count() == 2


@pytest.mark.parametrize(
    ("data", "name", "content_type", "ext"),
    [
        (PNG, "photo.gif", "image/gif", "png"),
        (PNG, "report.pdf", "application/pdf", "png"),
        (image_bytes("JPEG"), "image.png", "image/png", "jpg"),
        (image_bytes("WEBP"), "x.jpg", "text/html", "webp"),
        (PNG, "noextension", "application/octet-stream", "png"),
    ],
)
def test_the_format_comes_from_the_bytes_not_the_content_type_or_filename(owner, data, name, content_type, ext):
    response = upload(owner.client(), data, name=name, content_type=content_type)
    assert response.status_code == 201
    assert response.json()["file_id"].endswith(f".{ext}")


def test_gif_bytes_named_and_typed_as_png_are_unsupported(owner, nothing_left_behind):
    response = upload(owner.client(), image_bytes("GIF"), name="image.png", content_type="image/png")
    assert_error(response, 400, "unsupported_mimetype", "file")


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.post(URL, {}, format="json"),
        lambda c: c.post(URL, {"other": "x"}, format="json"),
        lambda c: c.post(URL, b"", content_type="application/json"),
        lambda c: c.post(URL, b"{not json", content_type="application/json"),
        lambda c: c.post(URL, b'["http://example.com/a.png"]', content_type="application/json"),
        lambda c: c.post(URL, PNG, content_type="image/png"),
        lambda c: c.post(URL, b"image_url=http://example.com/a.png", content_type="application/x-www-form-urlencoded"),
        lambda c: c.post(URL, b"hello", content_type="text/plain"),
        lambda c: c.post(URL),
        lambda c: c.post(URL, {"other": part(PNG)}, format="multipart"),
        lambda c: c.post(URL, {"file": part(PNG), "image_url": "http://example.com/a.png"}, format="multipart"),
        lambda c: c.post(URL, {"file": [part(PNG), part(PNG)]}, format="multipart"),
        lambda c: c.post(URL, {"image_url": "http://example.com/a.png", "file": "x"}, format="json"),
        lambda c: c.post(URL, {"file": "iVBORw0KGgo="}, format="json"),
        lambda c: c.post(URL, {"image_url": "http://example.com/a.png", "pad": "x" * 20_000}, format="json"),
        lambda c: c.generic("POST", URL, b"--x\r\n\r\n", content_type="multipart/form-data"),
    ],
    ids=[
        "empty-json",
        "other-key",
        "no-body",
        "bad-json",
        "json-list",
        "raw-png",
        "form",
        "text",
        "nothing",
        "other-part",
        "file-and-url",
        "two-files",
        "json-both",
        "json-file",
        "json-too-large",
        "multipart-without-boundary",
    ],
)
def test_anything_but_exactly_one_file_part_or_image_url_is_invalid_value(owner, send, nothing_left_behind):
    response = send(owner.client())
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_value"
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_a_file_field_that_is_not_a_file_part_is_invalid_file(owner, nothing_left_behind):
    response = owner.client().post(URL, {"file": "not bytes"}, format="multipart")
    assert_error(response, 400, "invalid_file", "file")


def test_a_body_declared_far_too_large_is_refused_before_it_is_read(owner, nothing_left_behind):
    # The test client's payload refuses to be read past its 10 bytes: answering proves no read.
    response = owner.client().generic(
        "POST",
        URL,
        b"0123456789",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * MIB),
    )
    assert_error(response, 400, "file_too_large", "file")


def test_without_a_key_it_is_401_and_nothing_is_stored(anon_client, nothing_left_behind):
    response = upload(anon_client)
    assert_error_401(response, "auth_required")


def test_with_a_wrong_key_it_is_401_and_nothing_is_stored(anon_client, owner, nothing_left_behind):
    anon_client.credentials(HTTP_AUTHORIZATION=f"Bearer {owner.secret[:-2]}xx")
    assert_error_401(upload(anon_client), "invalid_api_key")


def assert_error_401(response, code):
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "message": response.json()["error"]["message"],
            "type": "authentication_error",
            "param": None,
            "code": code,
        }
    }
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_over_the_rate_limit_it_is_429_with_retry_after_and_stores_nothing(owner, settings):
    settings.RATE_LIMIT_V1_PER_HOUR = 1
    assert upload(owner.client()).status_code == 201
    before = stored_names()
    response = upload(owner.client())
    assert response.status_code == 429
    assert response.json()["error"]["type"] == "rate_limit_error"
    assert response.json()["error"]["code"] == "rate_limit_exceeded"
    assert int(response["Retry-After"]) >= 1
    assert response["X-RateLimit-Limit"] == "1" and response["X-RateLimit-Remaining"] == "0"
    assert UploadedFile.objects.count() == 1
    assert stored_names() == before


def test_a_suspended_organization_cannot_upload(owner, nothing_left_behind):
    owner.org.is_suspended = True
    owner.org.save()
    response = upload(owner.client())
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "account_suspended"


def test_when_storage_fails_it_is_503_with_no_row_and_no_bytes(owner, settings, tmp_path):
    before = stored_names()
    real = settings.STORAGES
    settings.STORAGES = broken_storages(settings, tmp_path)
    response = upload(owner.client())
    settings.STORAGES = real
    assert_error(response, 503, "storage_unavailable", None)
    assert UploadedFile.objects.count() == 0
    assert stored_names() == before
    assert not (tmp_path / "a-file").is_dir()


@pytest.mark.django_db(transaction=True)
def test_when_the_row_cannot_be_written_the_stored_bytes_are_deleted(owner):
    before = stored_names()
    org = owner.org
    type(org).objects.filter(pk=org.pk).delete()  # gone between the request's check and the insert
    with pytest.raises(IntegrityError):
        services.upload_create_from_file(org=org, api_key=None, part=part(PNG))
    assert UploadedFile.objects.count() == 0
    assert stored_names() == before


@pytest.mark.skipif(not settings_s3(), reason="STORAGE_BACKEND is not s3 in this run")
def test_with_s3_storage_the_image_is_an_object_in_the_bucket(owner, settings):
    response = upload(owner.client())
    file_id = response.json()["file_id"]
    client = default_storage.connection.meta.client
    head = client.head_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=file_id)
    assert head["ContentLength"] == len(PNG)
    body = client.get_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=file_id)["Body"]
    with body:
        assert body.read() == PNG
    with default_storage.open(file_id, "rb") as stored:
        assert stored.read() == PNG
