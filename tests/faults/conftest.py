"""The fault tests' own production stack, on private ports: nothing shared is ever stopped.

One stack per session (started by the first fault test): a private Redis (cache, rate limits,
Celery broker and results), a private PostgreSQL (initdb into a temp dir, run as `postgres`), a
private SeaweedFS reached through a TCP proxy (to stall answers half-way), gunicorn with one
gthread worker process from gunicorn.conf.py, and a real Celery worker. Both run the production
settings (`thrad.settings`) from an environment built here, with short timeouts so a fault is
answered in about a second rather than the production defaults' few seconds.
After every test the services are running again and `/readyz` is 200 before the next starts.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
import requests

from tests.support import private, servers

BIN = servers.BIN
MISSING = [tool for tool in ("redis-server", "runuser") if shutil.which(tool) is None]
if not (BIN / "weed").exists():
    MISSING.append(".venv/bin/weed")
if not list(private.PG_BIN.glob("*/bin/initdb")):
    MISSING.append("initdb")

# Short, so each fault is answered fast; the values are what the tests assert against.
FAULT_SETTINGS = {
    "REDIS_TIMEOUT": "0.3",
    "DEPENDENCY_COOLDOWN": "1",
    "DATABASE_CONNECT_TIMEOUT": "1",
    "DATABASE_QUERY_TIMEOUT": "2",
    "DSP_QUERY_TIMEOUT": "0.5",
    "AWS_S3_CONNECT_TIMEOUT": "1",
    "AWS_S3_READ_TIMEOUT": "1",
    "AWS_S3_MAX_ATTEMPTS": "2",
    "READYZ_TIMEOUT": "1.5",
    "CELERY_BROKER_TIMEOUT": "1",
    "UPLOAD_FETCH_CONNECT_TIMEOUT": "2",
    "UPLOAD_FETCH_READ_TIMEOUT": "2",
    "UPLOAD_FETCH_DEADLINE": "3",
    "UPLOAD_FETCH_WAIT_MARGIN": "3",
    "SLOW_FETCH_SLOTS": "2",
    "SLOW_BODY_SLOTS": "2",
    "SLOW_STREAM_SLOTS": "2",
    "WEB_THREADS": "10",
    "RATE_LIMIT_FILES_PER_MINUTE": "100000",
    "RATE_LIMIT_V1_PER_HOUR": "100000",
    "BID_TTL_SECONDS": "300",
}
END_USER = {"X-Forwarded-For": "198.51.100.7", "User-Agent": "Mozilla/5.0 (fault test)"}
BID_BODY = {
    "userId": "u1",
    "chatId": "c1",
    "request_type": "contextual",
    "nAdsBefore": 0,
    "ad_formats": ["sponsored_message"],
    "production": True,
    "request_id": "r1",
    "country_code": "US",
    "messages": [
        {"role": "user", "content": "Where should I host my site?", "timestamp": 1_780_000_000},
        {"role": "assistant", "content": "Here are a few options.", "timestamp": 1_780_000_001},
    ],
    "config": {"max_headline_chars": 60, "image_enabled": True},
}


@dataclass
class Timed:
    response: requests.Response | None
    seconds: float
    error: Exception | None = None

    @property
    def status(self) -> int:
        return self.response.status_code if self.response is not None else 599

    def json(self) -> Any:
        assert self.response is not None, self.error
        return self.response.json()


def timed(call: Any, *args: Any, **kwargs: Any) -> Timed:
    kwargs.setdefault("timeout", 30)
    started = time.monotonic()
    try:
        response = call(*args, **kwargs)
    except requests.RequestException as exc:
        return Timed(None, time.monotonic() - started, exc)
    return Timed(response, time.monotonic() - started)


@dataclass
class Stack:
    redis: private.PrivateRedis
    pg: private.PrivatePostgres
    s3: private.PrivateSeaweed
    proxy: private.TcpProxy
    env: dict[str, str]
    port: int
    seed: dict[str, Any] = field(default_factory=dict)
    web: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- processes -------------------------------------------------------------------------

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=servers.BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def start_web(self) -> None:
        cmd = [
            str(BIN / "gunicorn"),
            "thrad.wsgi:application",
            "-c",
            str(servers.BASE_DIR / "gunicorn.conf.py"),
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "warning",
        ]
        self.web = subprocess.Popen(cmd, cwd=servers.BASE_DIR, env=self.env)
        servers.wait_for_http(f"{self.base}/healthz", proc=self.web)

    def web_worker_pid(self) -> int:
        assert self.web is not None
        deadline = time.monotonic() + 20
        while not (children := servers.child_pids(self.web.pid)):
            assert time.monotonic() < deadline, "gunicorn has no worker"
            time.sleep(0.1)
        return children[0]

    def start_worker(self) -> None:
        queue = self.env["CELERY_TASK_DEFAULT_QUEUE"]
        cmd = servers.celery_worker_command(queue=queue, concurrency=2, name="faults", heartbeat=True)
        self.worker = subprocess.Popen(cmd, cwd=servers.BASE_DIR, env=self.env)

    def stop_worker(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            self.worker.terminate()
            try:
                self.worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.worker.kill()
                self.worker.wait()

    def stop(self) -> None:
        for proc in (self.web,):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=20)
        self.stop_worker()

    # --- state -----------------------------------------------------------------------------

    def sql(self, query: str, *params: Any) -> list[tuple]:
        with psycopg.connect(
            host="127.0.0.1", port=self.pg.port, user="postgres", dbname="thrad", autocommit=True, connect_timeout=5
        ) as conn:
            return conn.execute(query, params).fetchall()

    def s3_client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.s3.endpoint,
            region_name="us-east-1",
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
        )

    def objects(self, prefix: str) -> set[str]:
        pages = (
            self.s3_client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=self.env["AWS_STORAGE_BUCKET_NAME"], Prefix=prefix)
        )
        return {entry["Key"] for page in pages for entry in page.get("Contents", ())}

    def usage(self) -> tuple[int, int, int]:
        """(org usage, sum of its stored files, live reservations) of the seeded organization."""
        org = self.seed["org_id"]
        used = self.sql("SELECT storage_used_bytes FROM thrad_organization WHERE id = %s", org)[0][0]
        files = self.sql("SELECT COALESCE(SUM(size), 0) FROM uploads_storedfile WHERE organization_id = %s", org)[0][0]
        held = self.sql("SELECT COALESCE(SUM(size), 0) FROM thrad_storagereservation WHERE organization_id = %s", org)[
            0
        ][0]
        return int(used), int(files), int(held)

    def spend(self) -> int:
        return int(
            self.sql("SELECT spend_micros FROM creatives_campaign WHERE id = %s", self.seed["campaign_id"])[0][0]
        )

    # --- requests --------------------------------------------------------------------------

    def key(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.seed['secret']}"}

    def bid(self) -> Timed:
        headers = {"Authorization": f"Bearer {self.seed['partner_key']}", **END_USER}
        return timed(requests.post, f"{self.base}/api/v1/dsp/bid", json=BID_BODY, headers=headers)

    def won_bid(self) -> str:
        placed = self.bid()
        assert placed.status == 200, placed.response.text if placed.response is not None else placed.error
        return placed.json()["data"]["bidId"]

    def render(self, bid_id: str, price: float = 5.0) -> Timed:
        body = {"bidId": bid_id, "realizedPrice": price, "production": True}
        return timed(requests.post, f"{self.base}/api/v1/dsp/render-ad", json=body)

    def v1(self, path: str = "/v1/ad_account") -> Timed:
        return timed(requests.get, f"{self.base}{path}", headers=self.key())

    def upload_files(self, *parts: tuple[str, bytes]) -> Timed:
        files = [("files", (name, data)) for name, data in parts]
        return timed(requests.post, f"{self.base}/api/v1/upload", files=files, headers=self.key())

    def upload_url(self, url: str) -> Timed:
        return timed(requests.post, f"{self.base}/v1/upload", json={"image_url": url}, headers=self.key())

    def asset(self) -> Timed:
        return timed(requests.get, f"{self.base}/media/{self.seed['asset']}")

    def readyz(self) -> Timed:
        return timed(requests.get, f"{self.base}/readyz")

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            ready = self.readyz()
            if ready.status == 200:
                return
            assert time.monotonic() < deadline, (
                f"stack not ready: {ready.json() if ready.response is not None else ready.error}"
            )
            time.sleep(0.3)

    def heal(self) -> None:
        """Every service running and answering again (after a test broke one)."""
        self.proxy.release()
        self.redis.resume()
        self.pg.resume()
        self.s3.resume()
        if not private.port_open(self.redis.port):
            self.redis.start()
        if not private.port_open(self.pg.port):
            self.pg.start()
        if not private.port_open(self.s3.port):
            self.s3.start()
        if self.worker is None or self.worker.poll() is not None:
            self.start_worker()
        if self.web is None or self.web.poll() is not None:
            self.start_web()
        self.wait_ready()


def _ports() -> tuple[int, int, int, int]:
    """Redis, PostgreSQL, SeaweedFS S3 and gunicorn ports for this checkout, all free."""
    for attempt in range(40):
        k = (private.checkout_offset("faults", 40) + attempt) % 40
        redis_port, pg_port, web_port = 26100 + k, 26200 + k, 26300 + k
        s3 = private.PrivateSeaweed(9000 + 20 * k)
        wanted = [redis_port, pg_port, web_port, *s3.ports()]
        if all(private.port_free(p) for p in wanted):
            return redis_port, pg_port, s3.port, web_port
    raise RuntimeError("no free ports for the fault stack")


def _env(stack_ports: tuple[int, int, int, int], proxy_port: int, pg: private.PrivatePostgres) -> dict[str, str]:
    redis_port, _, _, web_port = stack_ports
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "thrad.settings",
            "PYTHONPATH": str(servers.BASE_DIR),
            "THRAD_ENV_FILE": "",
            "SECRET_KEY": "fault-tests-only-secret",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": pg.url,
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "CELERY_RESULT_BACKEND": f"redis://127.0.0.1:{redis_port}/1",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/2",
            "CELERY_TASK_DEFAULT_QUEUE": "faults",
            "STORAGE_BACKEND": "s3",
            "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{proxy_port}",
            "AWS_STORAGE_BUCKET_NAME": "thrad-faults",
            "AWS_ACCESS_KEY_ID": "thradci",
            "AWS_SECRET_ACCESS_KEY": "thradci-secret-key",
            "UPLOAD_FETCH_ALLOWED_CIDRS": "127.0.0.0/8",
            **FAULT_SETTINGS,
        }
    )
    return env


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    if MISSING:
        pytest.skip(f"the fault tests need {', '.join(MISSING)} on this machine")
    ports = _ports()
    redis, pg, s3 = (
        private.PrivateRedis(ports[0]),
        private.PrivatePostgres(ports[1]),
        private.PrivateSeaweed(ports[2]),
    )
    proxy = private.TcpProxy(upstream=s3.port)
    built = Stack(redis=redis, pg=pg, s3=s3, proxy=proxy, env=_env(ports, proxy.port, pg), port=ports[3])
    try:
        redis.start()
        pg.init()
        s3.start()
        built.s3_client().create_bucket(Bucket=built.env["AWS_STORAGE_BUCKET_NAME"])
        built.manage("migrate", "--noinput", "-v", "0")
        seeded = subprocess.run(
            [sys.executable, "-m", "tests.faults.seed"],
            cwd=servers.BASE_DIR,
            env=built.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert seeded.returncode == 0, seeded.stderr
        built.seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        built.start_worker()
        built.start_web()
        built.wait_ready()
        yield built
    finally:
        built.stop()
        proxy.close()
        for stop in (redis.stop, s3.destroy, pg.destroy):
            try:
                stop()
            except Exception as exc:  # noqa: BLE001 - tear down the rest anyway
                print(f"fault stack teardown: {exc!r}", file=sys.stderr)


@pytest.fixture
def healthy(stack: Stack) -> Iterator[Stack]:
    """The stack, whole again after the test whatever it broke."""
    yield stack
    stack.heal()


def send_signal(pid: int, sig: int) -> None:
    os.kill(pid, sig)


SIGKILL, SIGSTOP, SIGCONT = signal.SIGKILL, signal.SIGSTOP, signal.SIGCONT
