"""Shapes of the DSP and insights bodies.

Requests: the DSP views validate by hand (`bids/bid_request.py`, `bids/views.py`) for speed and
exact messages; `bids/openapi.py` states those rules as JSON Schema. Responses: the
`OutputSerializer`s here are the one definition of each body, rendered with `.render(obj)` and
read by the OpenAPI schema (thrad/shapes.py).
"""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from thrad.shapes import OutputSerializer


class DspErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="One sentence saying what was wrong.")


class RenderDataSerializer(OutputSerializer):
    # Renders a bids.render.Creative: exactly these keys, logo_url only when the advertiser has one.
    ad_format = serializers.ChoiceField(choices=["sponsored_message"])
    placement = serializers.ChoiceField(choices=["image", "text"])
    advertiser = serializers.CharField(source="ad.advertiser", help_text="Brand name, or the domain.")
    domain = serializers.CharField(source="ad.domain")
    headline = serializers.CharField(help_text="Cut to the bid request's max_headline_chars.")
    description = serializers.CharField(source="ad.body")
    cta_text = serializers.CharField()
    url = serializers.URLField(help_text="Our click URL: PUBLIC_BASE_URL/api/v1/dsp/redirect/<token>.")
    image_url = serializers.URLField(allow_null=True, help_text="Null in text placement.")
    logo_url = serializers.URLField(
        source="ad.logo_url", required=False, help_text="Only when the advertiser has a logo."
    )


@extend_schema_field(RenderDataSerializer)
class RenderedField(serializers.Field):
    """Render data as RenderDataSerializer rendered it when the bid was placed (and cached)."""

    def to_representation(self, value: dict[str, Any]) -> dict[str, Any]:
        return value


class BidDataSerializer(OutputSerializer):
    # Renders a bids.services.PlacedBid.
    bid = serializers.FloatField(source="price", help_text="CPM in dollars, 2 decimals.")
    bidId = serializers.CharField(source="bid_id", help_text="bid_<32 hex>")  # noqa: N815
    ad_data = RenderedField(required=False, help_text="Openers, and every bid under DSP_PRERENDER.")


class BidResponseSerializer(OutputSerializer):
    data = BidDataSerializer(source="*")  # type: ignore[assignment]  # the wire field is named data


class RenderResponseSerializer(OutputSerializer):
    # Renders the cached render data of a bid.
    data = RenderedField(source="*")  # type: ignore[assignment]  # the wire field is named data


class InsightsRowSerializer(OutputSerializer):
    # One row of insights; a metric not asked for in fields[] is absent, and so are the child ids
    # at the endpoint's own aggregation level.
    readable_time = serializers.CharField(
        help_text="hourly: 2026-06-01 14:00 (UTC); daily: 2026-06-01; monthly: 2026-06; none: 2026-05-02/2026-06-01."
    )
    campaign_id = serializers.UUIDField(required=False, help_text="With aggregation_level campaign or deeper.")
    ad_group_id = serializers.UUIDField(required=False, help_text="With aggregation_level ad_group or ad.")
    ad_id = serializers.UUIDField(required=False, help_text="With aggregation_level ad.")
    impressions = serializers.IntegerField(required=False)
    clicks = serializers.IntegerField(required=False, help_text="Unique: a click URL counts its first click only.")
    spend = serializers.FloatField(required=False, help_text="Dollars.")
    ctr = serializers.FloatField(required=False, help_text="clicks / impressions, a fraction (0 without impressions).")
    cpm = serializers.FloatField(required=False, help_text="Dollars per 1000 impressions.")
    cpc = serializers.FloatField(required=False, help_text="Dollars per click.")
