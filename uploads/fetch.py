"""The SSRF-guarded HTTP fetch of an image URL (no settings or models: the policy is passed in;
failures are `V1Error` members).

urllib3 both parses the URL and connects, so the host we check is the host the client uses.
Inside the connection's connect step the host is resolved once (an injectable resolver), every
address is checked with `ssrf.address_refusal`, and the socket connects to a checked address
itself: no second lookup a rebinding DNS server could answer differently. TLS still verifies
the certificate for the host name and sends it as SNI; the Host header keeps the name too.
No redirects, no proxies (urllib3 never reads proxy env vars), connect and read timeouts, and
a total deadline that really is total: a timer shuts the connection's socket down when it
passes, whatever the host is doing (connecting, trickling the status line or headers a byte at a
time, sending `100 Continue` forever, or a slow body). The body is streamed to a file and cut
past `max_bytes`.
"""

import ipaddress
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

import certifi
import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import HTTPError

from thrad.errors import V1Error
from uploads import ssrf

logger = logging.getLogger(__name__)

Resolver = Callable[[str, int], list[str]]
CHUNK_SIZE = 64 * 1024
USER_AGENT = "Thrad-ImageFetcher/1.0"


class FetchError(Exception):
    """`error` is the contract's code (a V1Error member); `message` is safe to show to the caller.
    A task result carries `error.code`, read back with `V1Error.from_code`."""

    def __init__(self, error: V1Error, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


class AddressRefused(FetchError):
    def __init__(self, message: str) -> None:
        super().__init__(V1Error.INVALID_IMAGE_URL, message)


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of one fetch. `deadline` is a Unix time so it means the same in every process."""

    max_bytes: int
    deadline: float
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    allowed: tuple[ssrf.IPNetwork, ...] = field(default=())
    denied: tuple[ssrf.IPNetwork, ...] = field(default=())

    def remaining(self) -> float:
        left = self.deadline - time.time()
        if left <= 0:
            raise FetchError(V1Error.IMAGE_FETCH_FAILED, "Fetching the image took too long.")
        return left

    def as_json(self) -> dict[str, Any]:
        return {
            "max_bytes": self.max_bytes,
            "deadline": self.deadline,
            "connect_timeout": self.connect_timeout,
            "read_timeout": self.read_timeout,
            "allowed": [str(n) for n in self.allowed],
            "denied": [str(n) for n in self.denied],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "FetchPolicy":
        allowed = tuple(ipaddress.ip_network(n) for n in data.get("allowed", ()))
        denied = tuple(ipaddress.ip_network(n) for n in data.get("denied", ()))
        return cls(
            max_bytes=int(data["max_bytes"]),
            deadline=float(data["deadline"]),
            connect_timeout=float(data["connect_timeout"]),
            read_timeout=float(data["read_timeout"]),
            allowed=allowed,
            denied=denied,
        )


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (one lookup)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass
class AddressGuard:
    """Resolves a host once, refuses it unless every address is allowed, connects to those.
    Keeps its own duplicate of each socket's descriptor (closed by `done()`), so `cut()` at the
    deadline always reaches the fetch's socket, never a descriptor number reused since."""

    policy: FetchPolicy
    resolve: Resolver = system_resolve
    _fds: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _state: str = "running"  # running → cut (deadline passed) or done (the fetch returned)

    def cut(self) -> None:
        """The deadline passed: shut every socket down, so any blocked read returns at once."""
        with self._lock:
            if self._state != "running":
                return
            self._state = "cut"
            for fd in self._fds:
                try:
                    with socket.socket(fileno=os.dup(fd)) as sock:
                        sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def done(self) -> bool:
        """The fetch is over (its sockets may close now); True if the deadline cut it."""
        with self._lock:
            was_cut = self._state == "cut"
            self._state = "done"
            for fd in self._fds:
                os.close(fd)
            self._fds.clear()
            return was_cut

    def addresses(self, host: str, port: int) -> list[ssrf.IPAddress]:
        try:
            literal = ssrf.literal_address(host)
        except ssrf.UrlRefused as exc:
            raise AddressRefused(exc.message) from exc
        if literal is not None:
            found = [literal]
        else:
            found = [ipaddress.ip_address(a.split("%", 1)[0]) for a in self._lookup(host, port)]
        for address in found:
            refusal = ssrf.address_refusal(address, self.policy.allowed, self.policy.denied)
            if refusal:
                # What a name resolves to stays here: the caller must not map internal DNS.
                logger.info("image fetch refused: %s resolves to %s", host, refusal)
                raise AddressRefused("The image host resolves to an address that is never fetched.")
        return found

    def _lookup(self, host: str, port: int) -> list[str]:
        try:
            found = self.resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise FetchError(V1Error.INVALID_IMAGE_URL, "The image host name does not resolve.") from exc
        if not found:
            raise FetchError(V1Error.INVALID_IMAGE_URL, "The image host name does not resolve.")
        return found

    def connect(self, host: str, port: int, timeout: float | None, options: Any) -> socket.socket:
        last_error: OSError | None = None
        for address in self.addresses(host, port):
            family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                for option in options or ():
                    sock.setsockopt(*option)
                with self._lock:
                    if self._state != "running":
                        raise FetchError(V1Error.IMAGE_FETCH_FAILED, "Fetching the image took too long.")
                    self._fds.append(os.dup(sock.fileno()))
                sock.settimeout(min(timeout or self.policy.connect_timeout, self.policy.remaining()))
                sock.connect((str(address), port))
                return sock
            except OSError as exc:
                sock.close()
                last_error = exc
        raise FetchError(V1Error.IMAGE_FETCH_FAILED, "Could not connect to the image host.") from last_error


class _GuardedConnectionMixin:
    guard: AddressGuard

    def _new_conn(self) -> socket.socket:
        conn: Any = self
        return self.guard.connect(conn._dns_host, conn.port, conn.timeout, conn.socket_options)


class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


def _pool(url: urllib3.util.Url, guard: AddressGuard, ca_certs: str | None) -> urllib3.HTTPConnectionPool:
    host, port = url.host or "", url.port or (443 if url.scheme == "https" else 80)
    if url.scheme == "https":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            host, port, maxsize=1, cert_reqs="CERT_REQUIRED", ca_certs=ca_certs or certifi.where()
        )
        pool.ConnectionCls = type("Conn", (GuardedHTTPSConnection,), {"guard": guard})
    else:
        pool = urllib3.HTTPConnectionPool(host, port, maxsize=1)
        pool.ConnectionCls = type("Conn", (GuardedHTTPConnection,), {"guard": guard})
    return pool


def fetch(
    url: str, out: IO[bytes], *, policy: FetchPolicy, resolve: Resolver = system_resolve, ca_certs: str | None = None
) -> int:
    """Stream the body of `url` into `out` under `policy`; the number of bytes, or FetchError.
    TLS certificates are checked against `ca_certs` (default: certifi's bundle)."""
    try:
        parsed = ssrf.check_url(url)
    except ssrf.UrlRefused as exc:
        raise FetchError(V1Error.INVALID_IMAGE_URL, exc.message) from exc
    guard = AddressGuard(policy, resolve)
    pool = _pool(parsed, guard, ca_certs)
    timer = threading.Timer(max(0.0, policy.deadline - time.time()), guard.cut)
    timer.daemon = True
    timer.start()
    try:
        response = _request(pool, parsed.request_uri, policy)
        try:
            size = _read_body(response, out, policy)
        finally:
            response.close()
            response.release_conn()
    except FetchError as exc:
        if guard.done():
            raise FetchError(V1Error.IMAGE_FETCH_FAILED, "Fetching the image took too long.") from exc
        raise
    else:
        if guard.done():  # a cut can also look like a short answer that ended
            raise FetchError(V1Error.IMAGE_FETCH_FAILED, "Fetching the image took too long.")
        return size
    finally:
        timer.cancel()
        guard.done()
        pool.close()


def _request(pool: urllib3.HTTPConnectionPool, path: str, policy: FetchPolicy) -> Any:
    timeout = urllib3.Timeout(
        connect=min(policy.connect_timeout, policy.remaining()), read=min(policy.read_timeout, policy.remaining())
    )
    headers = {"User-Agent": USER_AGENT, "Accept": "image/png, image/jpeg, image/webp", "Accept-Encoding": "identity"}
    try:
        response = pool.urlopen(
            "GET",
            path,
            headers=headers,
            redirect=False,
            retries=False,
            timeout=timeout,
            preload_content=False,
            decode_content=False,
            assert_same_host=False,
        )
    except (HTTPError, OSError) as exc:
        raise FetchError(V1Error.IMAGE_FETCH_FAILED, "The image could not be fetched.") from exc
    if 300 <= response.status < 400:
        response.close()
        raise FetchError(
            V1Error.TOO_MANY_REDIRECTS, "The image URL answered with a redirect; redirects are not followed."
        )
    if not 200 <= response.status < 300:
        response.close()
        raise FetchError(V1Error.IMAGE_FETCH_FAILED, f"The image URL answered with HTTP status {response.status}.")
    return response


def _too_large(policy: FetchPolicy) -> FetchError:
    return FetchError(V1Error.FILE_TOO_LARGE, f"The image is larger than {policy.max_bytes} bytes.")


def _read_body(response: Any, out: IO[bytes], policy: FetchPolicy) -> int:
    declared = response.headers.get("Content-Length", "")
    if declared.strip().isdigit() and int(declared) > policy.max_bytes:
        raise _too_large(policy)
    total = 0
    sock = getattr(response.connection, "sock", None)
    while True:
        if sock is not None:  # no single read may outlive the deadline
            sock.settimeout(min(policy.read_timeout, policy.remaining()))
        try:
            chunk = response.read1(CHUNK_SIZE)
        except (HTTPError, OSError) as exc:
            raise FetchError(V1Error.IMAGE_FETCH_FAILED, "The image download failed or timed out.") from exc
        if not chunk:
            return total
        total += len(chunk)
        if total > policy.max_bytes:
            raise _too_large(policy)
        out.write(chunk)
        policy.remaining()
