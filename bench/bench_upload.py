"""POST /v1/upload: throughput and latency against a bare multipart view, and worker memory.

1. A 1 MB PNG, authenticated, under gunicorn -w 2, against the bare app's multipart view
   (Django parses the same multipart body to a temp file and discards it), alternating
   rounds, wrk -c4. Goal: requests/s at least 0.5 of the bare view.
2. Peak RSS (VmHWM) of a gunicorn worker while wrk uploads 5 MB files, as many at once as the
   server takes (2 × SLOW_BODY_SLOTS connections; a process handed more than its slots answers
   the extra a fast 503, counted as errors). Goal: < 150 MB.
   Also printed: the same for the bare view, and the worst case the decoding budget allows
   (an image at the pixel cap of each format), which is about pixels, not bytes.
"""

import io
import os
import uuid

from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image

from bench.harness import WORKERS, Harness, Load, figure, headers_env, ratio, title
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
    Image.new("RGBA" if fmt != "JPEG" else "RGB", (side, side), (10, 200, 30, 255)[: 3 if fmt == "JPEG" else 4]).save(
        out, fmt
    )
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


def _post(h: Harness, data: bytes, name: str, headers: dict[str, str]) -> dict[str, str]:
    """The env for bench/wrk/fixed.lua: POST `data` as the multipart file part `name`."""
    body, content_type = _multipart(data, name)
    return {
        "BENCH_METHOD": "POST",
        "BENCH_BODY_FILE": h.tmp_file(body, ".multipart"),
        "BENCH_HEADERS": headers_env({**headers, "Content-Type": content_type}),
    }


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
    title(
        f"upload: POST /v1/upload of a {len(png) / 1e6:.2f} MB PNG vs the bare app's multipart view, gunicorn -w 2, wrk -c4"
    )
    with h.both() as (bare, ours):
        bare_mp, upload = h.alternate(
            [
                Load("bare multipart view", bare, "/multipart", env=_post(h, png, "creative.png", {}), connections=4),
                Load(
                    "/v1/upload (file part)", ours, "/v1/upload", env=_post(h, png, "creative.png", auth), connections=4
                ),
            ]
        )
    print(bare_mp.line())
    print(upload.line())
    ratio("req/s / bare multipart", upload.rps, bare_mp.rps, goal="goal >= 0.5")
    ratio("p99 latency / bare multipart", upload.p99, bare_mp.p99, goal="(lower is better)")


def _memory(h: Harness, files: list[tuple[str, bytes]], auth: dict[str, str]) -> None:
    # As many uploads at once as the server takes: each process serves SLOW_BODY_SLOTS large
    # bodies at a time (one more is a fast 503, when the connections land unevenly).
    connections = WORKERS * settings.SLOW_BODY_SLOTS
    title(f"upload: peak RSS of a gunicorn worker, wrk -c{connections} uploading 5 MB files, gunicorn -w 2")
    seconds = min(h.seconds, 4)  # a peak needs no long run; bytes add up
    for fmt, data in files:
        with h.project() as server:
            idle = server.peak_worker_rss_mb()
            load = Load(
                f"/v1/upload 5 MB {fmt}",
                server,
                "/v1/upload",
                env=_post(h, data, f"big.{fmt.lower()}", auth),
                connections=connections,
            )
            result = h.once(load, seconds=seconds)
            peak = server.peak_worker_rss_mb()
        print(result.line())
        figure(
            f"worker peak RSS, {len(data) / 1e6:.2f} MB {fmt}", peak, "MB", goal=f"goal < 150 MB (idle {idle:.1f} MB)"
        )
        _discard_stored()
    with h.bare() as server:
        h.once(
            Load(
                "bare multipart 5 MB",
                server,
                "/multipart",
                env=_post(h, files[0][1], "big.png", {}),
                connections=connections,
            ),
            seconds=seconds,
        )
        figure("bare app worker peak RSS", server.peak_worker_rss_mb(), "MB", goal="(reference)")


def _worst_case(h: Harness, auth: dict[str, str]) -> None:
    title("upload: worst case, small files decoding to each format's pixel cap, wrk -c2")
    for fmt in ("PNG", "WEBP", "JPEG"):
        data = _solid_image(fmt, pixel_cap(fmt))
        with h.project() as server:
            label = f"{fmt} at {pixel_cap(fmt) / 1e6:.1f} MP ({len(data) // 1024} KB)"
            result = h.once(
                Load(label, server, "/v1/upload", env=_post(h, data, "cap.bin", auth), connections=2),
                seconds=min(h.seconds, 4),
            )
            peak = server.peak_worker_rss_mb()
        print(result.line())
        figure(f"worker peak RSS, {fmt} at cap", peak, "MB")
        _discard_stored()
