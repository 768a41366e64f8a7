"""Staff views: the campaign review queue (approve / reject actions) and read-only browsing."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from creatives import services
from creatives.models import Ad, AdGroup, Campaign, CampaignInReview, ReviewStatus

CAMPAIGN_FIELDS: list[str] = [
    "public_id", "organization", "name", "description", "status", "review_status", "start_time",
    "end_time", "lifetime_spend_limit_micros", "spend_micros", "daily_spend_limit_micros", "pacing_in_effect",
    "day_spend_micros", "spend_day", "pricing_model", "countries", "created_at", "updated_at",
]  # fmt: skip


def _review(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, *, approve: bool) -> None:
    user = request.user if isinstance(request.user, User) else None
    count = 0
    for campaign in queryset.select_related("organization"):
        services.campaign_review(campaign=campaign, approve=approve, by_user=user, actor_label="admin")
        count += 1
    verb = "approved" if approve else "rejected"
    modeladmin.message_user(request, f"{count} campaign(s) {verb}.", messages.SUCCESS)


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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="Pacing (in effect)")
    def pacing_in_effect(self, campaign: Campaign) -> str:
        return campaign.pacing_shown

    @admin.display(description="Ad groups and ads")
    def creatives(self, campaign: Campaign) -> SafeString:
        """Everything a reviewer must see: each ad's copy, link and image (escaped)."""
        ads = Ad.objects.filter(ad_group__campaign=campaign).select_related("ad_group").order_by("ad_group_id", "id")  # fmt: skip
        rows = (
            (
                ad.ad_group.name, ", ".join(ad.ad_group.context_hints), ad.title, ad.body, ad.cta_text,
                ad.target_url, f"{settings.MEDIA_URL}{ad.asset_path}" if ad.asset_path else "",
            )
            for ad in ads
        )  # fmt: skip
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
