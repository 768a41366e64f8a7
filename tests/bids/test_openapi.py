"""The DSP and insights endpoints are documented with every status they answer."""

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def paths() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)["paths"]


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/api/v1/dsp/bid", "post", {"200", "204", "400", "401"}),
        ("/api/v1/dsp/render-ad", "post", {"200", "400", "404", "500"}),
        ("/api/v1/dsp/redirect/{token}", "get", {"302", "404"}),
        ("/v1/ad_account/insights", "get", {"200", "400", "401", "404", "429"}),
        ("/v1/campaigns/{campaign_id}/insights", "get", {"200", "400", "401", "404", "429"}),
        ("/v1/ad_groups/{ad_group_id}/insights", "get", {"200", "400", "401", "404", "429"}),
        ("/v1/ads/{ad_id}/insights", "get", {"200", "400", "401", "404", "429"}),
    ],
)
def test_each_endpoint_documents_its_statuses(paths, path, method, statuses):
    assert statuses <= set(paths[path][method]["responses"])


def test_the_budget_overshoot_bound_is_stated_on_bid_and_render(paths):
    for path in ("/api/v1/dsp/bid", "/api/v1/dsp/render-ad"):
        description = paths[path]["post"]["description"]
        assert "the prices / 1000 of the bids outstanding just before the render that reached it" in description
        assert "that render included" in description and "daily limit" in description


def test_pacing_and_frequency_caps_are_described_on_bid(paths):
    description = paths["/api/v1/dsp/bid"]["post"]["description"]
    assert "pacing even" in description and "frequency cap" in description


def test_the_insights_error_codes_are_listed(paths):
    description = paths["/v1/ad_account/insights"]["get"]["description"]
    for code in (
        "invalid_value",
        "range_too_wide",
        "invalid_time_range",
        "hourly_range_too_wide",
        "unknown_field",
        "aggregation_level_too_high",
    ):
        assert code in description
