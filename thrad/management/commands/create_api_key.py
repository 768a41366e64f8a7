"""Issue (or rotate) an organization's API key. The secret is the last line of stdout."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from thrad.models import ApiKey, Organization
from thrad.services import api_key_create, api_key_rotate, organization_create


class Command(BaseCommand):
    help = (
        "Create the organization's API key, or rotate it when one is active (the old key then "
        "keeps working for API_KEY_ROTATION_GRACE seconds). Prints the secret as the last line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organization name")
        parser.add_argument("--create-org", action="store_true", help="create it if missing")
        parser.add_argument("--domain", default="", help="advertiser domain for a new org")

    def handle(self, *args: Any, **options: Any) -> None:
        name: str = options["org"].strip()
        org = Organization.objects.filter(name=name).first()
        if org is None:
            if not options["create_org"]:
                raise CommandError(f"No organization named {name!r} (use --create-org).")
            org = organization_create(name=name, domain=options["domain"])
            self.stderr.write(f"Created organization {name!r}.")
        has_active = ApiKey.objects.filter(organization=org, status=ApiKey.Status.ACTIVE).exists()
        if has_active:
            api_key, secret = api_key_rotate(org=org, actor_label="cli")
            self.stderr.write("Rotated: the previous key works until its grace window ends.")
        else:
            api_key, secret = api_key_create(org=org, actor_label="cli")
        self.stderr.write(f"Key {api_key.display_prefix}… for {org.name}; shown once:")
        self.stdout.write(secret)
