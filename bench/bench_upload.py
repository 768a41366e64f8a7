"""POST /v1/upload: throughput and latency against a bare multipart view, and worker memory.

1. A 1 MB PNG, authenticated, under gunicorn -w 2, against `bench/bare-multipart` (Django
   parses the same multipart body to a temp file and discards it), same run, 4 clients.
   Goal: requests/s at least 0.6 of the bare view.
2. Peak RSS (VmHWM) of a gunicorn worker while 8 clients upload 5 MB files. Goal: < 150 MB.
   Also printed: the same for the bare view, and the worst case the decoding budget allows
   (an image at the pixel cap of each format), which is about pixels, not bytes.
"""

import io
import os
import uuid
from collections.abc import Callable

import requests
from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image

from bench.harness import Harness, figure, ratio, title
from filecheck import pixel_cap
from thrad.models import Organization
from thrad.services import api_key_create
from uploads.models import UploadedFile
from uploads.validation import MAX_BYTES


def _noise_image(fmt: str, target_bytes: int, **save: object) -> bytes:
    """A noisy (incompressible) image of `fmt` just under `target_bytes`."""
    side = int(target_bytes**0.5)
    while True:
        image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
        out = io.BytesIO()
        image.save(out, fmt, **save)
        if out.tell() <= target_bytes:
            return out.getvalue()
        side = int(side * 0.97)


def _solid_image(fmt: str, pixels: int) -> bytes:
    """A tiny file that decodes to `pixels` pixels: the most memory an accepted file can cost."""
    side = int(pixels**0.5)
    out = io.BytesIO()
    Image.new("RGBA" if fmt != "JPEG" else "RGB", (side, side), (10, 200, 30, 255)[: 3 if fmt == "JPEG" else 4]).save(out, fmt)  # fmt: skip
    return out.getvalue()


def _multipart(data: bytes, name: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def _poster(path: str, body: bytes, content_type: str, headers: dict[str, str]) -> Callable:
    sent = {**headers, "Content-Type": content_type}

    def post(session: requests.Session, base: str) -> requests.Response:
        return session.post(f"{base}{path}", data=body, headers=sent, timeout=60)

    return post


def _discard_stored() -> None:
    """Delete what the benchmark stored (the database goes away with the bench)."""
    for file_id in UploadedFile.objects.values_list("file_id", flat=True).iterator():
        default_storage.delete(file_id)


def _renew_bucket() -> None:
    """Drop and recreate the (now empty) bench bucket: an S3 server like SeaweedFS keeps deleted
    bytes in the bucket's volumes until a vacuum, and this bench writes gigabytes."""
    if settings.STORAGE_BACKEND != "s3":
        return
    client = default_storage.connection.meta.client  # type: ignore[attr-defined]
    bucket = settings.AWS_STORAGE_BUCKET_NAME
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="uploads/"):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=bucket, Key=item["Key"])
    if not client.list_objects_v2(Bucket=bucket, MaxKeys=1).get("KeyCount"):
        client.delete_bucket(Bucket=bucket)
        client.create_bucket(Bucket=bucket)


def run(h: Harness) -> None:
    png_1mb = _noise_image("PNG", 1024 * 1024)
    png_5mb = _noise_image("PNG", MAX_BYTES)
    jpeg_5mb = _noise_image("JPEG", MAX_BYTES, quality=97)
    with h.database():
        org = Organization.objects.create(name="Bench", domain="bench.example")
        _, secret = api_key_create(org=org)
        auth = {"Authorization": f"Bearer {secret}"}
        try:
            _throughput(h, png_1mb, auth)
            _memory(h, [("PNG", png_5mb), ("JPEG", jpeg_5mb)], auth)
            _worst_case(h, auth)
        finally:
            _discard_stored()
            _renew_bucket()


def _throughput(h: Harness, png: bytes, auth: dict[str, str]) -> None:
    title(f"upload: POST /v1/upload of a {len(png) / 1e6:.2f} MB PNG vs bare multipart view, gunicorn -w 2, 4 clients")  # fmt: skip
    body, content_type = _multipart(png, "creative.png")
    with h.server() as server:
        bare = h.load("bare multipart view", _poster("/bench/bare-multipart", body, content_type, {}), server.base, concurrency=4)  # fmt: skip
        ours = h.load("/v1/upload (file part)", _poster("/v1/upload", body, content_type, auth), server.base, concurrency=4)  # fmt: skip
    print(bare.line())
    print(ours.line())
    ratio("req/s ratio", ours.rps, bare.rps, goal="goal >= 0.6 (upload / bare)")
    ratio("p99 latency ratio", ours.p99, bare.p99, goal="(upload / bare; lower is better)")


def _memory(h: Harness, files: list[tuple[str, bytes]], auth: dict[str, str]) -> None:
    title("upload: peak RSS of a gunicorn worker, 8 clients uploading 5 MB files, gunicorn -w 2")
    h = Harness(seconds=min(h.seconds, 4.0), warmup=1.0)  # a peak needs no long run; bytes add up
    for fmt, data in files:
        body, content_type = _multipart(data, f"big.{fmt.lower()}")
        with h.server() as server:
            idle = server.peak_worker_rss_mb()
            stats = h.load(f"/v1/upload 5 MB {fmt}", _poster("/v1/upload", body, content_type, auth), server.base, concurrency=8)  # fmt: skip
            peak = server.peak_worker_rss_mb()
        print(stats.line())
        figure(f"worker peak RSS, {len(data) / 1e6:.2f} MB {fmt}", peak, "MB", goal=f"goal < 150 MB (idle {idle:.1f} MB)")  # fmt: skip
        _discard_stored()
    body, content_type = _multipart(files[0][1], "big.png")
    with h.server() as server:
        h.load("bare multipart 5 MB", _poster("/bench/bare-multipart", body, content_type, {}), server.base, concurrency=8)  # fmt: skip
        figure("bare view worker peak RSS", server.peak_worker_rss_mb(), "MB", goal="(reference)")


def _worst_case(h: Harness, auth: dict[str, str]) -> None:
    title("upload: worst case, small files decoding to each format's pixel cap, 2 clients")
    for fmt in ("PNG", "WEBP", "JPEG"):
        data = _solid_image(fmt, pixel_cap(fmt))
        body, content_type = _multipart(data, "cap.bin")
        with h.server() as server:
            stats = h.load(f"{fmt} at {pixel_cap(fmt) / 1e6:.1f} MP ({len(data) // 1024} KB)", _poster("/v1/upload", body, content_type, auth), server.base, concurrency=2)  # fmt: skip
            peak = server.peak_worker_rss_mb()
        print(stats.line())
        figure(f"worker peak RSS, {fmt} at cap", peak, "MB")
        _discard_stored()
