"""`python -m tests.faults.seed`: what the fault tests need in their private stack's database.

Run inside the stack's environment (production settings pointing at the private services).
Prints one JSON line: the API key, the supply partner key, the organization id, the asset path.
"""

import io
import json
from datetime import timedelta

import django

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.utils import timezone  # noqa: E402
from PIL import Image  # noqa: E402

from bids.index import version_bump  # noqa: E402
from bids.services import supply_partner_create  # noqa: E402
from creatives.models import Ad, AdGroup, Campaign, ReviewStatus, Status  # noqa: E402
from thrad import storage  # noqa: E402
from thrad.services import api_key_create, organization_create  # noqa: E402


def main() -> None:
    org = organization_create(name="Faulty Co", domain="faulty.example")
    _, secret = api_key_create(org=org)
    _, partner_key = supply_partner_create(name="Fault SSP")
    image = io.BytesIO()
    Image.effect_noise((800, 800), 120).convert("RGB").save(image, format="PNG")  # ~1 MB: reads take a while
    asset = storage.save(f"creatives/{org.public_id}/{'a' * 32}.png", ContentFile(image.getvalue()))
    camp = Campaign.objects.create(
        organization=org,
        name="Always on",
        status=Status.ACTIVE,
        review_status=ReviewStatus.APPROVED,
        start_time=timezone.now() - timedelta(days=1),
        lifetime_spend_limit_micros=10**12,
        countries=[],
    )
    group = AdGroup.objects.create(
        organization=org, campaign=camp, name="All", context_hints=[], max_bid_micros=5_000_000, status=Status.ACTIVE
    )
    Ad.objects.create(
        organization=org,
        ad_group=group,
        name="Ad",
        title="Faultless hosting",
        body="It holds.",
        cta_text="See",
        target_url="https://faulty.example/",
        asset_path=asset,
        status=Status.ACTIVE,
    )
    version_bump()
    print(
        json.dumps(
            {
                "secret": secret,
                "partner_key": partner_key,
                "org_id": org.pk,
                "asset": asset,
                "campaign_id": camp.pk,
                "asset_size": len(image.getvalue()),
            }
        )
    )


main()
