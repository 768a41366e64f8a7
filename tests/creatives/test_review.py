"""Staff review: the admin review queue and its actions, the review_campaign command."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils.html import strip_tags

from creatives.models import AdGroup, Campaign
from tests.creatives.conftest import ad_group_body, campaign_body
from thrad.models import AuditLog


@pytest.fixture
def staff_client(db):
    user = get_user_model().objects.create_superuser("reviewer", "reviewer@example.com", "pw-123456789")
    client = Client()
    client.force_login(user)
    return client


def _pk(campaign: dict) -> int:
    return Campaign.objects.get(public_id=campaign["id"]).pk


def _text(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


def admin_action(client, model, action, campaign_ids):
    pks = [Campaign.objects.get(public_id=cid).pk for cid in campaign_ids]
    return client.post(f"/admin/creatives/{model}/", {"action": action, "_selected_action": pks})


def test_the_review_queue_lists_only_campaigns_in_review(staff_client, create_campaign):
    waiting = create_campaign(name="Waiting campaign")
    done = create_campaign(name="Decided campaign")
    admin_action(staff_client, "campaign", "approve_campaigns", [done["id"]])
    page = staff_client.get("/admin/creatives/campaigninreview/").content.decode()
    rows = page[page.index('id="result_list"') :]  # the page also says what was just approved
    assert "Waiting campaign" in rows
    assert "Decided campaign" not in rows
    assert Campaign.objects.get(public_id=waiting["id"]).review_status == "in_review"


def test_approving_in_the_admin_lets_the_advertiser_activate(owner, staff_client, create_campaign):
    campaign = create_campaign()
    response = admin_action(staff_client, "campaigninreview", "approve_campaigns", [campaign["id"]])
    assert response.status_code == 302
    body = owner.client().get(f"/v1/campaigns/{campaign['id']}").json()
    assert body["review_status"] == "approved"
    activated = owner.client().post(f"/v1/campaigns/{campaign['id']}/activate")
    assert activated.status_code == 200
    assert activated.json()["status"] == "active"
    entry = AuditLog.objects.get(action="campaign_approved")
    assert entry.actor.username == "reviewer" and campaign["id"] in entry.target


def test_rejecting_in_the_admin_blocks_activation_and_pauses_an_active_campaign(owner, staff_client, create_campaign):
    campaign = create_campaign()
    admin_action(staff_client, "campaign", "approve_campaigns", [campaign["id"]])
    owner.client().post(f"/v1/campaigns/{campaign['id']}/activate")
    admin_action(staff_client, "campaign", "reject_campaigns", [campaign["id"]])
    body = owner.client().get(f"/v1/campaigns/{campaign['id']}").json()
    assert (body["review_status"], body["status"]) == ("rejected", "paused")
    refused = owner.client().post(f"/v1/campaigns/{campaign['id']}/activate")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "campaign_not_approved"


def test_the_campaign_page_shows_the_ads_escaped_for_review(staff_client, owner, tree):
    owner.client().post(f"/v1/ads/{tree['ad']['id']}", {"creative": {"title": "<script>x()</script>"}}, format="json")
    pk = Campaign.objects.get(public_id=tree["campaign"]["id"]).pk
    page = staff_client.get(f"/admin/creatives/campaign/{pk}/change/").content.decode()
    assert "&lt;script&gt;x()&lt;/script&gt;" in page
    assert "<script>x()</script>" not in page
    assert "https://www.nike.com/running" in page


def test_a_non_staff_user_cannot_review(owner, create_campaign):
    campaign = create_campaign()
    client = Client()
    client.force_login(owner.user)
    response = admin_action(client, "campaign", "approve_campaigns", [campaign["id"]])
    assert response.status_code == 302 and "/login" in response["Location"]
    assert Campaign.objects.get(public_id=campaign["id"]).review_status == "in_review"


def test_a_queued_campaigns_page_offers_approve_and_reject_instead_of_save(staff_client, create_campaign):
    campaign = create_campaign(name="Needs review")
    html = staff_client.get(f"/admin/creatives/campaigninreview/{_pk(campaign)}/change/").content.decode()
    review_url = f"/admin/creatives/campaigninreview/{_pk(campaign)}/review/"
    assert re.search(rf'<input type="submit"[^>]*name="_approve" value="Approve" formaction="{review_url}">', html)
    assert re.search(rf'<input type="submit"[^>]*name="_reject" value="Reject" formaction="{review_url}">', html)
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="_save"' not in html and 'name="_continue"' not in html
    assert "Waiting for review." in html


def test_approving_on_the_campaign_page_goes_back_to_a_queue_that_reads_naturally(staff_client, owner, create_campaign):
    campaign = create_campaign(name="Needs review")
    response = staff_client.post(f"/admin/creatives/campaigninreview/{_pk(campaign)}/review/", {"_approve": "Approve"})
    assert response.status_code == 302 and response["Location"] == "/admin/creatives/campaigninreview/"
    page = _text(staff_client.get(response["Location"]))
    assert "Campaign “Needs review” approved." in page
    assert "0 campaigns in review" in page and "Campaign review queue" in page
    assert "campaign review queue" not in page  # the model's old plural, which read "0 campaign review queue"
    assert owner.client().get(f"/v1/campaigns/{campaign['id']}").json()["review_status"] == "approved"
    entry = AuditLog.objects.get(action=AuditLog.Action.CAMPAIGN_APPROVE)
    assert (entry.actor.username, entry.actor_label, entry.ip_address) == (
        "reviewer",
        "reviewer (staff)",
        "127.0.0.1",
    )
    assert entry.target == f"Needs review ({campaign['id']})"


def test_rejecting_on_the_page_of_an_active_campaign_pauses_it_and_says_so(staff_client, owner, create_campaign):
    campaign = create_campaign(name="Live one")
    admin_action(staff_client, "campaign", "approve_campaigns", [campaign["id"]])
    owner.client().post(f"/v1/campaigns/{campaign['id']}/activate")
    html = staff_client.get(f"/admin/creatives/campaign/{_pk(campaign)}/change/").content.decode()
    assert 'name="_reject"' in html and 'name="_approve"' not in html  # already approved
    response = staff_client.post(
        f"/admin/creatives/campaign/{_pk(campaign)}/review/", {"_reject": "Reject"}, follow=True
    )
    assert "Campaign “Live one” rejected. It was serving and is now paused." in _text(response)
    body = owner.client().get(f"/v1/campaigns/{campaign['id']}").json()
    assert (body["review_status"], body["status"]) == ("rejected", "paused")


@pytest.mark.parametrize(
    ("waiting", "says"), [(0, "0 campaigns in review"), (1, "1 campaign in review"), (2, "2 campaigns in review")]
)
def test_the_queue_counts_its_campaigns_in_words_that_fit_the_number(staff_client, create_campaign, waiting, says):
    for number in range(waiting):
        create_campaign(name=f"Campaign {number}")
    page = _text(staff_client.get("/admin/creatives/campaigninreview/"))
    assert says in page
    assert "Campaign review queue" in page


def test_the_list_action_says_how_many_it_decided(staff_client, create_campaign):
    campaigns = [create_campaign(name=f"Campaign {n}")["id"] for n in range(2)]
    response = admin_action(staff_client, "campaigninreview", "approve_campaigns", campaigns)
    assert "2 campaigns approved." in _text(staff_client.get(response["Location"]))
    response = admin_action(staff_client, "campaign", "reject_campaigns", campaigns[:1])
    assert "Campaign “Campaign 0” rejected." in _text(staff_client.get(response["Location"]))


def test_a_decision_from_a_stale_queue_page_changes_nothing(staff_client, create_campaign):
    campaign = create_campaign(name="Decided elsewhere")
    call_command("review_campaign", campaign["id"], "--reject")
    response = staff_client.post(
        f"/admin/creatives/campaigninreview/{_pk(campaign)}/review/", {"_approve": "Approve"}, follow=True
    )
    assert "decided meanwhile" in _text(response)
    assert Campaign.objects.get(public_id=campaign["id"]).review_status == "rejected"
    assert AuditLog.objects.filter(action=AuditLog.Action.CAMPAIGN_APPROVE).count() == 0


def test_the_decision_buttons_need_a_post_with_the_csrf_token(create_campaign):
    campaign = create_campaign()
    user = get_user_model().objects.create_superuser("strict", "strict@example.com", "pw-123456789")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    url = f"/admin/creatives/campaigninreview/{_pk(campaign)}/review/"
    assert client.get(url).status_code == 405
    assert client.post(url, {"_approve": "Approve"}).status_code == 403
    assert Campaign.objects.get(public_id=campaign["id"]).review_status == "in_review"
    page = client.get(f"/admin/creatives/campaigninreview/{_pk(campaign)}/change/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(url, {"_approve": "Approve", "csrfmiddlewaretoken": token}).status_code == 302
    assert Campaign.objects.get(public_id=campaign["id"]).review_status == "approved"


def test_the_advertisers_audit_log_names_the_decision_in_words(staff_client, owner, create_campaign):
    campaign = create_campaign(name="Spring sale")
    staff_client.post(f"/admin/creatives/campaigninreview/{_pk(campaign)}/review/", {"_approve": "Approve"})
    dashboard = Client()
    dashboard.force_login(owner.user)
    audit = _text(dashboard.get("/dashboard/settings/api-keys")).split("Audit log", 1)[1]
    assert f"Approved the campaign Spring sale ({campaign['id']})" in audit
    assert "campaign_approved" not in audit


def test_the_command_approves_and_rejects(owner, create_campaign, capsys):
    campaign = create_campaign()
    call_command("review_campaign", campaign["id"], "--approve")
    assert "approved" in capsys.readouterr().out
    assert owner.client().get(f"/v1/campaigns/{campaign['id']}").json()["review_status"] == "approved"
    call_command("review_campaign", campaign["id"], "--reject")
    assert owner.client().get(f"/v1/campaigns/{campaign['id']}").json()["review_status"] == "rejected"
    assert AuditLog.objects.filter(actor_label="cli").count() == 2


@pytest.mark.parametrize(
    "args",
    [
        ["0b5cc0b4-4a2c-4c8a-9bfb-1a8e2c0e1f00", "--approve"],
        ["not-an-id", "--reject"],
        ["{id}"],
        ["{id}", "--approve", "--reject"],
    ],
)
def test_the_command_refuses_unknown_ids_and_needs_exactly_one_decision(create_campaign, args):
    campaign = create_campaign()
    with pytest.raises(CommandError):
        call_command("review_campaign", *[a.replace("{id}", campaign["id"]) for a in args])
    assert Campaign.objects.get(public_id=campaign["id"]).review_status == "in_review"


def test_the_admin_shows_budgets_and_caps_read_only(staff_client, owner):
    body = campaign_body(
        budget={"lifetime_spend_limit_micros": 9_000_000, "daily_spend_limit_micros": 3_000_000},
        ad_groups=[ad_group_body(frequency_cap={"max_impressions": 4, "window": "week"})],
    )
    campaign = owner.client().post("/v1/campaigns", body, format="json").json()
    pk = Campaign.objects.get(public_id=campaign["id"]).pk
    page = staff_client.get(f"/admin/creatives/campaign/{pk}/change/").content.decode()
    assert "3000000" in page and "Pacing (in effect)" in page and "even" in page
    assert 'name="daily_spend_limit_micros"' not in page  # read only: no input
    groups = staff_client.get("/admin/creatives/adgroup/").content.decode()
    assert "4 per week per user" in groups
    group_pk = AdGroup.objects.get(campaign_id=pk).pk
    group_page = staff_client.get(f"/admin/creatives/adgroup/{group_pk}/change/").content.decode()
    assert 'name="frequency_cap_max_impressions"' not in group_page
