"""Shapes of the DSP and insights bodies, for the OpenAPI document.

The DSP views validate by hand (`bids/bid_request.py`, `bids/views.py`) for speed and exact
messages; these serializers only describe the wire format. The request bodies are written as
JSON Schema in `bids/openapi.py`.
"""

from rest_framework import serializers


class DspErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="One sentence saying what was wrong.")


class RenderDataSerializer(serializers.Serializer):
    ad_format = serializers.ChoiceField(choices=["sponsored_message"])
    placement = serializers.ChoiceField(choices=["image", "text"])
    advertiser = serializers.CharField(help_text="Brand name, or the domain.")
    domain = serializers.CharField()
    headline = serializers.CharField(help_text="Cut to the bid request's max_headline_chars.")
    description = serializers.CharField()
    cta_text = serializers.CharField()
    url = serializers.URLField(help_text="Our click URL: PUBLIC_BASE_URL/api/v1/dsp/redirect/<token>.")
    image_url = serializers.URLField(allow_null=True, help_text="Null in text placement.")
    logo_url = serializers.URLField(required=False, help_text="Only when the advertiser has a logo.")


class BidDataSerializer(serializers.Serializer):
    bid = serializers.FloatField(help_text="CPM in dollars, 2 decimals.")
    bidId = serializers.CharField(help_text="bid_<32 hex>")  # noqa: N815
    ad_data = RenderDataSerializer(required=False, help_text="Openers, and every bid under DSP_PRERENDER.")


class BidResponseSerializer(serializers.Serializer):
    data = BidDataSerializer()  # type: ignore[assignment]  # the wire field is named data


class RenderResponseSerializer(serializers.Serializer):
    data = RenderDataSerializer()  # type: ignore[assignment]  # the wire field is named data


class InsightsRowSerializer(serializers.Serializer):
    readable_time = serializers.CharField(
        help_text="daily: 2026-06-01; hourly: 2026-06-01 14:00 (UTC); none: 2026-05-02/2026-06-01."
    )
    impressions = serializers.IntegerField(required=False)
    clicks = serializers.IntegerField(required=False)
    spend = serializers.FloatField(required=False, help_text="Dollars.")
    ctr = serializers.FloatField(required=False, help_text="clicks / impressions, a fraction (0 without impressions).")  # fmt: skip
    cpm = serializers.FloatField(required=False, help_text="Dollars per 1000 impressions.")
    cpc = serializers.FloatField(required=False, help_text="Dollars per click.")
