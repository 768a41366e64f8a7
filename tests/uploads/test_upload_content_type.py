"""A malformed or over-long Content-Type on /v1 is 400 `invalid_value`, never 415 (nor a 500)."""

from collections.abc import Iterator

import pytest
import requests

from tests.support import servers
from tests.uploads.upload_helpers import image_bytes, stored_names
from uploads.models import UploadedFile

PNG = image_bytes("PNG", (40, 30))
LONG = "x" * 300


def multipart(boundary: str) -> bytes:
    return (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + PNG
        + f"\r\n--{boundary}--\r\n".encode()
    )


def assert_invalid_value(status: int, body: dict) -> None:
    assert status == 400, body
    assert body["error"]["type"] == "invalid_request_error"
    assert (body["error"]["code"], body["error"]["param"]) == ("invalid_value", None)
    assert body["error"]["message"]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (f"multipart/form-data; boundary={LONG}", multipart(LONG)),
        (f"multipart/form-data; boundary=b; x={LONG}", multipart("b")),
        (f"application/json; charset={LONG}", b'{"image_url": "https://example.com/a.png"}'),
        (f"application/json; {LONG}=1", b'{"image_url": "https://example.com/a.png"}'),
    ],
    ids=["long-boundary", "long-parameter", "long-charset", "long-name"],
)
def test_an_over_long_content_type_is_invalid_value_and_stores_nothing(owner, content_type, body):
    assert len(content_type) > 256
    before = stored_names()
    response = owner.client().generic("POST", "/v1/upload", body, content_type=content_type)
    assert_invalid_value(response.status_code, response.json())
    assert UploadedFile.objects.count() == 0 and stored_names() == before


@pytest.mark.parametrize("content_type", ["text/plain", f"application/json; charset={LONG}"])
def test_other_v1_endpoints_answer_invalid_value_for_a_content_type_they_do_not_take(owner, content_type):
    response = owner.client().generic("POST", "/v1/campaigns", b'{"name": "x"}', content_type=content_type)
    assert_invalid_value(response.status_code, response.json())


@pytest.fixture(scope="module")
def server(django_db_blocker) -> Iterator[str]:
    with django_db_blocker.unblock(), servers.gunicorn(workers=1) as base:
        yield base


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data; boundary*=bogus''b", "application/json; charset*=bogus''utf-8"],
    ids=["multipart", "json"],
)
def test_a_content_type_django_cannot_parse_is_invalid_value_through_the_server(server, owner, content_type):
    """Django refuses an unknown RFC 2231 charset while building the request: no bare 500."""
    before = stored_names()
    body = multipart("b") if content_type.startswith("multipart") else b'{"image_url": "https://example.com/a.png"}'
    response = requests.post(
        f"{server}/v1/upload",
        data=body,
        timeout=30,
        headers={"Authorization": f"Bearer {owner.secret}", "Content-Type": content_type},
    )
    assert response.headers["Content-Type"] == "application/json"
    assert_invalid_value(response.status_code, response.json())
    assert UploadedFile.objects.count() == 0 and stored_names() == before
