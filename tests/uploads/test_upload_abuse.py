"""Image abuse, sent both ways: as a file part and as bytes behind an image_url."""

import os

import pytest

from tests.uploads.upload_helpers import (
    MIB,
    image_bytes,
    image_host,
    part,
    png_header_only,
    png_padded_to,
    serve,
    stored_names,
)
from uploads.models import UploadedFile

URL = "/v1/upload"


def _truncated(data: bytes, keep: float) -> bytes:
    return data[: int(len(data) * keep)]


SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

CORPUS = {
    "png-signature-then-garbage": (lambda: b"\x89PNG\r\n\x1a\n" + os.urandom(4096), "invalid_file"),
    "truncated-jpeg": (lambda: _truncated(image_bytes("JPEG", (300, 200), noise=True), 0.6), "invalid_file"),
    "truncated-png": (lambda: _truncated(image_bytes("PNG", (300, 200), noise=True), 0.6), "invalid_file"),
    "truncated-webp": (lambda: _truncated(image_bytes("WEBP", (300, 200), noise=True), 0.6), "invalid_file"),
    "jpeg-header-only": (lambda: image_bytes("JPEG")[:200], "invalid_file"),
    "decompression-bomb-header": (lambda: png_header_only(100_000, 100_000), "invalid_file"),
    "png-over-its-pixel-cap": (lambda: png_header_only(5_001, 5_000), "invalid_file"),
    "webp-over-its-pixel-cap": (lambda: image_bytes("WEBP", (2_600, 2_600)), "invalid_file"),
    "random-bytes": (lambda: b"\x01\x02" + os.urandom(2048), "invalid_file"),
    "empty": (lambda: b"", "invalid_file"),
    "gif": (lambda: image_bytes("GIF"), "unsupported_mimetype"),
    "svg": (lambda: SVG, "unsupported_mimetype"),
    "pdf": (lambda: PDF, "unsupported_mimetype"),
    "text": (lambda: "plain text, not an image — ünïcode\n".encode() * 20, "unsupported_mimetype"),
    "bmp": (lambda: image_bytes("BMP"), "unsupported_mimetype"),
    "tiff": (lambda: image_bytes("TIFF"), "unsupported_mimetype"),
    "zip": (lambda: b"PK\x03\x04" + os.urandom(100), "unsupported_mimetype"),
    "five-mib-plus-one": (lambda: png_padded_to(5 * MIB + 1), "file_too_large"),
}


def via_file(client, data: bytes, settings):
    return client.post(URL, {"file": part(data, "creative.png", "image/png")}, format="multipart")


def via_url(client, data: bytes, settings):
    settings.UPLOAD_FETCH_ALLOWED_CIDRS = ["127.0.0.0/8"]
    with image_host({"/creative.png": serve(data)}) as host:
        return client.post(URL, {"image_url": host.url("/creative.png")}, format="json")


WAYS = {"file": (via_file, "file"), "url": (via_url, "image_url")}


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("case", CORPUS)
def test_abusive_bytes_get_their_error_and_leave_nothing_behind(owner, settings, case, way):
    make, code = CORPUS[case]
    send, param = WAYS[way]
    before = stored_names()
    response = send(owner.client(), make(), settings)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", code, param)
    assert UploadedFile.objects.count() == 0
    assert stored_names() == before


@pytest.mark.parametrize("way", WAYS)
def test_exactly_five_mib_is_accepted(owner, settings, way):
    data = png_padded_to(5 * MIB)
    assert len(data) == 5 * 1024 * 1024
    send, _ = WAYS[way]
    response = send(owner.client(), data, settings)
    assert response.status_code == 201, response.content
    row = UploadedFile.objects.get(file_id=response.json()["file_id"])
    assert row.size == 5 * MIB and row.format == "png"


def test_a_jpeg_above_the_png_cap_but_within_its_own_is_accepted(owner, settings):
    data = image_bytes("JPEG", (6_000, 5_000))  # 30 MP: decoded at 1/8 scale, so JPEG may go to 50
    response = via_file(owner.client(), data, settings)
    assert response.status_code == 201, response.content
    row = UploadedFile.objects.get(file_id=response.json()["file_id"])
    assert (row.width, row.height, row.format) == (6_000, 5_000, "jpeg")
