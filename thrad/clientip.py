"""The caller's address: the socket peer, or behind a trusted proxy the right-most untrusted hop."""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_ip(value: str) -> IPAddress | None:
    """An address with IPv4-mapped IPv6 (`::ffff:a.b.c.d`) unwrapped; None when malformed."""
    try:
        address = ipaddress.ip_address(value.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def parse_networks(cidrs: list[str] | tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """Networks from CIDR strings; raises ValueError naming the first bad one."""
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(cidr.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"{cidr!r} is not a valid IP network") from exc
    return tuple(networks)


def in_networks(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


@lru_cache(maxsize=8)
def _trusted(cidrs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return parse_networks(cidrs)


def client_ip(request: HttpRequest) -> IPAddress | None:
    peer = parse_ip(request.META.get("REMOTE_ADDR", ""))
    trusted = _trusted(tuple(settings.TRUSTED_PROXY_CIDRS))
    if peer is None or not in_networks(peer, trusted):
        return peer
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        address = parse_ip(hop)
        if address is None:
            return peer  # a garbled chain: believe only what we saw ourselves
        if not in_networks(address, trusted):
            return address
    return parse_ip(hops[0]) if hops else peer  # every hop is a trusted proxy


def request_ip(request: HttpRequest) -> str | None:
    """The caller's address as text, for audit entries; None when unknown."""
    address = client_ip(request)
    return str(address) if address else None
