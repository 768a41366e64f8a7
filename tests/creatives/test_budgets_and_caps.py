"""Daily budgets, pacing and frequency caps on /v1: nested create, update, read-back, bad values
(`invalid_value` naming the field, nothing written) and the OpenAPI schema."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from creatives.models import AdGroup, Campaign
from tests.creatives.conftest import ad_body, ad_group_body, campaign_body

DAILY = {"lifetime_spend_limit_micros": 50_000_000, "daily_spend_limit_micros": 2_000_000}
CAP = {"max_impressions": 3, "window": "day"}


def post(actor, path: str, body: dict):
    return actor.client().post(path, body, format="json")


def test_a_nested_create_carries_the_daily_limit_pacing_and_caps(owner):
    body = campaign_body(
        budget=DAILY,
        ad_groups=[ad_group_body(frequency_cap=CAP, ads=[ad_body()]), ad_group_body(name="Uncapped")],
    )
    response = post(owner, "/v1/campaigns", body)
    assert response.status_code == 201, response.json()
    campaign = response.json()
    assert campaign["budget"] == {**DAILY, "pacing": "even"}  # even is the default with a daily limit
    groups = owner.client().get(f"/v1/ad_groups?campaign_id={campaign['id']}&order=asc").json()["data"]
    assert [g["frequency_cap"] for g in groups] == [CAP, None]
    assert owner.client().get(f"/v1/ad_groups/{groups[0]['id']}").json()["frequency_cap"] == CAP


@pytest.mark.parametrize(
    ("budget", "shown"),
    [
        ({"lifetime_spend_limit_micros": 5_000_000}, {"daily_spend_limit_micros": None, "pacing": "asap"}),
        ({**DAILY, "pacing": "asap"}, {"daily_spend_limit_micros": 2_000_000, "pacing": "asap"}),
        ({**DAILY, "pacing": None}, {"daily_spend_limit_micros": 2_000_000, "pacing": "even"}),
        (
            {"lifetime_spend_limit_micros": 990_000, "daily_spend_limit_micros": 990_000},
            {"daily_spend_limit_micros": 990_000, "pacing": "even"},
        ),
        (
            {"lifetime_spend_limit_micros": 5_000_000, "pacing": "asap"},
            {"daily_spend_limit_micros": None, "pacing": "asap"},
        ),
    ],
)
def test_pacing_reads_back_as_in_effect(owner, budget, shown):
    body = post(owner, "/v1/campaigns", campaign_body(budget=budget)).json()
    assert {k: body["budget"][k] for k in shown} == shown


@pytest.mark.parametrize(
    ("budget", "param"),
    [
        ({**DAILY, "daily_spend_limit_micros": 989_999}, "budget.daily_spend_limit_micros"),
        ({**DAILY, "daily_spend_limit_micros": 50_000_001}, "budget.daily_spend_limit_micros"),
        ({**DAILY, "daily_spend_limit_micros": "lots"}, "budget.daily_spend_limit_micros"),
        ({**DAILY, "daily_spend_limit_micros": -1}, "budget.daily_spend_limit_micros"),
        ({**DAILY, "daily_spend_limit_micros": 2.5}, "budget.daily_spend_limit_micros"),
        ({**DAILY, "pacing": "fast"}, "budget.pacing"),
        ({"lifetime_spend_limit_micros": 5_000_000, "pacing": "even"}, "budget.pacing"),
        ({**DAILY, "pace": "even"}, "budget.pace"),
    ],
)
def test_bad_budget_values_are_invalid_value_naming_the_field_and_create_nothing(owner, budget, param):
    response = post(owner, "/v1/campaigns", campaign_body(budget=budget, ad_groups=[ad_group_body()]))
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("invalid_value", param), error
    assert not Campaign.objects.exists() and not AdGroup.objects.exists()


@pytest.mark.parametrize(
    ("cap", "param"),
    [
        ({"max_impressions": 0, "window": "day"}, "frequency_cap.max_impressions"),
        ({"max_impressions": 101, "window": "day"}, "frequency_cap.max_impressions"),
        ({"max_impressions": 2.5, "window": "day"}, "frequency_cap.max_impressions"),
        ({"max_impressions": 3, "window": "month"}, "frequency_cap.window"),
        ({"max_impressions": 3}, "frequency_cap.window"),
        ({"window": "hour"}, "frequency_cap.max_impressions"),
        ({"max_impressions": 3, "window": "day", "per": "user"}, "frequency_cap.per"),
        (3, "frequency_cap"),
    ],
)
def test_bad_frequency_caps_are_invalid_value_naming_the_field_and_create_nothing(owner, cap, param):
    body = campaign_body(ad_groups=[ad_group_body(), ad_group_body(frequency_cap=cap)])
    response = post(owner, "/v1/campaigns", body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("invalid_value", f"ad_groups[1].{param}"), error
    assert not Campaign.objects.exists() and not AdGroup.objects.exists()


def test_the_cap_bounds_are_inclusive(owner, create_campaign):
    campaign = create_campaign()
    for cap in ({"max_impressions": 1, "window": "hour"}, {"max_impressions": 100, "window": "week"}):
        response = post(owner, "/v1/ad_groups", ad_group_body(campaign_id=campaign["id"], frequency_cap=cap))
        assert response.status_code == 201, response.json()
        assert response.json()["frequency_cap"] == cap


def test_an_update_sets_changes_and_removes_the_daily_limit_and_pacing(owner, create_campaign):
    campaign = create_campaign()
    path = f"/v1/campaigns/{campaign['id']}"
    body = post(owner, path, {"budget": {"daily_spend_limit_micros": 1_000_000}}).json()
    assert body["budget"] == {
        "lifetime_spend_limit_micros": 50_000_000,
        "daily_spend_limit_micros": 1_000_000,
        "pacing": "even",
    }
    assert post(owner, path, {"budget": {"pacing": "asap"}}).json()["budget"]["pacing"] == "asap"
    body = post(owner, path, {"budget": {"daily_spend_limit_micros": None}}).json()
    assert body["budget"] == {
        "lifetime_spend_limit_micros": 50_000_000,
        "daily_spend_limit_micros": None,
        "pacing": "asap",
    }
    assert owner.client().get(path).json()["budget"] == body["budget"]


@pytest.mark.parametrize(
    ("update", "param"),
    [
        ({"budget": {"daily_spend_limit_micros": 60_000_000}}, "budget.daily_spend_limit_micros"),
        ({"budget": {"lifetime_spend_limit_micros": 1_000_000}}, "budget.lifetime_spend_limit_micros"),
        ({"budget": {"daily_spend_limit_micros": None}}, "budget.daily_spend_limit_micros"),
        ({"budget": {"pacing": "slow"}}, "budget.pacing"),
    ],
)
def test_an_update_that_breaks_the_budget_rules_changes_nothing(owner, create_campaign, update, param):
    campaign = create_campaign(budget={**DAILY, "pacing": "even"})
    path = f"/v1/campaigns/{campaign['id']}"
    response = post(owner, path, update)
    assert response.status_code == 400
    assert (response.json()["error"]["code"], response.json()["error"]["param"]) == ("invalid_value", param)
    assert owner.client().get(path).json()["budget"] == campaign["budget"]


def test_an_ad_group_update_sets_replaces_and_removes_its_cap(owner, tree):
    path = f"/v1/ad_groups/{tree['ad_group']['id']}"
    assert post(owner, path, {"frequency_cap": CAP}).json()["frequency_cap"] == CAP
    assert post(owner, path, {"name": "Renamed"}).json()["frequency_cap"] == CAP  # untouched
    new = {"max_impressions": 10, "window": "week"}
    assert post(owner, path, {"frequency_cap": new}).json()["frequency_cap"] == new
    assert post(owner, path, {"frequency_cap": None}).json()["frequency_cap"] is None
    assert owner.client().get(path).json()["frequency_cap"] is None


def test_a_partial_cap_in_an_update_is_refused_and_changes_nothing(owner, tree):
    path = f"/v1/ad_groups/{tree['ad_group']['id']}"
    post(owner, path, {"frequency_cap": CAP})
    response = post(owner, path, {"frequency_cap": {"window": "hour"}})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "frequency_cap.max_impressions"
    assert owner.client().get(path).json()["frequency_cap"] == CAP


def test_an_outsider_cannot_set_anothers_budget_or_cap(outsider, tree):
    assert post(outsider, f"/v1/ad_groups/{tree['ad_group']['id']}", {"frequency_cap": CAP}).status_code == 404
    response = post(outsider, f"/v1/campaigns/{tree['campaign']['id']}", {"budget": {"pacing": "asap"}})
    assert response.status_code == 404
    assert AdGroup.objects.get().frequency_cap is None


def test_the_schema_documents_the_new_fields_on_requests_and_responses():
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    budget_out = components[components["Campaign"]["properties"]["budget"]["$ref"].rsplit("/", 1)[1]]
    assert {"daily_spend_limit_micros", "pacing"} <= set(budget_out["properties"])
    assert "frequency_cap" in components["AdGroup"]["properties"]
    cap_in = components["FrequencyCapRequest"]["properties"]
    assert (cap_in["max_impressions"]["minimum"], cap_in["max_impressions"]["maximum"]) == (1, 100)
    budget_in = components["BudgetRequest"]["properties"]["daily_spend_limit_micros"]
    assert budget_in["minimum"] == 990_000 and budget_in["nullable"] is True
