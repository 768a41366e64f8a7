"""The guard where the HTTP client connects: stub resolvers, recorded connects, pinned addresses.

Every socket.connect in this process is recorded through an audit hook while a test watches,
so "no connection was made to a refused address" is observed, not assumed.
"""

import io
import ipaddress
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.uploads.upload_helpers import image_bytes, image_host, serve
from uploads.fetch import FetchError, FetchPolicy, fetch

PNG = image_bytes("PNG")
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)

_watching: list[list[tuple[str, int]]] = []


def _audit(event: str, args: tuple) -> None:
    if event == "socket.connect" and _watching and isinstance(args[1], tuple):
        _watching[-1].append((str(args[1][0]), int(args[1][1])))


sys.addaudithook(_audit)


@contextmanager
def connects() -> Iterator[list[tuple[str, int]]]:
    """Every (address, port) this process connects to inside the block."""
    seen: list[tuple[str, int]] = []
    _watching.append(seen)
    try:
        yield seen
    finally:
        _watching.remove(seen)


def policy(allowed=(), deadline: float = 20.0) -> FetchPolicy:
    return FetchPolicy(
        max_bytes=5 * 1024 * 1024,
        deadline=time.time() + deadline,
        connect_timeout=5,
        read_timeout=5,
        allowed=tuple(allowed),
    )


class Resolver:
    """A stub DNS: answers each lookup with the next list of `answers` (the last one repeats)."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        answer = self.answers[min(len(self.calls), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer


def fetch_code(url: str, **kwargs) -> str:
    with pytest.raises(FetchError) as caught:
        fetch(url, io.BytesIO(), **kwargs)
    return caught.value.error.code


@pytest.mark.parametrize(
    "answer",
    [
        ["10.0.0.5"],
        ["127.0.0.1"],
        ["169.254.169.254"],
        ["fd00:ec2::254"],
        ["::ffff:127.0.0.1"],
        ["64:ff9b::a9fe:a9fe"],
        ["2002:7f00:1::1"],
        ["::1"],
        ["100.64.1.1"],
        ["0.0.0.0"],
    ],
)
def test_a_name_resolving_to_a_private_address_is_refused_without_connecting(answer):
    resolver = Resolver(answer)
    with connects() as seen:
        assert fetch_code("http://images.example.com/a.png", policy=policy(), resolve=resolver) == "invalid_image_url"
    assert seen == []
    assert resolver.calls == ["images.example.com"]


def test_mixed_public_and_private_records_are_refused_without_any_connection():
    resolver = Resolver(["93.184.216.34", "10.1.2.3", "2606:2800:220:1::1"])
    with connects() as seen:
        assert fetch_code("https://images.example.com/a.png", policy=policy(), resolve=resolver) == "invalid_image_url"
    assert seen == []


def test_a_rebinding_resolver_gets_one_question_and_the_checked_address_is_used():
    resolver = Resolver(["127.0.0.1"], ["169.254.169.254"])
    with image_host({"/a.png": serve(PNG)}) as host, connects() as seen:
        out = io.BytesIO()
        fetch(f"http://rebind.example.com:{host.port}/a.png", out, policy=policy(LOOPBACK), resolve=resolver)
    assert out.getvalue() == PNG
    assert resolver.calls == ["rebind.example.com"]
    assert seen == [("127.0.0.1", host.port)]


def test_a_rebinding_resolver_that_answers_private_first_is_refused_outright():
    resolver = Resolver(["169.254.169.254"], ["127.0.0.1"])
    with image_host({"/a.png": serve(PNG)}) as host, connects() as seen:
        code = fetch_code(f"http://rebind.example.com:{host.port}/a.png", policy=policy(LOOPBACK), resolve=resolver)
    assert code == "invalid_image_url"
    assert seen == []
    assert host.requests == []


def test_the_connection_goes_to_the_checked_address_with_the_original_host_header():
    resolver = Resolver(["127.0.0.1"])
    with image_host({"/a.png": serve(PNG)}) as host, connects() as seen:
        fetch(
            f"http://images.example.com:{host.port}/a.png?v=2",
            io.BytesIO(),
            policy=policy(LOOPBACK),
            resolve=resolver,
        )
    assert seen == [("127.0.0.1", host.port)]
    path, headers = host.requests[0]
    assert path == "/a.png?v=2"
    assert headers["Host"] == f"images.example.com:{host.port}"


@pytest.mark.parametrize("spelling", ["2130706433", "0x7f.1", "017700000001", "127.1", "0x7f000001"])
def test_numeric_ipv4_spellings_are_refused_as_loopback(spelling):
    resolver = Resolver(["8.8.8.8"])
    with connects() as seen:
        assert fetch_code(f"http://{spelling}/a.png", policy=policy(), resolve=resolver) == "invalid_image_url"
    assert seen == [] and resolver.calls == []


@pytest.mark.parametrize("spelling", ["2130706433", "0x7f.1", "017700000001"])
def test_numeric_ipv4_spellings_connect_to_exactly_the_address_that_was_checked(spelling):
    with image_host({"/a.png": serve(PNG)}) as host, connects() as seen:
        out = io.BytesIO()
        fetch(f"http://{spelling}:{host.port}/a.png", out, policy=policy(LOOPBACK), resolve=Resolver([]))
    assert out.getvalue() == PNG
    assert seen == [("127.0.0.1", host.port)]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/a.png",
        "http://[::1]/a.png",
        "http://[::ffff:127.0.0.1]/a.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[64:ff9b::7f00:1]/",
        "http://[2002:a9fe:a9fe::]/",
        "http://0.0.0.0:80/",
        "http://127.0.0.1\\@evil.example/",
        "http://evil.example\\@127.0.0.1/",
        "http://user@127.0.0.1/",
    ],
)
def test_literal_and_tricky_urls_are_refused_without_resolving_or_connecting(url):
    resolver = Resolver(["127.0.0.1"])
    with connects() as seen:
        assert fetch_code(url, policy=policy(), resolve=resolver) == "invalid_image_url"
    assert seen == [] and resolver.calls == []


@pytest.mark.parametrize("answer", [[], socket.gaierror(socket.EAI_NONAME, "Name or service not known")])
def test_a_name_that_does_not_resolve_is_an_invalid_image_url(answer):
    assert (
        fetch_code("http://nowhere.example.com/a.png", policy=policy(), resolve=Resolver(answer)) == "invalid_image_url"
    )


def test_proxy_environment_variables_are_ignored(monkeypatch):
    with image_host({"/a.png": serve(PNG)}) as host, image_host({}) as proxy:
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, proxy.url("/"))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        out = io.BytesIO()
        fetch(host.url("/a.png"), out, policy=policy(LOOPBACK))
    assert out.getvalue() == PNG
    assert proxy.requests == []


# --- TLS: the pinned connection still verifies the certificate for the name, and sends it as SNI


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=images.test",
            "-addext",
            "subjectAltName=DNS:images.test",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@contextmanager
def tls_host(certificate: tuple[Path, Path]) -> Iterator[tuple[object, list[str | None]]]:
    names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    with image_host({"/a.png": serve(PNG)}, tls=context) as host:
        yield host, names


def test_https_through_the_pinned_address_sends_sni_and_verifies_the_name(certificate):
    resolver = Resolver(["127.0.0.1"])
    with tls_host(certificate) as (host, names), connects() as seen:
        out = io.BytesIO()
        fetch(
            f"https://images.test:{host.port}/a.png",
            out,
            policy=policy(LOOPBACK),
            resolve=resolver,
            ca_certs=str(certificate[0]),
        )
    assert out.getvalue() == PNG
    assert names == ["images.test"]
    assert seen == [("127.0.0.1", host.port)]


def test_https_to_a_name_the_certificate_does_not_cover_fails(certificate):
    resolver = Resolver(["127.0.0.1"])
    with tls_host(certificate) as (host, names):
        code = fetch_code(
            f"https://other.test:{host.port}/a.png",
            policy=policy(LOOPBACK),
            resolve=resolver,
            ca_certs=str(certificate[0]),
        )
    assert code == "image_fetch_failed"
    assert host.requests == []


def test_https_with_an_untrusted_certificate_fails(certificate):
    resolver = Resolver(["127.0.0.1"])
    with tls_host(certificate) as (host, _):
        code = fetch_code(f"https://images.test:{host.port}/a.png", policy=policy(LOOPBACK), resolve=resolver)
    assert code == "image_fetch_failed"
    assert host.requests == []


@pytest.mark.parametrize("answer", [["10.0.0.1"], ["192.168.7.7"], ["fd00::1234"], ["93.184.216.34", "10.9.8.7"]])
def test_a_refused_address_is_not_named_in_the_message(answer):
    with connects() as seen:
        with pytest.raises(FetchError) as caught:
            fetch("http://intranet.example.com/a.png", io.BytesIO(), policy=policy(), resolve=Resolver(answer))
    assert caught.value.error.code == "invalid_image_url"
    assert "never fetched" in caught.value.message
    for address in answer:
        assert address not in caught.value.message
    assert seen == []


WIRE_SERVER = ipaddress.ip_network("168.63.129.16/32")


@pytest.mark.parametrize("url", ["http://168.63.129.16/machine?comp=goalstate", "http://wire.example.com/a.png"])
def test_the_deny_list_refuses_a_public_address_even_when_everything_is_allowed(url):
    everything = (ipaddress.ip_network("0.0.0.0/0"),)
    denying = FetchPolicy(max_bytes=1024, deadline=time.time() + 5, allowed=everything, denied=(WIRE_SERVER,))
    with connects() as seen:
        with pytest.raises(FetchError) as caught:
            fetch(url, io.BytesIO(), policy=denying, resolve=Resolver(["168.63.129.16"]))
    assert caught.value.error.code == "invalid_image_url"
    assert "168.63.129.16" not in caught.value.message
    assert seen == []


def test_the_deny_list_travels_to_the_worker_with_the_policy():
    denying = FetchPolicy(max_bytes=1024, deadline=time.time() + 5, denied=(WIRE_SERVER,))
    assert FetchPolicy.from_json(denying.as_json()).denied == (WIRE_SERVER,)
