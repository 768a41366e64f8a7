"""Dashboard forms. The allowlist field itself is the core's (`thrad.forms`), shared with the admin."""

from typing import Any

from django import forms

from thrad.clientip import IPNetwork, in_networks, parse_ip, parse_networks
from thrad.forms import CidrListField


def allowlist_leaves_out(cidrs: list[str], ip: str | None) -> bool:
    """True when the list is not empty and `ip` is in none of its networks, so the Files API
    would refuse calls from it. An unknown address leaves nothing out that we could name."""
    address = parse_ip(ip or "")
    if not cidrs or address is None:
        return False
    networks: list[IPNetwork] = []
    for cidr in cidrs:
        try:
            networks.extend(parse_networks([cidr]))
        except ValueError:
            continue  # the Files API lets a malformed entry match nothing, and so do we
    return not in_networks(address, tuple(networks))


class AllowlistForm(forms.Form):
    """The allowlist, and a confirmation needed only for a list that leaves out the user's own address."""

    ip_allowlist = CidrListField(
        label="Allowed networks",
        help_text="One IP address or CIDR network per line, IPv4 or IPv6. Leave empty to allow any address.",
    )
    confirm_lockout = forms.BooleanField(required=False)

    def __init__(self, *args: Any, your_ip: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.your_ip = your_ip

    def leaves_out_your_ip(self) -> bool:
        return allowlist_leaves_out(self.cleaned_data["ip_allowlist"], self.your_ip)

    def needs_confirmation(self) -> bool:
        return self.leaves_out_your_ip() and not self.cleaned_data["confirm_lockout"]
