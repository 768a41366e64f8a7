"""Dashboard forms. The allowlist field itself is the core's (`thrad.forms`), shared with the admin."""

from django import forms

from thrad.forms import CidrListField


class AllowlistForm(forms.Form):
    ip_allowlist = CidrListField(
        label="Allowed networks",
        help_text="One IP address or CIDR network per line, IPv4 or IPv6. Leave empty to allow any address.",
    )
