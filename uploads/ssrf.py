"""Which URLs and addresses a server-side fetch may reach (pure policy, no I/O, no Django).

Used by `uploads/fetch.py`, which applies `address_refusal` inside the HTTP client's connect
step, on the exact host the client connects to, and then connects to that checked address.
"""

import ipaddress
import string
import unicodedata
from collections.abc import Iterable

from urllib3.exceptions import LocationParseError
from urllib3.util import Url, parse_url

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_URL_LENGTH = 2048

# IPv4 ranges that are not globally reachable (IANA special-purpose registry), plus multicast.
_BLOCKED_V4 = tuple(ipaddress.IPv4Network(n) for n in (
    "0.0.0.0/8",        # "this network", unspecified
    "10.0.0.0/8",       # private
    "100.64.0.0/10",    # CGNAT shared address space
    "127.0.0.0/8",      # loopback
    "169.254.0.0/16",   # link-local, cloud metadata (169.254.169.254)
    "172.16.0.0/12",    # private
    "192.0.0.0/24",     # IETF protocol assignments
    "192.0.2.0/24",     # documentation TEST-NET-1
    "192.88.99.0/24",   # 6to4 relay anycast (deprecated)
    "192.168.0.0/16",   # private
    "198.18.0.0/15",    # benchmarking
    "198.51.100.0/24",  # documentation TEST-NET-2
    "203.0.113.0/24",   # documentation TEST-NET-3
    "224.0.0.0/4",      # multicast
    "240.0.0.0/4",      # reserved, and 255.255.255.255 broadcast
))  # fmt: skip

# Only global unicast (2000::/3) may be reached, minus these; embedded forms are judged apart.
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
_BLOCKED_V6 = tuple(ipaddress.IPv6Network(n) for n in (
    "2001::/23",        # IETF protocol assignments: Teredo 2001::/32, benchmarking 2001:2::/48, ORCHID
    "2001:db8::/32",    # documentation
    "3fff::/20",        # documentation
))  # fmt: skip
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # the well-known prefix; 64:ff9b:1::/48 is local-use
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")


class UrlRefused(Exception):
    """The URL may not be fetched; `message` is safe to show to the caller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _has_forbidden_char(url: str) -> bool:
    for char in url:
        if char == "\\" or char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F:
            return True
        if ord(char) > 0x7F and unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp"):
            return True
    return False


def _authority(url: str) -> str:
    rest = url.split("://", 1)[1] if "://" in url else ""
    for stop in "/?#":
        rest = rest.split(stop, 1)[0]
    return rest


def check_url(url: object) -> Url:
    """The URL as the HTTP client (urllib3) parses it, or UrlRefused for a shape we never fetch:
    not an absolute http(s) URL with a host, userinfo, backslashes, whitespace or control chars.
    """
    if not isinstance(url, str) or not url:
        raise UrlRefused("image_url must be a non-empty string.")
    if len(url) > MAX_URL_LENGTH:
        raise UrlRefused(f"image_url is longer than {MAX_URL_LENGTH} characters.")
    if _has_forbidden_char(url):
        raise UrlRefused("image_url contains whitespace, a control character or a backslash.")
    authority = _authority(url)
    if "@" in authority:
        raise UrlRefused("image_url must not contain user information (user@).")
    if "%" in authority:
        raise UrlRefused("image_url must not percent-encode its host.")
    try:
        parsed = parse_url(url)
    except LocationParseError as exc:
        raise UrlRefused("image_url is not a valid URL.") from exc
    if parsed.scheme not in ("http", "https") or not url.lower().startswith(f"{parsed.scheme}://"):
        raise UrlRefused("image_url must be an absolute http or https URL.")
    if not parsed.host or parsed.auth is not None:
        raise UrlRefused("image_url must name a host.")
    literal_address(parsed.host)  # a malformed numeric host is refused here, not resolved
    return parsed


def _ipv4_number(part: str) -> int | None:
    """One dotted part as the URL standard reads it: decimal, 0x-hex or 0-octal."""
    digits, base = part, 10
    if part[:2].lower() == "0x":
        digits, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    if digits == "":
        return 0 if base == 16 else None
    allowed = string.hexdigits if base == 16 else string.digits[:base]
    if not all(c in allowed for c in digits):
        return None
    return int(digits, base)


def _ends_in_number(parts: list[str]) -> bool:
    last = parts[-1]
    if last.isascii() and last.isdigit():
        return True
    return last[:2].lower() == "0x" and all(c in string.hexdigits for c in last[2:])


def numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host like `2130706433`, `0x7f.1` or `017700000001` spells (as
    browsers and inet_aton read it); None for a name. Raises UrlRefused for a bad number."""
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not parts[-1] or not _ends_in_number(parts):
        return None
    numbers = [_ipv4_number(p) for p in parts] if len(parts) <= 4 and all(parts) else [None]
    if any(n is None for n in numbers):
        raise UrlRefused("image_url has a malformed numeric host.")
    values = [n for n in numbers if n is not None]
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        raise UrlRefused("image_url has a malformed numeric host.")
    value = values[-1] + sum(n << (8 * (3 - i)) for i, n in enumerate(values[:-1]))
    return ipaddress.IPv4Address(value)


def literal_address(host: str) -> IPAddress | None:
    """The address a host names without DNS (an IP literal in any spelling), else None."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    return None if ":" in bare else numeric_ipv4(bare)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, NAT64 (well-known prefix) or 6to4 address."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _SIX_TO_FOUR:
        return address.sixtofour
    return None


def _refusal(address: IPAddress) -> str | None:
    if isinstance(address, ipaddress.IPv4Address):
        blocked = any(address in net for net in _BLOCKED_V4)
        return f"{address} is not a public address." if blocked else None
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return f"{address} embeds a non-public IPv4 address." if _refusal(embedded) else None
    if address not in _GLOBAL_UNICAST_V6 or any(address in net for net in _BLOCKED_V6):
        return f"{address} is not a public address."
    return None


def _listed(address: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def address_refusal(
    address: IPAddress, allowed: Iterable[IPNetwork] = (), denied: Iterable[IPNetwork] = ()
) -> str | None:
    """Why `address` may not be connected to, or None when it is public (or in `allowed`).

    `denied` lists public addresses refused anyway (cloud instance services such as Azure's
    wire server); it wins over `allowed`. The reason names the address: log it, never show it.
    """
    if address.version == 6 and getattr(address, "scope_id", None):
        return f"{address} is a scoped (link-local) address."
    if _listed(address, denied):
        return f"{address} is on the deny list."
    if _listed(address, allowed):
        return None
    return _refusal(address)
