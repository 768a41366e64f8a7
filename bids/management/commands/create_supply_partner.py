"""Register an SSP as a supply partner. Its key is the last line of stdout, shown once."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bids.models import SupplyPartner
from bids.services import supply_partner_create


class Command(BaseCommand):
    help = "Create a supply partner (an SSP allowed to bid) and print its key as the last line of stdout."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the partner's name, unique")

    def handle(self, *args: Any, **options: Any) -> None:
        name: str = options["name"].strip()
        if not name:
            raise CommandError("The name must not be empty.")
        if SupplyPartner.objects.filter(name=name).exists():
            raise CommandError(f"A supply partner named {name!r} exists; rotate its key in the admin.")
        partner, secret = supply_partner_create(name=name)
        self.stderr.write(f"Supply partner {partner.name!r} created ({partner.display_prefix}…); its key, shown once:")
        self.stdout.write(secret)
