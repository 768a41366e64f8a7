"""Staff views: the campaign review queue (approve / reject, from the list or a campaign's page)
and read-only browsing. Every decision goes through `services.campaign_review`, audited."""

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from creatives import services
from creatives.models import Ad, AdGroup, Campaign, CampaignInReview, ReviewStatus, Status
from thrad.admin import staff_audit

CAMPAIGN_FIELDS: list[str] = [
    "public_id",
    "organization",
    "name",
    "description",
    "status",
    "review_status",
    "start_time",
    "end_time",
    "lifetime_spend_limit_micros",
    "spend_micros",
    "daily_spend_limit_micros",
    "pacing_in_effect",
    "day_spend_micros",
    "spend_day",
    "pricing_model",
    "countries",
    "created_at",
    "updated_at",
]


def _decide(request: HttpRequest, campaigns: list[Campaign], *, approve: bool) -> str:
    """Apply one decision to each campaign and say what happened, in words that fit 1 or n."""
    serving = [campaign.status == Status.ACTIVE for campaign in campaigns]
    for campaign in campaigns:
        services.campaign_review(campaign=campaign, approve=approve, **staff_audit(request))
    verb, count = ("approved" if approve else "rejected"), len(campaigns)
    if count == 1:
        paused = " It was serving and is now paused." if serving[0] and not approve else ""
        return f"Campaign “{campaigns[0].name}” {verb}.{paused}"
    return ngettext("%(n)d campaign %(verb)s.", "%(n)d campaigns %(verb)s.", count) % {
        "n": count,
        "verb": verb,
    }


def _review(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, *, approve: bool) -> None:
    campaigns = list(queryset.select_related("organization"))
    modeladmin.message_user(request, _decide(request, campaigns, approve=approve), messages.SUCCESS)


@admin.action(description="Approve selected campaigns", permissions=["change"])
def approve_campaigns(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    _review(modeladmin, request, queryset, approve=True)


@admin.action(description="Reject selected campaigns", permissions=["change"])
def reject_campaigns(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    _review(modeladmin, request, queryset, approve=False)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """Read only except for the review actions: advertisers own their campaigns' content."""

    list_display = ["name", "organization", "status", "review_status", "start_time", "created_at"]
    list_filter = ["review_status", "status"]
    search_fields = ["name", "organization__name"]
    list_select_related = ["organization"]
    actions = [approve_campaigns, reject_campaigns]
    fields = [*CAMPAIGN_FIELDS, "creatives"]  # type: ignore[assignment]  # django-stubs: list invariance
    readonly_fields = [*CAMPAIGN_FIELDS, "creatives"]

    change_form_template = "admin/creatives/campaign/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        review = self.admin_site.admin_view(require_POST(self.review_view))
        name = f"{self.opts.app_label}_{self.opts.model_name}_review"
        return [path("<path:object_id>/review/", review, name=name), *super().get_urls()]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The page offers the review decisions instead of Save: every field is read-only."""
        campaign = self.get_object(request, unquote(object_id))
        context: dict[str, Any] = {
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        if campaign is not None and self.has_change_permission(request, campaign):
            context |= {
                "title": "Review campaign",
                "review_url": self._url("review", campaign.pk),
                "can_approve": campaign.review_status != ReviewStatus.APPROVED,
                "can_reject": campaign.review_status != ReviewStatus.REJECTED,
            }
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})

    def review_view(self, request: HttpRequest, object_id: str) -> HttpResponseRedirect:
        """POST `_approve` or `_reject` from a campaign's page; back to the list with what happened."""
        campaign = self.get_object(request, unquote(object_id))
        changelist = self._url("changelist")
        if campaign is None:
            self.message_user(
                request, "That campaign is no longer waiting here; it was decided meanwhile.", messages.WARNING
            )
            return redirect(changelist)
        if not self.has_change_permission(request, campaign):
            raise PermissionDenied
        if "_approve" not in request.POST and "_reject" not in request.POST:
            return redirect(self._url("change", campaign.pk))
        message = _decide(request, [campaign], approve="_approve" in request.POST)
        self.message_user(request, message, messages.SUCCESS)
        return redirect(changelist)

    def _url(self, view: str, *args: object) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}", args=args)

    @admin.display(description="Pacing (in effect)")
    def pacing_in_effect(self, campaign: Campaign) -> str:
        return campaign.pacing_shown

    @admin.display(description="Ad groups and ads")
    def creatives(self, campaign: Campaign) -> SafeString:
        """Everything a reviewer must see: each ad's copy, link and image (escaped)."""
        ads = Ad.objects.filter(ad_group__campaign=campaign).select_related("ad_group").order_by("ad_group_id", "id")
        rows = (
            (
                ad.ad_group.name,
                ", ".join(ad.ad_group.context_hints),
                ad.title,
                ad.body,
                ad.cta_text,
                ad.target_url,
                f"{settings.MEDIA_URL}{ad.asset_path}" if ad.asset_path else "",
            )
            for ad in ads
        )
        items = format_html_join(
            "",
            '<li><b>{}</b> ({}): <b>{}</b> — {} [{}] → <code>{}</code> <img src="{}" alt="" style="max-height:80px"></li>',  # noqa: E501
            rows,
        )
        return format_html("<ul>{}</ul>", items) if ads else format_html("<i>{}</i>", "No ads.")


@admin.register(CampaignInReview)
class CampaignReviewQueueAdmin(CampaignAdmin):
    """Campaigns waiting for a decision, oldest first."""

    list_filter = ["status"]
    ordering = ["created_at", "id"]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return super().changelist_view(request, {"title": "Campaign review queue", **(extra_context or {})})

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(review_status=ReviewStatus.IN_REVIEW)


@admin.register(AdGroup)
class AdGroupAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "campaign",
        "organization",
        "status",
        "max_bid_micros",
        "frequency_cap",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["name", "campaign__name"]
    list_select_related = ["campaign", "organization"]
    readonly_fields = [f.name for f in AdGroup._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Frequency cap")
    def frequency_cap(self, group: AdGroup) -> str:
        cap = group.frequency_cap
        return f"{cap.max_impressions} per {cap.window} per user" if cap else "—"


@admin.register(Ad)
class AdAdmin(admin.ModelAdmin):
    list_display = ["name", "ad_group", "organization", "status", "title", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "title", "target_url"]
    list_select_related = ["ad_group", "organization"]
    readonly_fields = [f.name for f in Ad._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
