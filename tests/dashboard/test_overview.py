"""Overview and Files pages: campaigns with status and review status, the 30-day chart, the storage bar."""

import re
from datetime import date

import pytest
from django.utils import timezone

from creatives.models import Campaign
from dashboard import charts
from dashboard.selectors import StorageUsage, overview_series
from thrad.models import Organization


def _campaign(org, name, **fields) -> Campaign:
    return Campaign.objects.create(
        organization=org,
        name=name,
        start_time=timezone.now(),
        lifetime_spend_limit_micros=10_000_000,
        **fields,
    )


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner.user)
    return client


def test_the_overview_lists_the_organizations_campaigns_with_both_statuses(owner_client, owner, outsider):
    _campaign(owner.org, "Spring sale", status="active", review_status="approved")
    _campaign(owner.org, "Winter teaser", status="paused", review_status="in_review")
    _campaign(outsider.org, "Globex secret plan")
    html = owner_client.get("/dashboard/").content.decode()
    rows = re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td[^>]*><span class="badge badge-(\w+)">\w+</span></td>\s*<td[^>]*><span class="badge badge-(\w+)">',
        html,
    )
    assert rows == [("Winter teaser", "paused", "in_review"), ("Spring sale", "active", "approved")]
    assert "Globex secret plan" not in html


def test_each_campaign_shows_its_spend_today_against_its_daily_limit(owner_client, owner):
    today = timezone.now().date()
    _campaign(owner.org, "Paced", daily_spend_limit_micros=5_000_000, day_spend_micros=1_250_000, spend_day=today)
    yesterday = date.fromordinal(today.toordinal() - 1)
    _campaign(
        owner.org,
        "Yesterday",
        daily_spend_limit_micros=2_000_000,
        day_spend_micros=2_000_000,
        spend_day=yesterday,
    )
    _campaign(owner.org, "Unlimited", day_spend_micros=3_000_000, spend_day=today)
    html = owner_client.get("/dashboard/").content.decode().split('id="campaigns-heading"')[1]
    cells = dict(re.findall(r'<th scope="row">([^<]+)</th>.*?<td data-label="Spend today"[^>]*>(.*?)</td>', html, re.S))
    assert "$1.25 of $5.00" in cells["Paced"] and 'value="25"' in cells["Paced"]
    assert "$0.00 of $2.00" in cells["Yesterday"]  # a new UTC day starts at zero
    assert "$3.00" in cells["Unlimited"] and "no daily limit" in cells["Unlimited"]


def test_campaign_names_are_escaped(owner_client, owner):
    _campaign(owner.org, "<script>alert(1)</script>")
    html = owner_client.get("/dashboard/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_without_campaigns_the_overview_says_how_to_make_one(owner_client):
    assert b"No campaigns yet" in owner_client.get("/dashboard/").content


def test_a_quiet_month_says_so_instead_of_showing_empty_panels_alone(owner_client):
    assert b"No impressions, clicks or spend recorded in the last 30 days." in owner_client.get("/dashboard/").content


def test_the_overview_chart_has_three_panels_and_a_table_of_30_days(owner_client):
    html = owner_client.get("/dashboard/").content.decode()
    assert html.count('<svg class="chart-bars"') == 3
    for label in [
        "Impressions per day over 30 days",
        "Clicks per day over 30 days",
        "Spend per day over 30 days",
    ]:
        assert label in html
    table = html.split("<summary>Daily figures</summary>")[1].split("</table>")[0]
    assert table.count('<tr><th scope="row">') == 30
    assert timezone.now().date().isoformat() in table


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/files"])
def test_the_storage_bar_shows_used_bytes_against_the_quota(owner_client, owner, url):
    Organization.objects.filter(pk=owner.org.pk).update(storage_used_bytes=52_428_800, storage_quota_bytes=209_715_200)
    html = owner_client.get(url).content.decode()
    assert "<strong>50.0\xa0MB</strong> of 200.0\xa0MB used" in html
    assert 'value="25"' in html and "(25%)" in html


def _upload(actor, name: str, body: bytes) -> str:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = actor.client().post("/api/v1/upload", {"files": [SimpleUploadedFile(name, body)]}, format="multipart")
    assert response.status_code == 200, response.json()
    return response.json()["uploaded"][0]["key"]


def test_the_files_page_lists_the_organizations_files_newest_first(owner_client, owner, outsider):
    _upload(owner, "notes.txt", b"first")
    _upload(owner, "later.md", b"# second")
    _upload(outsider, "globex-secret.txt", b"nope")
    html = owner_client.get("/dashboard/files").content.decode()
    assert html.index("later.md") < html.index("notes.txt")
    assert "text/markdown" in html
    assert "globex-secret.txt" not in html


def test_deleting_a_file_from_the_dashboard_frees_its_quota_and_is_audited(owner_client, owner):
    from django.core.files.storage import default_storage

    from files.models import StoredFile
    from thrad.models import AuditLog

    key = _upload(owner, "notes.txt", b"12345")
    response = owner_client.post("/dashboard/files/delete", {"key": key})
    assert response.status_code == 302
    owner.org.refresh_from_db()
    assert owner.org.storage_used_bytes == 0
    assert not StoredFile.objects.filter(key=key).exists()
    assert not default_storage.exists(key)
    entry = AuditLog.objects.get(organization=owner.org, action="file.delete")
    assert entry.target == key and entry.actor == owner.user


def test_delete_on_the_files_page_asks_for_confirmation_before_deleting(owner_client, owner):
    from files.models import StoredFile

    key = _upload(owner, "notes.txt", b"12345")
    listing = owner_client.get("/dashboard/files").content.decode()
    (confirm_url,) = re.findall(r'href="(/dashboard/files/delete\?key=[^"]+)"[^>]*>Delete…</a>', listing)
    assert 'method="post"' not in listing.split('id="files-heading"')[1]  # no one-click delete
    page = owner_client.get(confirm_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'Delete <span class="filename">notes.txt</span>?' in html
    assert "This cannot be undone." in html and ">Cancel</a>" in html
    assert f'<input type="hidden" name="key" value="{key}">' in html
    assert StoredFile.objects.filter(key=key).exists()  # looking at the question deletes nothing
    done = owner_client.post("/dashboard/files/delete", {"key": key}, follow=True)
    assert "Deleted notes.txt." in done.content.decode()
    assert not StoredFile.objects.filter(key=key).exists()


def test_members_cannot_delete_files_and_outsiders_cannot_reach_them(client, owner, member, outsider):
    from files.models import StoredFile

    key = _upload(owner, "notes.txt", b"12345")
    client.force_login(member.user)
    assert client.get("/dashboard/files/delete", {"key": key}).status_code == 403
    assert client.post("/dashboard/files/delete", {"key": key}).status_code == 403
    assert "Delete…" not in client.get("/dashboard/files").content.decode()
    client.force_login(outsider.user)
    assert client.get("/dashboard/files/delete", {"key": key}).status_code == 404
    assert client.post("/dashboard/files/delete", {"key": key}).status_code == 404
    assert StoredFile.objects.filter(key=key).exists()


def test_a_cursor_we_did_not_issue_is_404(owner_client):
    assert owner_client.get("/dashboard/files?cursor=%%%").status_code == 404


def test_the_overview_series_covers_thirty_days_ending_today(owner):
    series = overview_series(org=owner.org, today=date(2026, 3, 1))
    assert len(series) == 30
    assert series[0].day == date(2026, 1, 31) and series[-1].day == date(2026, 3, 1)


def test_the_overview_series_sums_the_dsp_counters_per_day_for_this_org_only(owner, outsider):
    from datetime import UTC, datetime

    from bids.models import AdStatsHourly
    from tests import factories

    def stats(org, hour: datetime, impressions: int, clicks: int, spend: int) -> None:
        group = factories.ad_group(factories.campaign(org))
        AdStatsHourly.objects.create(
            ad=factories.ad(group),
            hour=hour,
            organization=org,
            campaign=group.campaign,
            ad_group=group,
            impressions=impressions,
            clicks=clicks,
            spend_micros=spend,
        )

    stats(owner.org, datetime(2026, 3, 1, 0, tzinfo=UTC), 10, 1, 75_000)
    stats(owner.org, datetime(2026, 3, 1, 23, tzinfo=UTC), 5, 2, 25_000)
    stats(owner.org, datetime(2026, 2, 27, 12, tzinfo=UTC), 7, 0, 1_000)
    stats(owner.org, datetime(2026, 1, 30, 23, tzinfo=UTC), 999, 9, 9)  # a day before the window
    stats(outsider.org, datetime(2026, 3, 1, 12, tzinfo=UTC), 1000, 100, 1_000_000)
    series = overview_series(org=owner.org, today=date(2026, 3, 1))
    assert series[-1] == charts.DayPoint(date(2026, 3, 1), 15, 3, 100_000)
    assert series[-3] == charts.DayPoint(date(2026, 2, 27), 7, 0, 1_000)
    assert sum(p.impressions for p in series) == 22


@pytest.mark.parametrize(
    "used, quota, percent",
    [(0, 100, 0), (1, 100, 1), (50, 200, 25), (100, 100, 100), (300, 100, 100), (0, 0, 0), (5, 0, 100)],
)
def test_storage_percent_is_bounded(used, quota, percent):
    assert StorageUsage(used, quota).percent == percent


# --- the chart's pure functions ---------------------------------------------------------------


def _points(values: list[tuple[int, int, int]]) -> list[charts.DayPoint]:
    return [charts.DayPoint(date(2026, 1, 1 + i), *v) for i, v in enumerate(values)]


@pytest.mark.parametrize(
    "micros, text",
    [(0, "$0.00"), (4_999, "$0.00"), (5_000, "$0.01"), (1_234_565_000, "$1,234.57"), (10_000_000, "$10.00")],
)
def test_money_is_shown_in_dollars_and_cents(micros, text):
    assert charts.format_money(micros) == text


def test_bars_scale_to_the_largest_value_and_zero_draws_nothing():
    svg = charts.bars_svg([0, 5, 10], color="#000", label="x")
    heights = [float(h) for h in re.findall(r'height="([\d.]+)" fill', svg)]
    assert heights == [0.0, charts.HEIGHT / 2, charts.HEIGHT]


def test_a_tiny_value_is_still_visible_next_to_a_huge_one():
    svg = charts.bars_svg([1, 1_000_000], color="#000", label="x")
    heights = [float(h) for h in re.findall(r'height="([\d.]+)" fill', svg)]
    assert heights[0] >= 1.0


def test_panels_total_each_metric_and_label_the_svg_for_screen_readers():
    panels = charts.daily_chart(_points([(1000, 10, 2_500_000), (3000, 30, 7_500_000)]))
    assert [(p.label, p.total, p.peak) for p in panels] == [
        ("Impressions", "4,000", "3,000"),
        ("Clicks", "40", "30"),
        ("Spend", "$10.00", "$7.50"),
    ]
    assert 'role="img" aria-label="Spend per day over 2 days: $10.00 in total, at most $7.50 a day"' in panels[2].svg


def test_the_chart_uses_no_inline_styles_so_the_csp_allows_it():
    for panel in charts.daily_chart(_points([(1, 2, 3)] * 30)):
        assert "style=" not in panel.svg and "<script" not in panel.svg


def test_axis_labels_name_the_first_and_last_day():
    assert charts.axis_labels(_points([(0, 0, 0)] * 3)) == ("Jan 01", "Jan 03")
    assert charts.axis_labels([]) == ("", "")
