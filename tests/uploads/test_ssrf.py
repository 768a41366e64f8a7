"""The SSRF policy on its own: which addresses are public, which URL shapes are refused."""

import ipaddress

import pytest

from uploads import ssrf

REFUSED_ADDRESSES = [
    "127.0.0.1",
    "127.255.255.254",  # loopback
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",  # private
    "169.254.169.254",
    "169.254.0.1",  # link-local, cloud metadata
    "100.64.0.1",
    "100.127.255.255",  # CGNAT
    "0.0.0.0",
    "0.1.2.3",  # unspecified, "this network"
    "224.0.0.1",
    "239.255.255.250",  # multicast
    "240.0.0.1",
    "255.255.255.255",  # reserved, broadcast
    "192.0.2.1",
    "198.51.100.7",
    "203.0.113.9",  # documentation
    "198.18.0.1",
    "198.19.255.255",  # benchmarking
    "192.0.0.8",
    "192.88.99.1",  # IETF assignments, 6to4 relay
    "::1",
    "::",  # loopback, unspecified
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254",  # link-local, unique-local (AWS metadata)
    "ff02::1",
    "ff0e::1",  # multicast
    "2001:db8::1",
    "3fff::1",  # documentation
    "2001:2::1",
    "100::1",
    "fec0::1",
    "5f00::1",  # benchmarking, discard, site-local, SRv6
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",  # IPv4-mapped
    "64:ff9b::7f00:1",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b::a00:1",  # NAT64 well-known prefix
    "64:ff9b:1::808:808",  # NAT64 local-use prefix
    "2002:7f00:1::1",
    "2002:a9fe:a9fe::1",
    "2002:c0a8:101::1",  # 6to4
    "2001::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "::7f00:1",
    "::a9fe:a9fe",  # IPv4-compatible (deprecated)
]

PUBLIC_ADDRESSES = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "100.128.0.1",
    "198.20.0.1",
    "172.32.0.1",
    "2606:4700:4700::1111",
    "2001:4860:4860::8888",
    "2a00:1450:4001:80b::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
]


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_non_public_addresses_are_refused(address):
    assert ssrf.address_refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_public_addresses_are_allowed(address):
    assert ssrf.address_refusal(ipaddress.ip_address(address)) is None


def test_allowed_networks_exempt_only_what_they_list():
    allowed = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("fd12::/16"))
    assert ssrf.address_refusal(ipaddress.ip_address("127.0.0.1"), allowed) is None
    assert ssrf.address_refusal(ipaddress.ip_address("fd12::5"), allowed) is None
    assert ssrf.address_refusal(ipaddress.ip_address("10.0.0.1"), allowed) is not None
    assert ssrf.address_refusal(ipaddress.ip_address("::1"), allowed) is not None


REFUSED_URLS = [
    "",
    " ",
    "example.com/a.png",
    "//example.com/a.png",
    "/a.png",
    "ftp://example.com/a.png",
    "file:///etc/passwd",
    "gopher://example.com/",
    "javascript:alert(1)",
    "data:image/png;base64,iVBORw0KGgo=",
    "http:/example.com/a.png",
    "http:///a.png",
    "http://:80/",
    "http://user@example.com/a.png",
    "http://user:pw@example.com/a.png",
    "http://@example.com/",
    "http://127.0.0.1\\@evil.com/",
    "http://evil.com\\@127.0.0.1/",
    "http:\\\\example.com\\a.png",
    "http://example.com\\a.png",
    "http://exa mple.com/",
    "http://example.com/a b.png",
    "http://example.com/\ta.png",
    "\nhttp://example.com/a.png",
    "http://example.com/a.png\r\n",
    "http://example.com/\x00.png",
    "http://example.com/\x7f",
    "http://example.com/\u200b.png",
    "http://example.com/\u00a0.png",
    "http://example.com:99999/",
    "http://[::1/",
    "http://exa%6Dple.com/",
    "http://1.2.3.4.5/",
    "http://256.1.1.1/",
    "http://09/",
    "http://example.com/" + "a" * 2048,
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_url_shapes_that_are_never_fetched(url):
    with pytest.raises(ssrf.UrlRefused):
        ssrf.check_url(url)


@pytest.mark.parametrize("value", [None, 42, ["http://example.com/a.png"], {"url": "x"}])
def test_an_image_url_that_is_not_a_string_is_refused(value):
    with pytest.raises(ssrf.UrlRefused):
        ssrf.check_url(value)


@pytest.mark.parametrize(
    ("url", "host", "port"),
    [
        ("https://example.com/a.png", "example.com", None),
        ("http://example.com:8080/x?y=1#z", "example.com", 8080),
        ("HTTPS://EXAMPLE.COM/a.png", "example.com", None),
        ("http://[2606:4700::1111]:81/a.png", "[2606:4700::1111]", 81),
        ("http://images.example.com:1/a.png", "images.example.com", 1),
    ],
)
def test_absolute_http_urls_with_any_port_pass_the_shape_check(url, host, port):
    parsed = ssrf.check_url(url)
    assert (parsed.host, parsed.port) == (host, port)


@pytest.mark.parametrize(
    "host", ["2130706433", "0x7f.1", "017700000001", "127.1", "0x7f000001", "0177.0.0.1", "127.0.0.1."]
)
def test_numeric_ipv4_spellings_mean_the_address_the_os_would_connect_to(host):
    assert ssrf.literal_address(host) == ipaddress.IPv4Address("127.0.0.1")


@pytest.mark.parametrize("host", ["1.2.3.4.5", "256.256.256.256", "09", "0x1.09", "4294967296"])
def test_malformed_numeric_hosts_are_refused(host):
    with pytest.raises(ssrf.UrlRefused):
        ssrf.literal_address(host)


@pytest.mark.parametrize("host", ["example.com", "images.1example.com", "a1.b2", "[::1]"])
def test_names_are_left_to_the_resolver(host):
    literal = ssrf.literal_address(host)
    assert literal is None or literal == ipaddress.ip_address("::1")


def test_the_deny_list_wins_over_the_allowed_list():
    wire = ipaddress.ip_address("168.63.129.16")
    assert ssrf.address_refusal(wire) is None  # public on paper
    denied = (ipaddress.ip_network("168.63.129.16/32"),)
    assert ssrf.address_refusal(wire, (ipaddress.ip_network("0.0.0.0/0"),), denied) is not None
    assert ssrf.address_refusal(ipaddress.ip_address("168.63.129.17"), (), denied) is None
