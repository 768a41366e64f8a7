"""POST /v1/upload through a real gunicorn: bodies without Content-Length are capped while they
stream, and the answer still follows the contract."""

import uuid
from collections.abc import Iterator

import pytest
import requests

from tests.support import servers
from tests.uploads.upload_helpers import MIB, image_bytes, png_padded_to, stored_names
from uploads.models import UploadedFile


def _chunked_multipart(data: bytes, boundary: str) -> Iterator[bytes]:
    """A multipart body as a generator: requests sends it chunked, with no Content-Length."""
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    for start in range(0, len(data), 256 * 1024):
        yield data[start : start + 256 * 1024]
    yield f"\r\n--{boundary}--\r\n".encode()


@pytest.fixture(scope="module")
def server(django_db_blocker) -> Iterator[str]:
    with django_db_blocker.unblock(), servers.gunicorn(workers=1) as base:
        yield base


def _post(base: str, secret: str, data: bytes) -> requests.Response:
    boundary = uuid.uuid4().hex
    return requests.post(
        f"{base}/v1/upload",
        data=_chunked_multipart(data, boundary),
        headers={
            "Authorization": f"Bearer {secret}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
        timeout=60,
    )


@pytest.mark.django_db(transaction=True)
def test_a_chunked_upload_is_stored(server, owner):
    png = image_bytes("PNG", (50, 40))
    response = _post(server, owner.secret, png)
    assert response.status_code == 201, response.text
    assert UploadedFile.objects.get(file_id=response.json()["file_id"]).size == len(png)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [5 * MIB + 1, 12 * MIB])
def test_a_chunked_body_over_the_cap_is_file_too_large_and_stores_nothing(server, owner, size):
    before = stored_names()
    response = _post(server, owner.secret, png_padded_to(size))
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "file_too_large"
    assert response.json()["error"]["param"] == "file"
    assert UploadedFile.objects.count() == 0
    assert stored_names() == before


@pytest.mark.django_db(transaction=True)
def test_without_a_key_a_large_body_is_401_through_the_server(server, owner):
    response = requests.post(f"{server}/v1/upload", files={"file": ("a.png", png_padded_to(100_000))}, timeout=60)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth_required"
