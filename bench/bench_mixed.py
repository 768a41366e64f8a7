"""The DSP alone, then the DSP while the same server does slow work (issue 10, docs/serving.md).

One gunicorn (gunicorn.conf.py: gthread workers, the slow-work bounds) and, with a broker, one
Celery worker. The DSP load is bid requests (1,000 active ads) from wrk when it is installed
(else Python client threads), 8 connections. The mixed load adds, on the same server:
- FETCH_CLIENTS clients looping `POST /v1/upload {"image_url"}` against a local image host that
  answers after FETCH_DELAY seconds (each holds a fetch slot while it waits);
- UPLOAD_CLIENTS clients looping `POST /api/v1/upload` with two 8 MB parts (body slots).
Slow work past its bound gets 503 (counted, not an error of the DSP). Alone and mixed alternate
in BENCH_ROUNDS rounds (3) of BENCH_SECONDS (5) each; printed side by side: the medians of DSP
p50/p99 alone and mixed, their ratio (goal: mixed p99 at most 3× alone) and the DSP errors
(goal: none).

Run: `make bench BENCH_ARGS=mixed` (`source .ci/env.sh` first for the real services).
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import requests

from bench.bench_dsp import add_ads, conversations
from bench.harness import figure, ratio, title
from bids.services import supply_partner_create
from files.models import StoredFile
from tests.support import servers
from tests.uploads.upload_helpers import image_bytes, image_host, serve
from thrad import storage
from thrad.models import Organization
from thrad.services import api_key_create
from uploads.models import UploadedFile

CONNECTIONS = 8
FETCH_CLIENTS = 6
FETCH_DELAY = 2.0
UPLOAD_CLIENTS = 2
PART = b"0123456789abcdef" * (8 * 1024 * 1024 // 16)  # 8 MiB of text
END_USER = {"X-Forwarded-For": "198.51.100.23", "User-Agent": "Mozilla/5.0 (bench)"}
SERVER_ENV = {
    "UPLOAD_FETCH_ALLOWED_CIDRS": "127.0.0.0/8",
    "RATE_LIMIT_V1_PER_HOUR": "100000000",
    "RATE_LIMIT_FILES_PER_MINUTE": "100000000",
}
WRK_SCRIPT = """
local body = os.getenv("BENCH_BODY")
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  wrk.headers[name] = value
end
"""


# --- the DSP load ------------------------------------------------------------------------------


def _wrk(base: str, key: str, seconds: float) -> dict[str, Any]:
    """wrk's own percentiles; non-2xx answers and socket errors are DSP errors."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    headers = "\n".join(f"{k}: {v}" for k, v in {"Authorization": f"Bearer {key}", **END_USER}.items())
    env = {**os.environ, "BENCH_BODY": json.dumps(conversations()[1]), "BENCH_HEADERS": headers}
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{CONNECTIONS}",
                f"-d{int(seconds)}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                script.name,
                f"{base}/api/v1/dsp/bid",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def pct(label: str) -> float:
        number, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
        return float(number) * units[unit]

    requests_done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(int(n) for n in socket.groups()) if socket else 0)
    return {"requests": requests_done, "p50": pct("50%"), "p99": pct("99%"), "errors": errors}


def _python_clients(base: str, key: str, seconds: float) -> dict[str, Any]:
    body = json.dumps(conversations()[1])
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json", **END_USER}
    latencies: list[float] = []
    errors = Counter[str]()
    stop = time.monotonic() + seconds

    def client() -> None:
        with requests.Session() as session:
            while time.monotonic() < stop:
                started = time.monotonic()
                try:
                    ok = (
                        session.post(f"{base}/api/v1/dsp/bid", data=body, headers=headers, timeout=10).status_code < 300
                    )
                except requests.RequestException:
                    ok = False
                latencies.append((time.monotonic() - started) * 1000)
                if not ok:
                    errors["error"] += 1

    threads = [threading.Thread(target=client) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies) or [float("nan")]
    return {
        "requests": len(latencies),
        "p50": ordered[len(ordered) // 2],
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "errors": sum(errors.values()),
    }


def dsp_load(base: str, key: str, seconds: float) -> dict[str, Any]:
    return _wrk(base, key, seconds) if shutil.which("wrk") else _python_clients(base, key, seconds)


# --- the slow load -----------------------------------------------------------------------------


def _fetcher(base: str, key: str, url: str, stop: threading.Event, outcomes: Counter[str]) -> None:
    while not stop.is_set():
        try:
            status = requests.post(
                f"{base}/v1/upload", json={"image_url": url}, headers={"Authorization": f"Bearer {key}"}, timeout=60
            ).status_code
        except requests.RequestException:
            status = 599
        outcomes[f"fetch {status}"] += 1
        if status == 503:
            time.sleep(0.2)  # Retry-After, shortened: keep the pressure on


def _uploader(base: str, key: str, stop: threading.Event, outcomes: Counter[str]) -> None:
    files = [("files", ("a.txt", PART)), ("files", ("b.txt", PART))]
    while not stop.is_set():
        try:
            status = requests.post(
                f"{base}/api/v1/upload", files=files, headers={"x-api-key": key}, timeout=120
            ).status_code
        except requests.RequestException:
            status = 599
        outcomes[f"upload {status}"] += 1


@contextmanager
def slow_load(base: str, key: str) -> Iterator[Counter[str]]:
    """Slow URL fetches and large Files API uploads in a loop until the block ends."""
    png = image_bytes("PNG", (200, 150))
    outcomes: Counter[str] = Counter()
    stop = threading.Event()

    def slow_image(handler: Any) -> None:
        time.sleep(FETCH_DELAY)
        serve(png)(handler)

    with image_host({"/slow.png": slow_image}) as host:
        url = host.url("/slow.png")
        threads = [
            threading.Thread(target=_fetcher, args=(base, key, url, stop, outcomes)) for _ in range(FETCH_CLIENTS)
        ]
        threads += [threading.Thread(target=_uploader, args=(base, key, stop, outcomes)) for _ in range(UPLOAD_CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(FETCH_DELAY)  # every slot is busy before the DSP is measured
        try:
            yield outcomes
        finally:
            stop.set()
            for thread in threads:
                thread.join()


# --- processes -----------------------------------------------------------------------------------


@contextmanager
def project(h: Any) -> Iterator[str]:
    """gunicorn (2 processes) and, with a broker, a Celery worker for the fetches."""
    with ExitStack() as stack:
        if hasattr(h, "project"):  # the wrk harness: production settings from the environment
            base = stack.enter_context(h.project(**SERVER_ENV)).base
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "thrad.settings",
                "PYTHONPATH": str(servers.BASE_DIR),
                "DATABASE_URL": h._database_url(),
                **SERVER_ENV,
            }
            worker_env: dict[str, str] | None = env
        else:
            base, _ = stack.enter_context(servers.gunicorn_process(workers=2, env=SERVER_ENV))
            worker_env = None
        if os.environ.get("CELERY_BROKER_URL"):
            if worker_env is None:
                stack.enter_context(servers.celery_worker(concurrency=4, env=SERVER_ENV))
            else:
                cmd = [
                    str(servers.BIN / "celery"),
                    "-A",
                    "thrad",
                    "worker",
                    "-Q",
                    os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "thrad"),
                    "-c",
                    "4",
                    "--loglevel",
                    "WARNING",
                    "--without-gossip",
                    "--without-mingle",
                ]
                stack.enter_context(servers.stopping(subprocess.Popen(cmd, cwd=servers.BASE_DIR, env=worker_env)))
            deadline = time.monotonic() + 30
            while requests.get(f"{base}/readyz", timeout=5).status_code != 200 and time.monotonic() < deadline:
                time.sleep(0.5)
        yield base


def _median(runs: list[dict[str, Any]], name: str) -> float:
    return statistics.median(run[name] for run in runs)


def run(h: Any) -> None:
    seconds = max(3.0, float(os.environ.get("BENCH_SECONDS", "5")))
    rounds = max(1, int(os.environ.get("BENCH_ROUNDS", "3")))
    title(
        f"mixed: DSP bid p50/p99 alone vs with {FETCH_CLIENTS} slow URL fetches ({FETCH_DELAY:g} s each) "
        f"and {UPLOAD_CLIENTS} × 2 × 8 MB Files API uploads on the same gunicorn; {rounds} alternating rounds"
    )
    alone: list[dict[str, Any]] = []
    mixed: list[dict[str, Any]] = []
    outcomes: Counter[str] = Counter()
    with h.database():
        org = Organization.objects.create(name="Mixed Bench", domain="mixed.example")
        _, key = api_key_create(org=org)
        Organization.objects.filter(pk=org.pk).update(storage_quota_bytes=10**15)
        _, partner_key = supply_partner_create(name="Mixed SSP")
        add_ads(org, groups=200, ads_per_group=5, start=0)
        with project(h) as base:
            dsp_load(base, partner_key, 2)  # warm-up: every process builds its serving index
            for _ in range(rounds):  # alternate, so a noisy neighbour hits both sides alike
                alone.append(dsp_load(base, partner_key, seconds))
                with slow_load(base, key) as answered:
                    mixed.append(dsp_load(base, partner_key, seconds))
                outcomes.update(answered)
        stored = [
            *StoredFile.objects.filter(organization=org).values_list("key", flat=True),
            *UploadedFile.objects.filter(organization=org).values_list("file_id", flat=True),
        ]
        storage.delete_quietly(*stored)  # leave the bench's storage as it was
    print(f"  {'(medians of the rounds)':<24} {'alone':>10} {'mixed':>10}")
    for name, unit in (("requests", ""), ("p50", " ms"), ("p99", " ms")):
        print(f"  DSP bid {name + unit:<16} {_median(alone, name):>10.4g} {_median(mixed, name):>10.4g}")
    print(
        f"  DSP bid p99 per round      alone {[round(r['p99']) for r in alone]} ms, mixed {[round(r['p99']) for r in mixed]} ms"
    )
    print(f"  slow work answered: {dict(sorted(outcomes.items()))}")
    ratio("DSP p99 mixed / alone", _median(mixed, "p99"), _median(alone, "p99"), goal="goal <= 3")
    figure("DSP errors under mixed load", sum(r["errors"] for r in mixed), "", goal="goal 0")
