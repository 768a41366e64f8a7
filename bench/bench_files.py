"""Files API upload throughput: POST /api/v1/upload with 5 files of 8 MB against a bare Django view
that reads the same multipart body and discards it (same server, same run); and the peak RSS of
a gunicorn worker while the Files API is under that load.

Goals: throughput ratio at least 0.5; worker peak RSS under 200 MB.
"""

import threading
from pathlib import Path

import requests
from django.core.files.storage import default_storage

from bench.harness import Harness, Server, figure, ratio, title
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


class RssSampler:
    """The highest current RSS (VmRSS) of the server's workers, sampled every 50 ms while running."""

    def __init__(self, server: Server) -> None:
        self.server, self.peak_kib = server, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            for pid in self.server.worker_pids():
                self.peak_kib = max(self.peak_kib, _vm_rss_kib(pid))

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _vm_rss_kib(pid: int) -> int:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in lines if line.startswith("VmRSS:")), 0)


def run(h: Harness) -> None:
    title("files: POST /api/v1/upload, 5 x 8 MB parts, vs a bare view reading the same body; gunicorn -w 2, 2 clients")  # fmt: skip
    body = multipart_body()
    mb_per_request = len(body) / 1e6
    with h.database():
        org = Organization.objects.create(name="Bench Files", storage_quota_bytes=10**15)
        _, secret = api_key_create(org=org)
        headers = {"Authorization": f"Bearer {secret}", "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}  # fmt: skip

        def ours(session: requests.Session, base: str) -> requests.Response:
            return session.post(f"{base}/api/v1/upload", data=body, headers=headers, timeout=120)

        def bare(session: requests.Session, base: str) -> requests.Response:
            return session.post(f"{base}/bench/bare-multipart", data=body, headers=headers, timeout=120)

        try:
            with h.server() as server:
                baseline = h.load("bare multipart view", bare, server.base, concurrency=2)
                with RssSampler(server) as sampler:
                    api = h.load("/api/v1/upload", ours, server.base, concurrency=2)
                lifetime_peak = server.peak_worker_rss_mb()
        finally:
            _remove_stored(org)
    print(baseline.line())
    print(api.line())
    figure("bare view throughput", baseline.rps * mb_per_request, "MB/s")
    figure("Files API throughput", api.rps * mb_per_request, "MB/s")
    ratio("throughput ratio", api.rps, baseline.rps, goal="(Files API / bare; goal >= 0.5)")
    figure("peak worker RSS (Files API load)", sampler.peak_kib / 1024, "MiB", goal="(goal < 200 MB)")
    figure("worker VmHWM (whole run, both views)", lifetime_peak, "MiB")
