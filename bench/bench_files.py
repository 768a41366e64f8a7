"""Files API upload throughput: POST /api/v1/upload with 5 files of 8 MB against the bare app's
multipart view, which reads the same body and discards it (alternating rounds, wrk -c2); and the
peak RSS of a gunicorn worker while the Files API is under that load.

Goals: throughput ratio at least 0.5; worker peak RSS under 200 MB.
"""

from django.core.files.storage import default_storage

from bench.harness import Harness, Load, RssSampler, figure, headers_env, ratio, title
from thrad.models import Organization
from thrad.services import api_key_create

MB = 1024 * 1024
FILES = 5
FILE_BYTES = 8 * MB
BOUNDARY = "bench-files-boundary"


def multipart_body() -> bytes:
    """Five 8 MB text parts named `files` (valid UTF-8: each is really checked and stored)."""
    line = b"id,name,price,comment\n" + b"42,widget,1.50,plain ascii text for the bench\n" * 7
    parts = []
    for i in range(FILES):
        content = (line * (FILE_BYTES // len(line) + 1))[:FILE_BYTES]
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="part{i}.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def _remove_stored(org: Organization) -> None:
    folder = f"files/{org.public_id}"
    try:
        _, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in names:
        default_storage.delete(f"{folder}/{name}")


def run(h: Harness) -> None:
    title("files: POST /api/v1/upload, 5 x 8 MB parts, vs the bare app's multipart view; gunicorn -w 2, wrk -c2")
    body = h.tmp_file(multipart_body(), ".multipart")
    mb_per_request = FILES * FILE_BYTES / 1e6
    with h.database():
        org = Organization.objects.create(name="Bench Files", storage_quota_bytes=10**15)
        _, secret = api_key_create(org=org)
        content_type = f"multipart/form-data; boundary={BOUNDARY}"
        env = {"BENCH_METHOD": "POST", "BENCH_BODY_FILE": body}
        bare_env = {**env, "BENCH_HEADERS": headers_env({"Content-Type": content_type})}
        ours_env = {
            **env,
            "BENCH_HEADERS": headers_env({"Authorization": f"Bearer {secret}", "Content-Type": content_type}),
        }
        try:
            with h.both() as (bare, ours):
                with RssSampler(ours) as sampler:
                    baseline, api = h.alternate(
                        [
                            Load("bare multipart view", bare, "/multipart", env=bare_env, connections=2),
                            Load("/api/v1/upload", ours, "/api/v1/upload", env=ours_env, connections=2),
                        ],
                        seconds=2 * h.seconds,  # a request takes seconds: longer rounds
                    )
                lifetime_peak = ours.peak_worker_rss_mb()
        finally:
            _remove_stored(org)
    print(baseline.line())
    print(api.line())
    figure("bare view throughput", baseline.rps * mb_per_request, "MB/s")
    figure("Files API throughput", api.rps * mb_per_request, "MB/s")
    ratio("req/s / bare multipart", api.rps, baseline.rps, goal="goal >= 0.5")
    figure("peak worker RSS (Files API load)", sampler.peak_kib / 1024, "MiB", goal="(goal < 200 MB)")
    figure("worker VmHWM (whole run)", lifetime_peak, "MiB")
