"""Benchmark harness: a fresh database, gunicorn, a load generator, RSS, and ratio printing.

These machines are noisy, so every figure is printed next to a baseline measured in the same
run (a bare view doing only the unavoidable work) and judged as a ratio. Benchmarks are not
tests: they print, they never fail the build.

A bench module `bench/bench_<area>.py` defines `run(h: Harness) -> None` and may define
`bare_urlpatterns` (extra baseline views, served under the bench URLconf).
"""

import multiprocessing as mp
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import requests
from django.db import connection

from tests.support import servers

RequestFn = Callable[[requests.Session, str], requests.Response]


@dataclass
class Stats:
    label: str
    requests: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)
    statuses: Counter

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

    @property
    def p50(self) -> float:
        return self.pct(50)

    @property
    def p99(self) -> float:
        return self.pct(99)

    def line(self) -> str:
        codes = " ".join(f"{code}x{n}" for code, n in sorted(self.statuses.items()))
        return (f"  {self.label:<34} {self.rps:9.1f} req/s   p50 {self.p50:7.2f} ms   "
                f"p99 {self.p99:7.2f} ms   [{codes}]")  # fmt: skip


@dataclass
class Server:
    base: str
    master_pid: int

    def worker_pids(self) -> list[int]:
        return servers.child_pids(self.master_pid)

    def peak_worker_rss_mb(self) -> float:
        return max((servers.peak_rss_kib(pid) for pid in self.worker_pids()), default=0) / 1024


def _client_loop(fn: RequestFn, base: str, start: float, stop: float, out: "mp.Queue") -> None:
    session = requests.Session()
    latencies: list[float] = []
    statuses: Counter = Counter()
    while True:
        t0 = time.monotonic()
        if t0 >= stop:
            break
        try:
            status = fn(session, base).status_code
        except requests.RequestException:
            status = 599
        t1 = time.monotonic()
        if t0 >= start:
            latencies.append((t1 - t0) * 1000)
            statuses[status] += 1
    out.put((latencies, statuses))


class Harness:
    def __init__(self, seconds: float = 8.0, warmup: float = 2.0) -> None:
        self.seconds = seconds
        self.warmup = warmup

    @contextmanager
    def database(self) -> Iterator[None]:
        """A fresh, migrated database (PostgreSQL when DATABASE_URL says so) for one bench."""
        creation = connection.creation
        old_name = connection.settings_dict["NAME"]
        creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            yield
        finally:
            connection.close()
            creation.destroy_test_db(old_name, verbosity=0)

    @contextmanager
    def server(self, workers: int = 2) -> Iterator[Server]:
        connection.close()  # the subprocess must see committed data; don't hold locks
        with servers.gunicorn_process(workers=workers) as (base, proc):
            yield Server(base=base, master_pid=proc.pid)

    def load(self, label: str, fn: RequestFn, base: str, *, concurrency: int) -> Stats:
        """Run `fn` from `concurrency` client processes for warmup + seconds; keep the latter."""
        ctx = mp.get_context("fork")
        out: mp.Queue = ctx.Queue()
        start = time.monotonic() + self.warmup
        stop = start + self.seconds
        procs = [ctx.Process(target=_client_loop, args=(fn, base, start, stop, out)) for _ in range(concurrency)]  # fmt: skip
        for proc in procs:
            proc.start()
        latencies: list[float] = []
        statuses: Counter = Counter()
        for _ in procs:
            lat, st = out.get()
            latencies.extend(lat)
            statuses.update(st)
        for proc in procs:
            proc.join()
        return Stats(label=label, requests=len(latencies), seconds=self.seconds,
                     latencies_ms=latencies, statuses=statuses)  # fmt: skip


def title(text: str) -> None:
    print(f"\n== {text}", flush=True)


def ratio(label: str, value: float, baseline: float, *, goal: str = "") -> float:
    """Print value/baseline with the goal beside it; returns the ratio."""
    r = value / baseline if baseline else float("nan")
    print(f"  {label:<34} {r:9.2f}   {goal}", flush=True)
    return r


def figure(label: str, value: float, unit: str, *, goal: str = "") -> None:
    print(f"  {label:<34} {value:9.2f} {unit}   {goal}", flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
