"""Benchmark harness: a bench database, the project and the bare app under gunicorn, wrk, ratios.

These machines are noisy, so every figure is printed next to a baseline measured in the same run
and judged as a ratio. The baseline is `bench/bareapp.py`, a bare Django app that is not the
project, served by gunicorn with the same configuration and worker count. The load comes from
wrk (a C load generator: the clients cost little CPU next to the servers), with Lua scripts
under `bench/wrk/` for per-request bodies. Rounds alternate (bare, ours, bare, ours, ...) so a
noisy neighbour hits both sides alike. Benchmarks print; they never fail the build.

A bench module `bench/bench_<area>.py` defines `run(h: Harness) -> None`.
"""

import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.db import connection

from tests.support import servers

BASE_DIR = Path(__file__).resolve().parent.parent
WRK_DIR = BASE_DIR / "bench" / "wrk"
TMP_DIR = BASE_DIR / ".bench-tmp"
BIN = Path(sys.executable).parent
WORKERS = 2

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS_MS[unit]


@dataclass
class Run:
    """One wrk run, as wrk reported it (`--latency`)."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non_2xx: int = 0
    socket_errors: int = 0
    used: list[tuple[int, int, int]] = field(default_factory=list)  # bodies.lua distinct mode
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process kind (cpu_seconds)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @classmethod
    def parse(cls, out: str) -> "Run":
        total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
        p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
        p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
        if not (total and p50 and p99):
            raise RuntimeError(f"unexpected wrk output:\n{out}")
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        used = [(int(a), int(b), int(c)) for a, b, c in re.findall(r"^bench-used (\d+) (\d+) (\d+)$", out, re.M)]
        return cls(
            requests=int(total[1]),
            seconds=_ms(total[2] + total[3]) / 1000,
            p50_ms=_ms(p50[1]),
            p99_ms=_ms(p99[1]),
            non_2xx=int(non_2xx[1]) if non_2xx else 0,
            socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
            used=used,
        )


@dataclass
class Result:
    """The rounds of one side (bare or ours) of a comparison."""

    label: str
    runs: list[Run] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.runs)

    @property
    def rps(self) -> float:
        seconds = sum(r.seconds for r in self.runs)
        return self.requests / seconds if seconds else 0.0

    @property
    def p50(self) -> float:
        return statistics.median(r.p50_ms for r in self.runs) if self.runs else float("nan")

    @property
    def p99(self) -> float:
        return statistics.median(r.p99_ms for r in self.runs) if self.runs else float("nan")

    @property
    def errors(self) -> int:
        return sum(r.non_2xx + r.socket_errors for r in self.runs)

    def cpu_ms(self) -> dict[str, float]:
        """CPU time per request, in ms, by process kind, over the measured rounds."""
        kinds: dict[str, float] = {}
        for run in self.runs:
            for kind, seconds in run.cpu.items():
                kinds[kind] = kinds.get(kind, 0.0) + seconds
        return {kind: 1000 * seconds / self.requests for kind, seconds in kinds.items()} if self.requests else {}

    def line(self) -> str:
        rounds = " ".join(f"{r.rps:.0f}" if r.rps >= 10 else f"{r.rps:.2f}" for r in self.runs)
        errors = f"   {self.errors} errors" if self.errors else ""
        cpu = self.cpu_ms()
        spent = ", ".join(f"{kind} {ms:.2f}" for kind, ms in cpu.items() if ms >= 0.005)
        return (
            f"  {self.label:<38} {self.rps:8.1f} req/s   p50 {self.p50:7.2f} ms   "
            f"p99 {self.p99:7.2f} ms   (rounds {rounds}){errors}"
            + (f"\n  {'':<38} CPU ms per request: {spent}" if spent else "")
        )


@dataclass
class Server:
    base: str
    master_pid: int
    project: bool = True  # False for the bare app

    def worker_pids(self) -> list[int]:
        return servers.child_pids(self.master_pid)

    def peak_worker_rss_mb(self) -> float:
        """The highest VmHWM of the current workers (a worker restarted by max_requests starts anew)."""
        return max((servers.peak_rss_kib(pid) for pid in self.worker_pids()), default=0) / 1024


@dataclass
class Load:
    """One side of a comparison: what wrk sends, and where."""

    label: str
    server: Server
    path: str
    script: str = "fixed.lua"
    env: dict[str, str] = field(default_factory=dict)
    connections: int = 16
    before: Callable[["Load"], None] | None = None  # runs before each round (not timed)
    after: Callable[["Load", Run], None] | None = None  # sees each round's result


def headers_env(headers: dict[str, str]) -> str:
    """BENCH_HEADERS for the Lua scripts: one "Name: value" line per header."""
    return "\n".join(f"{name}: {value}" for name, value in headers.items())


def ensure_wrk() -> str:
    """The wrk binary; installed from the Debian package when missing (needs root and apt)."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: installing the Debian package", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    install = [*sudo, "apt-get", "install", "-y", "-q", "wrk"]
    quiet = {"stdout": subprocess.DEVNULL, "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}}
    if subprocess.run(install, check=False, **quiet).returncode != 0:  # type: ignore[call-overload]
        subprocess.run([*sudo, "apt-get", "update", "-q"], check=True, **quiet)  # type: ignore[call-overload]
        subprocess.run(install, check=True, **quiet)  # type: ignore[call-overload]
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: apt-get install wrk")
    return found


class Harness:
    def __init__(self, *, seconds: int = 5, rounds: int = 3, warmup: int = 2) -> None:
        self.seconds, self.rounds, self.warmup = seconds, rounds, warmup
        self.wrk = ensure_wrk()
        self.bench_id = os.environ["THRAD_BENCH_ID"]

    # --- database and servers -------------------------------------------------------------

    @contextmanager
    def database(self) -> Iterator[None]:
        """A fresh, migrated database of the bench's own (never the test database); dropped after."""
        TMP_DIR.mkdir(exist_ok=True)
        sqlite = connection.vendor == "sqlite"
        name = str(TMP_DIR / f"bench_{self.bench_id}.sqlite3") if sqlite else f"thrad_bench_{self.bench_id}"
        old_name = connection.settings_dict["NAME"]
        connection.settings_dict["TEST"] = {**connection.settings_dict.get("TEST", {}), "NAME": name}
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            yield
        finally:
            connection.close()
            connection.creation.destroy_test_db(old_name, verbosity=0)

    @contextmanager
    def database_copy(self, suffix: str) -> Iterator[str]:
        """A copy of the bench database (its rows at this moment) that this process writes to
        while inside; yields its name for `project(database=...)`. Dropped after."""
        connection.close()  # PostgreSQL copies a database nobody is connected to
        connection.creation.clone_test_db(suffix, verbosity=0, autoclobber=True)
        original, copy = (
            connection.settings_dict["NAME"],
            connection.creation.get_test_db_clone_settings(suffix)["NAME"],
        )
        connection.settings_dict["NAME"] = copy
        try:
            yield copy
        finally:
            connection.close()
            connection.settings_dict["NAME"] = original
            connection.creation.destroy_test_db(verbosity=0, suffix=suffix)

    def _database_url(self, name: str | None = None) -> str:
        name = name or connection.settings_dict["NAME"]
        if connection.vendor == "sqlite":
            return f"sqlite:///{name}"
        return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()

    @contextmanager
    def _gunicorn(self, app: str, env: dict[str, str], *, project: bool = True) -> Iterator[Server]:
        port = servers.free_port()
        cmd = [
            str(BIN / "gunicorn"),
            app,
            "-c",
            str(BASE_DIR / "gunicorn.conf.py"),
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ]
        proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=env)
        with servers.stopping(proc):
            base = f"http://127.0.0.1:{port}"
            servers.wait_for_http(f"{base}/healthz", proc=proc)
            yield Server(base=base, master_pid=proc.pid, project=project)

    @contextmanager
    def project(self, database: str | None = None, **extra_env: str) -> Iterator[Server]:
        """The project under gunicorn with the production settings (thrad.settings from the env
        `python -m bench` set up: DEBUG off, a SECRET_KEY, the bench database, prefixes, bucket)."""
        connection.close()  # the server must see committed data; hold no locks
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "thrad.settings",
            "DATABASE_URL": self._database_url(database),
            "PYTHONPATH": str(BASE_DIR),
            **extra_env,
        }
        with self._gunicorn("thrad.wsgi:application", env) as server:
            yield server

    @contextmanager
    def bare(self) -> Iterator[Server]:
        """The bare app (`bench/bareapp.py`) under the same gunicorn configuration."""
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(BASE_DIR), "LANG": "C.UTF-8"}
        with self._gunicorn("bench.bareapp:application", env, project=False) as server:
            yield server

    @contextmanager
    def both(self, **extra_env: str) -> Iterator[tuple[Server, Server]]:
        with ExitStack() as stack:
            yield stack.enter_context(self.bare()), stack.enter_context(self.project(**extra_env))

    # --- load ---------------------------------------------------------------------------

    def run_wrk(self, load: Load, seconds: int) -> Run:
        before, wrk_before = cpu_seconds(load.server), _children_cpu()
        run = self._wrk(load, seconds)
        after, wrk_after = cpu_seconds(load.server), _children_cpu()
        run.cpu = {kind: after[kind] - before.get(kind, 0.0) for kind in after}
        run.cpu["wrk"] = wrk_after - wrk_before  # the load generator: the only child reaped meanwhile
        return run

    def _wrk(self, load: Load, seconds: int) -> Run:
        cmd = [
            self.wrk,
            f"-t{min(2, load.connections)}",
            f"-c{load.connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "--latency",
            "-s",
            str(WRK_DIR / load.script),
            load.server.base + load.path,
        ]
        out = subprocess.run(cmd, env={**os.environ, **load.env}, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr}{out.stdout}")
        return Run.parse(out.stdout)

    def alternate(self, loads: list[Load], *, rounds: int | None = None, seconds: int | None = None) -> list[Result]:
        """A warm-up run of each load, then `rounds` rounds of each in turn."""
        results = [Result(load.label) for load in loads]
        for n in range(-1, rounds or self.rounds):
            for load, result in zip(loads, results, strict=True):
                if load.before:
                    load.before(load)
                length = self.warmup if n < 0 else seconds or self.seconds
                with self._profiling(load, length) if n == 0 else nullcontext():
                    run = self.run_wrk(load, length)
                if load.after:
                    load.after(load, run)
                if n >= 0:
                    result.runs.append(run)
        return results

    @contextmanager
    def _profiling(self, load: Load, seconds: int) -> Iterator[None]:
        """With BENCH_PROFILE=<dir>: py-spy samples one worker of the project (never the bare app)
        through the first measured round of each load, as collapsed stacks in <dir>/<label>.txt
        (`python -m bench.profile <file>` summarises one)."""
        folder = os.environ.get("BENCH_PROFILE")
        if not folder or not load.server.project:
            yield
            return
        spy = shutil.which("py-spy") or str(BIN / "py-spy")
        out = Path(folder) / (re.sub(r"[^A-Za-z0-9]+", "-", load.label).strip("-") + ".txt")
        out.parent.mkdir(parents=True, exist_ok=True)
        pid = load.server.worker_pids()[0]
        cmd = [
            spy,
            "record",
            "--nonblocking",
            "--gil",  # only the thread holding the GIL: where the worker's CPU goes, not who waits
            "-r",
            "200",
            "-f",
            "raw",
            "-d",
            str(seconds),
            "-p",
            str(pid),
            "-o",
            str(out),
        ]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            yield
        finally:
            proc.wait(timeout=seconds + 30)

    def once(self, load: Load, *, seconds: int | None = None) -> Result:
        """One run of one load (memory phases)."""
        result = Result(load.label)
        result.runs.append(self.run_wrk(load, seconds or self.seconds))
        return result

    # --- files for the Lua scripts ------------------------------------------------------------

    def tmp_file(self, data: bytes | str, suffix: str = "") -> str:
        """A file under .bench-tmp/ (removed at the end of the run) for a script to read."""
        TMP_DIR.mkdir(exist_ok=True)
        fd, path = tempfile.mkstemp(dir=TMP_DIR, suffix=suffix)
        with os.fdopen(fd, "wb") as out:
            out.write(data.encode() if isinstance(data, str) else data)
        return path


class RssSampler:
    """The highest current RSS (VmRSS) of a server's workers, sampled every 50 ms while running."""

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


# The services a request may spend CPU in besides the server, by process name (/proc/<pid>/comm).
SERVICES = {"postgres": "postgres", "redis-server": "redis", "weed": "s3"}
_TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int | str, *, reaped: bool = False) -> float:
    """utime + stime of a process, in seconds (0 when it is gone); `reaped` adds its children's
    that it has waited for (gunicorn's master: the workers max_requests has retired)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(n) for n in fields[11 : 15 if reaped else 13]) / _TICK


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_seconds(server: Server) -> dict[str, float]:
    """CPU seconds so far of the server's workers ("app") and of each service on this machine
    (PostgreSQL's backends, Redis, SeaweedFS; wrk is counted by run_wrk). A process that exits
    during a round is counted through the parent that reaped it: a worker retired by
    max_requests through gunicorn's master, a PostgreSQL backend through the postmaster."""
    totals = {"app": _cpu(server.master_pid, reaped=True) + sum(_cpu(pid) for pid in server.worker_pids())}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            kind = SERVICES.get((proc / "comm").read_text().strip())
        except OSError:
            continue
        if kind:
            totals[kind] = totals.get(kind, 0.0) + _cpu(proc.name, reaped=True)
    return totals


def _vm_rss_kib(pid: int) -> int:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in lines if line.startswith("VmRSS:")), 0)


SUMMARY: list[tuple[str, str]] = []  # (area, ratio line), printed again at the end of the run


def title(text: str) -> None:
    print(f"\n== {text}", flush=True)
    SUMMARY.append((text.split(":", 1)[0], ""))


def ratio(label: str, value: float, baseline: float, *, goal: str = "") -> float:
    """Print value/baseline with the goal beside it; returns the ratio."""
    r = value / baseline if baseline else float("nan")
    line = f"  {label:<38} {r:8.2f}   {goal}"
    print(line, flush=True)
    SUMMARY.append((SUMMARY[-1][0] if SUMMARY else "", line))
    return r


def summary() -> None:
    lines = [f"{area:<10}{line}" for area, line in SUMMARY if line]
    if lines:
        print("\n== summary (ratios to the bare app, same run)\n" + "\n".join(lines), flush=True)


def figure(label: str, value: float, unit: str, *, goal: str = "") -> None:
    print(f"  {label:<38} {value:8.2f} {unit}   {goal}", flush=True)


def elapsed(started: float) -> str:
    return f"{time.monotonic() - started:.1f} s"
