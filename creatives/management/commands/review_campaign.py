"""`manage.py review_campaign CAMPAIGN_ID --approve|--reject`: record staff's review decision."""

import uuid
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from creatives import services
from creatives.models import Campaign


class Command(BaseCommand):
    help = "Approve or reject a campaign (by its public id). Rejecting an active campaign pauses it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("campaign_id", help="The campaign's id, as the API shows it.")
        decision = parser.add_mutually_exclusive_group(required=True)
        decision.add_argument("--approve", action="store_true")
        decision.add_argument("--reject", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            public_id = uuid.UUID(options["campaign_id"])
        except ValueError as exc:
            raise CommandError(f"{options['campaign_id']!r} is not a campaign id.") from exc
        campaign = Campaign.objects.select_related("organization").filter(public_id=public_id).first()
        if campaign is None:
            raise CommandError(f"No campaign with id {public_id}.")
        services.campaign_review(campaign=campaign, approve=options["approve"], actor_label="cli")
        self.stdout.write(f"Campaign {public_id} ({campaign.name}) is now {campaign.review_status}.")
