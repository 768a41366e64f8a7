"""Real processes for tests and benchmarks: gunicorn serving this project, a Celery worker."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment of a subprocess that must use the test database and settings."""
    env = dict(os.environ)
    settings_module = os.environ.get("THRAD_SUBPROCESS_SETTINGS", "tests.settings")
    env.update(DJANGO_SETTINGS_MODULE=settings_module, THRAD_TEST_SUBPROCESS="1", PYTHONPATH=str(BASE_DIR))
    env.update(extra)
    return env


def wait_for_http(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer in {timeout}s")


@contextmanager
def stopping(proc: subprocess.Popen) -> Iterator[subprocess.Popen]:
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def gunicorn_process(
    *, workers: int = 2, env: dict[str, str] | None = None, wsgi: str = "thrad.wsgi:application"
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Serve the project under gunicorn on a free loopback port; yields (base URL, master)."""
    port = free_port()
    cmd = [
        str(BIN / "gunicorn"),
        wsgi,
        "-c",
        str(BASE_DIR / "gunicorn.conf.py"),
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=subprocess_env(**(env or {})))
    with stopping(proc):
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/healthz", proc=proc)
        yield base, proc


@contextmanager
def gunicorn(
    *, workers: int = 2, env: dict[str, str] | None = None, wsgi: str = "thrad.wsgi:application"
) -> Iterator[str]:
    """Serve the project under gunicorn on a free loopback port; yields the base URL."""
    with gunicorn_process(workers=workers, env=env, wsgi=wsgi) as (base, _):
        yield base


def child_pids(pid: int) -> list[int]:
    """Direct children of a process (gunicorn's workers), from /proc."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        children.extend(int(p) for p in task.read_text().split())
    return children


def peak_rss_kib(pid: int) -> int:
    """The process's peak resident set size (VmHWM) in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def celery_worker_command(*, queue: str, concurrency: int, name: str, heartbeat: bool) -> list[str]:
    """The command line of a real prefork Celery worker of the project consuming `queue`."""
    return [
        str(BIN / "celery"),
        "-A",
        "thrad",
        "worker",
        "-Q",
        queue,
        "-c",
        str(concurrency),
        "--pool",
        "prefork",
        "--loglevel",
        "WARNING",
        *([] if heartbeat else ["--without-heartbeat"]),
        "--without-gossip",
        "--without-mingle",
        "-n",
        f"{name}-{os.getpid()}@%h",
    ]


@contextmanager
def celery_worker(*, concurrency: int = 2, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """A real Celery worker on the configured broker, consuming this checkout's test queue."""
    queue = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "thrad")
    cmd = celery_worker_command(queue=queue, concurrency=concurrency, name="test", heartbeat=False)
    proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=subprocess_env(**(env or {})))
    with stopping(proc):
        yield proc
