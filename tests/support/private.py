"""Private instances of the real services, on their own ports, for tests that break them.

Each one is started by the test set-up, owned by it, and can be stopped, paused (SIGSTOP),
resumed and restarted; the shared services on 5432/6379/5672/8333 are never touched.

- `PrivateRedis`: redis-server without persistence.
- `PrivatePostgres`: `initdb` into a temp dir and `pg_ctl` as the `postgres` user.
- `PrivateSeaweed`: SeaweedFS from .venv/bin/weed via .ci/seaweedfs.sh.
- `TcpProxy`: a loopback TCP relay whose server→client direction can be held, to make a store
  that stops answering half-way through a response (mid-read, or after a PUT was stored).
"""

import hashlib
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from tests.support.servers import BASE_DIR

SEAWEED = BASE_DIR / ".ci" / "seaweedfs.sh"
PG_BIN = Path("/usr/lib/postgresql")


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout}s")
        time.sleep(0.1)


def checkout_offset(salt: str, span: int) -> int:
    """A number in [0, span) fixed for this checkout, so two checkouts pick different ports."""
    return int(hashlib.sha1(f"{BASE_DIR}:{salt}".encode()).hexdigest(), 16) % span  # noqa: S324


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                children = [int(p) for p in task.read_text().split()]
            except OSError:
                children = []
            found.extend(children)
            todo.extend(children)
    return found


def _signal_tree(pid: int, sig: int) -> None:
    for target in [pid, *_descendants(pid)]:
        try:
            os.kill(target, sig)
        except ProcessLookupError:
            pass


class PrivateRedis:
    def __init__(self, port: int) -> None:
        self.port = port
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: port_open(self.port), 10, "redis did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            self.proc.wait(timeout=10)
        wait_until(lambda: not port_open(self.port), 10, "redis did not stop")

    def pause(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)


class PrivatePostgres:
    """A throw-away cluster: trust auth on loopback, no fsync (tests only)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix=f"thrad-pg-{port}-"))
        self.data = self.root / "data"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/thrad"

    @staticmethod
    def _bin(name: str) -> str:
        versions = sorted(PG_BIN.glob(f"*/bin/{name}"))
        return str(versions[-1]) if versions else name

    def _as_postgres(self, *cmd: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        shutil.chown(self.root, "postgres", "postgres")
        self._as_postgres(self._bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        subprocess.run(
            [self._bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "thrad"],
            check=True,
            capture_output=True,
            timeout=30,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._as_postgres(
            self._bin("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-w",
            "-t",
            "30",
            "-l",
            str(self.root / "log"),
            "start",
        )

    def stop(self) -> None:
        self.resume()
        self._as_postgres(self._bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")
        wait_until(lambda: not port_open(self.port), 10, "postgres did not stop")

    def _pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def pause(self) -> None:
        """SIGSTOP the postmaster and every backend: the server hangs, the kernel still ACKs."""
        _signal_tree(self._pid(), signal.SIGSTOP)

    def resume(self) -> None:
        try:
            _signal_tree(self._pid(), signal.SIGCONT)
        except (FileNotFoundError, ValueError):
            pass

    def destroy(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class PrivateSeaweed:
    """SeaweedFS all-in-one (master, volume, filer, S3) on ports derived from the S3 port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.started = False

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ports(self) -> list[int]:
        off = self.port - 8333
        return [p + off for p in (8333, 19333, 18080, 18888)] + [p + off + 10000 for p in (8333, 19333, 18080, 18888)]

    def _weed(self, command: str, **env: str) -> None:
        subprocess.run(
            ["bash", str(SEAWEED), command, str(self.port)],
            check=True,
            timeout=120,
            capture_output=True,
            env={**os.environ, **env},
        )

    def start(self) -> None:
        """Start on fresh data the first time, on the data it had after that (a restart)."""
        self._weed("start", SEAWEED_KEEP_DATA="1" if self.started else "0")
        self.started = True

    def stop(self) -> None:
        """SIGTERM, and SIGKILL if it is still there after 3 s (its graceful stop takes ~30 s)."""
        self.resume()
        pid = self._pid()
        _signal_tree(pid, signal.SIGTERM)
        deadline = time.monotonic() + 3
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        _signal_tree(pid, signal.SIGKILL)
        wait_until(lambda: not port_open(self.port), 30, "SeaweedFS did not stop")

    def _pid(self) -> int:
        return int(Path(f"/tmp/thrad-seaweedfs-{self.port}/pid").read_text())

    def destroy(self) -> None:
        """Kill it (no graceful stop: its data goes too)."""
        try:
            _signal_tree(self._pid(), signal.SIGKILL)
        except (FileNotFoundError, ValueError):
            pass
        wait_until(lambda: not port_open(self.port), 30, "SeaweedFS did not die")
        shutil.rmtree(f"/tmp/thrad-seaweedfs-{self.port}", ignore_errors=True)

    def pause(self) -> None:
        _signal_tree(self._pid(), signal.SIGSTOP)

    def resume(self) -> None:
        try:
            _signal_tree(self._pid(), signal.SIGCONT)
        except (FileNotFoundError, ValueError):
            pass


class TcpProxy:
    """Relays 127.0.0.1:port to 127.0.0.1:upstream. `hold(after=n)` lets n more bytes of the
    server's answers through, then keeps the rest in the proxy (the client sees a store that
    stopped mid-answer) until `release()`; `sent_up` counts client → server bytes since, and
    `holding` is set once server bytes are being kept back."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sent_up = 0
        self.holding = threading.Event()  # set once some server bytes are being kept back
        self._budget: int | None = None  # None: relay everything
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def hold(self, after: int = 0) -> None:
        with self._lock:
            self.sent_up = 0
            self.holding.clear()
            self._budget = after

    def release(self) -> None:
        with self._lock:
            self._budget = None

    def close(self) -> None:
        self._closed = True
        self.listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _passable(self, pending: bytes) -> bytes:
        with self._lock:
            if self._budget is None:
                return pending
            out = pending[: self._budget]
            self._budget -= len(out)
            if len(out) < len(pending):
                self.holding.set()
            return out

    def _relay(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(("127.0.0.1", self.upstream), timeout=5)
        except OSError:
            client.close()
            return
        pending, server_done = b"", False
        try:
            while not self._closed:
                watched = [client] if server_done else [client, server]
                readable, _, _ = select.select(watched, [], [], 0.05)
                if client in readable:
                    data = client.recv(65536)
                    if not data:
                        break
                    server.sendall(data)
                    with self._lock:
                        self.sent_up += len(data)
                if server in readable:
                    data = server.recv(65536)
                    server_done = not data
                    pending += data
                if pending:
                    out = self._passable(pending)
                    if out:
                        client.sendall(out)
                        pending = pending[len(out) :]
                if server_done and not pending:
                    break
        except OSError:
            pass
        finally:
            client.close()
            server.close()
