"""Insights of the ad account, a campaign, an ad group and an ad: periods, metrics, errors, scoping."""

from datetime import UTC, datetime, timedelta

import pytest

from bids.models import AdStatsHourly
from tests import factories

T0 = datetime(2026, 6, 1, tzinfo=UTC)  # a Monday, midnight UTC


def ts(dt: datetime) -> int:
    return int(dt.timestamp())


def stats(ad, hour: datetime, impressions: int = 0, clicks: int = 0, spend_micros: int = 0) -> None:
    AdStatsHourly.objects.create(
        ad=ad,
        hour=hour,
        organization_id=ad.organization_id,
        campaign_id=ad.ad_group.campaign_id,
        ad_group_id=ad.ad_group_id,
        impressions=impressions,
        clicks=clicks,
        spend_micros=spend_micros,
    )


@pytest.fixture
def tree(owner):
    """Two ads in one group, a second campaign, and an outsider's ad with its own stats."""
    ad1 = factories.servable_ad(owner.org)
    ad2 = factories.ad(ad1.ad_group, title="Second")
    ad3 = factories.servable_ad(owner.org)
    stats(ad1, T0 + timedelta(hours=9), impressions=1000, clicks=20, spend_micros=7_500_000)
    stats(ad2, T0 + timedelta(hours=9), impressions=500, clicks=5, spend_micros=2_500_000)
    stats(ad1, T0 + timedelta(days=1, hours=3), impressions=200, clicks=0, spend_micros=1_000_000)
    stats(ad3, T0 + timedelta(hours=10), impressions=300, clicks=3, spend_micros=900_000)
    return {"ad1": ad1, "ad2": ad2, "ad3": ad3}


def get(actor, path: str, **params):
    return actor.client().get(path, params)


def window(**extra):
    return {"since": ts(T0), "until": ts(T0 + timedelta(days=2)), **extra}


def test_daily_account_insights_are_a_bare_list_with_one_row_per_day(owner, tree):
    response = get(owner, "/v1/ad_account/insights", **window())
    assert response.status_code == 200
    assert response.json() == [
        {"readable_time": "2026-06-01", "impressions": 1800, "clicks": 28, "spend": 10.9},
        {"readable_time": "2026-06-02", "impressions": 200, "clicks": 0, "spend": 1.0},
    ]
    assert "X-RateLimit-Remaining" in response


def test_every_metric_in_its_unit(owner, tree):
    fields = ["impressions", "clicks", "spend", "ctr", "cpm", "cpc"]
    row = get(owner, "/v1/ad_account/insights", **window(time_granularity="none"), **{"fields[]": fields}).json()
    assert row == [
        {
            "readable_time": "2026-06-01/2026-06-02",
            "impressions": 2000,
            "clicks": 28,
            "spend": 11.9,
            "ctr": 0.014,
            "cpm": 5.95,
            "cpc": 0.425,
        }
    ]


def test_rates_without_impressions_or_clicks_are_zero(owner, tree):
    day2 = {"since": ts(T0 + timedelta(days=1)), "until": ts(T0 + timedelta(days=2))}
    row = get(owner, "/v1/ad_account/insights", **day2, **{"fields[]": ["ctr", "cpm", "cpc"]}).json()
    assert row == [{"readable_time": "2026-06-02", "ctr": 0.0, "cpm": 5.0, "cpc": 0.0}]


def test_hourly_rows_cover_every_hour_of_the_range(owner, tree):
    params = {"since": ts(T0 + timedelta(hours=8)), "until": ts(T0 + timedelta(hours=11)), "time_granularity": "hourly"}
    rows = get(owner, "/v1/ad_account/insights", **params, **{"fields[]": "impressions"}).json()
    assert rows == [
        {"readable_time": "2026-06-01 08:00", "impressions": 0},
        {"readable_time": "2026-06-01 09:00", "impressions": 1500},
        {"readable_time": "2026-06-01 10:00", "impressions": 300},
    ]


def test_fields_may_also_be_comma_separated(owner, tree):
    rows = get(owner, "/v1/ad_account/insights", **window(time_granularity="none"), fields="clicks,ctr").json()
    assert set(rows[0]) == {"readable_time", "clicks", "ctr"}


@pytest.mark.parametrize(
    ("path", "impressions"),
    [
        ("/v1/campaigns/{c1}/insights", 1700),
        ("/v1/campaigns/{c2}/insights", 300),
        ("/v1/ad_groups/{g1}/insights", 1700),
        ("/v1/ads/{a1}/insights", 1200),
        ("/v1/ads/{a2}/insights", 500),
    ],
)
def test_each_level_counts_only_its_own_ads(owner, tree, path, impressions):
    ids = {
        "c1": tree["ad1"].ad_group.campaign.public_id,
        "c2": tree["ad3"].ad_group.campaign.public_id,
        "g1": tree["ad1"].ad_group.public_id,
        "a1": tree["ad1"].public_id,
        "a2": tree["ad2"].public_id,
    }
    rows = get(owner, path.format(**ids), **window(time_granularity="none")).json()
    assert rows[0]["impressions"] == impressions


def test_the_default_range_is_the_last_30_days_by_day(owner, tree, time_machine):
    time_machine.move_to(T0 + timedelta(days=10, hours=12), tick=False)
    rows = get(owner, "/v1/ad_account/insights").json()
    assert len(rows) == 31
    assert rows[0]["readable_time"] == "2026-05-12" and rows[-1]["readable_time"] == "2026-06-11"
    assert sum(r["impressions"] for r in rows) == 2000
    assert set(rows[0]) == {"readable_time", "impressions", "clicks", "spend"}


def test_an_outsider_sees_none_of_it(outsider, tree):
    assert sum(r["impressions"] for r in get(outsider, "/v1/ad_account/insights", **window()).json()) == 0
    for path in (
        f"/v1/campaigns/{tree['ad1'].ad_group.campaign.public_id}/insights",
        f"/v1/ad_groups/{tree['ad1'].ad_group.public_id}/insights",
        f"/v1/ads/{tree['ad1'].public_id}/insights",
    ):
        response = get(outsider, path, **window())
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_an_unknown_or_malformed_id_is_404(owner):
    assert get(owner, "/v1/ads/00000000-0000-0000-0000-000000000000/insights").status_code == 404
    assert get(owner, "/v1/ads/not-a-uuid/insights").json()["error"]["code"] == "not_found"


def test_insights_need_an_api_key(anon_client):
    response = anon_client.get("/v1/ad_account/insights")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth_required"


@pytest.mark.parametrize(
    ("params", "code", "param"),
    [
        ({"time_granularity": "weekly"}, "invalid_value", "time_granularity"),
        ({"since": "yesterday"}, "invalid_value", "since"),
        ({"until": "1.5"}, "invalid_value", "until"),
        ({"since": "99999999999999999999"}, "invalid_value", "since"),
        ({"since": ts(T0), "until": ts(T0)}, "invalid_time_range", "since"),
        ({"since": ts(T0 + timedelta(days=1)), "until": ts(T0)}, "invalid_time_range", "since"),
        ({"since": ts(T0), "until": ts(T0 + timedelta(days=366, seconds=1))}, "range_too_wide", "since"),
        (
            {"since": ts(T0), "until": ts(T0 + timedelta(hours=25, seconds=1)), "time_granularity": "hourly"},
            "hourly_range_too_wide",
            "since",
        ),
        ({"fields[]": ["impressions", "reach"]}, "unknown_field", "fields"),
        ({"fields": "spend,roas"}, "unknown_field", "fields"),
    ],
)
def test_bad_parameters_are_400_with_their_code(owner, params, code, param):
    response = get(owner, "/v1/ad_account/insights", **params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", code, param)


def test_the_widest_ranges_allowed(owner, tree):
    year = {"since": ts(T0), "until": ts(T0 + timedelta(days=366))}
    assert len(get(owner, "/v1/ad_account/insights", **year).json()) == 366
    hours = {"since": ts(T0), "until": ts(T0 + timedelta(hours=25)), "time_granularity": "hourly"}
    assert len(get(owner, "/v1/ad_account/insights", **hours).json()) == 25


def test_monthly_rows_are_calendar_months(owner, tree):
    stats(tree["ad1"], T0 + timedelta(days=35), impressions=7)  # 2026-07-06
    params = {
        "since": ts(T0 - timedelta(days=1)),
        "until": ts(T0 + timedelta(days=40)),
        "time_granularity": "monthly",
    }
    rows = get(owner, "/v1/ad_account/insights", **params, **{"fields[]": "impressions"}).json()
    assert rows == [
        {"readable_time": "2026-05", "impressions": 0},
        {"readable_time": "2026-06", "impressions": 2000},
        {"readable_time": "2026-07", "impressions": 7},
    ]


def test_the_account_by_ad_lists_each_ads_figures_with_its_ids(owner, tree):
    ad1, ad2, ad3 = tree["ad1"], tree["ad2"], tree["ad3"]
    rows = get(owner, "/v1/ad_account/insights", **window(time_granularity="none", aggregation_level="ad")).json()

    def ids(ad):
        return {
            "campaign_id": str(ad.ad_group.campaign.public_id),
            "ad_group_id": str(ad.ad_group.public_id),
            "ad_id": str(ad.public_id),
        }

    assert rows == [
        {
            "readable_time": "2026-06-01/2026-06-02",
            **ids(ad1),
            "impressions": 1200,
            "clicks": 20,
            "spend": 8.5,
        },
        {"readable_time": "2026-06-01/2026-06-02", **ids(ad2), "impressions": 500, "clicks": 5, "spend": 2.5},
        {"readable_time": "2026-06-01/2026-06-02", **ids(ad3), "impressions": 300, "clicks": 3, "spend": 0.9},
    ]


def test_a_campaign_by_ad_group_gives_every_period_of_each_group_with_figures(owner, tree):
    campaign, group = tree["ad1"].ad_group.campaign, tree["ad1"].ad_group
    factories.ad_group(campaign, hints=["idle"])  # no counters: no rows
    rows = get(owner, f"/v1/campaigns/{campaign.public_id}/insights", **window(aggregation_level="ad_group")).json()
    child = {"campaign_id": str(campaign.public_id), "ad_group_id": str(group.public_id)}
    assert rows == [
        {"readable_time": "2026-06-01", **child, "impressions": 1500, "clicks": 25, "spend": 10.0},
        {"readable_time": "2026-06-02", **child, "impressions": 200, "clicks": 0, "spend": 1.0},
    ]


def test_the_endpoints_own_level_is_the_default_and_carries_no_ids(owner, tree):
    path = f"/v1/ad_groups/{tree['ad1'].ad_group.public_id}/insights"
    assert get(owner, path, **window(aggregation_level="ad_group")).json() == get(owner, path, **window()).json()
    assert set(get(owner, path, **window()).json()[0]) == {"readable_time", "impressions", "clicks", "spend"}


def test_an_aggregation_level_with_no_counters_is_an_empty_list(owner, tree):
    empty = {"since": ts(T0 - timedelta(days=9)), "until": ts(T0 - timedelta(days=8))}
    assert get(owner, "/v1/ad_account/insights", **empty, aggregation_level="campaign").json() == []


@pytest.mark.parametrize(
    ("path", "level"),
    [
        ("/v1/campaigns/{c1}/insights", "ad_account"),
        ("/v1/ad_groups/{g1}/insights", "campaign"),
        ("/v1/ads/{a1}/insights", "ad_group"),
        ("/v1/ads/{a1}/insights", "ad_account"),
    ],
)
def test_a_level_above_the_endpoints_scope_is_aggregation_level_too_high(owner, tree, path, level):
    ids = {
        "c1": tree["ad1"].ad_group.campaign.public_id,
        "g1": tree["ad1"].ad_group.public_id,
        "a1": tree["ad1"].public_id,
    }
    response = get(owner, path.format(**ids), aggregation_level=level)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("aggregation_level_too_high", "aggregation_level")


def test_an_unknown_aggregation_level_is_invalid_value(owner):
    error = get(owner, "/v1/ad_account/insights", aggregation_level="creative").json()["error"]
    assert (error["code"], error["param"]) == ("invalid_value", "aggregation_level")


def test_an_outsiders_children_never_appear(outsider, tree):
    assert get(outsider, "/v1/ad_account/insights", **window(aggregation_level="ad")).json() == []
