"""Form fields of the core, shared by the staff admin and the dashboard: the IP allowlist, one
CIDR per line, with per-line errors."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from thrad.clientip import parse_networks
from thrad.services import MAX_ALLOWLIST_ENTRIES


def cidr_lines_parse(text: str) -> tuple[list[str], list[str]]:
    """Canonical networks from text with one CIDR (or address) per line, and one error per bad line.

    Blank lines are ignored and duplicates dropped; `10.1.2.3/8` reads as `10.0.0.0/8`.
    """
    networks: list[str] = []
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            (network,) = parse_networks([line])
        except ValueError:
            shown = line if len(line) <= 60 else line[:57] + "..."
            errors.append(
                f"Line {number}: “{shown}” is not an IP address or network in CIDR notation (e.g. 203.0.113.0/24)."
            )
            continue
        if str(network) not in networks:
            networks.append(str(network))
    if len(networks) > MAX_ALLOWLIST_ENTRIES:
        errors.append(f"At most {MAX_ALLOWLIST_ENTRIES} networks; there are {len(networks)}.")
    return networks, errors


class CidrListField(forms.CharField):
    """A textarea holding a list of CIDRs, one per line; cleans to a list of canonical strings."""

    widget = forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "autocapitalize": "off"})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 10_000)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def has_changed(self, initial: Any, data: Any) -> bool:
        networks, errors = cidr_lines_parse(self.prepare_value(data) or "")
        return bool(errors) or networks != list(initial or [])

    def clean(self, value: Any) -> list[str]:
        text = "\n".join(value) if isinstance(value, list | tuple) else super().clean(value)
        networks, errors = cidr_lines_parse(text or "")
        if errors:
            raise ValidationError(errors, code="invalid_ip_allowlist")
        return networks
