from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from bids.models import AdStatsHourly, Bid, ClickToken, FrequencyImpression, SupplyPartner
from bids.services import supply_partner_create, supply_partner_key_rotate
from thrad.admin import ReadOnlyAdmin, messages


@admin.register(SupplyPartner)
class SupplyPartnerAdmin(admin.ModelAdmin):
    """Creating a partner (or rotating its key) shows the key once, in the confirmation message."""

    list_display = ["name", "display_prefix", "is_active", "created_at"]
    list_filter = ["is_active"]
    fields = ["name", "is_active"]
    actions = ["rotate_key"]

    def save_model(self, request: HttpRequest, obj: SupplyPartner, form: object, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        partner, secret = supply_partner_create(name=obj.name)
        if not obj.is_active:
            SupplyPartner.objects.filter(pk=partner.pk).update(is_active=False)
        obj.pk, obj.prefix, obj.digest = partner.pk, partner.prefix, partner.digest
        self.message_user(request, f"Key for {partner.name} (shown once, copy it now): {secret}", messages.WARNING)

    @admin.action(description="Rotate the key (the old one stops at once)")
    def rotate_key(self, request: HttpRequest, queryset: QuerySet[SupplyPartner]) -> None:
        for partner in queryset:
            secret = supply_partner_key_rotate(partner=partner)
            self.message_user(request, f"New key for {partner.name} (shown once): {secret}", messages.WARNING)


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "partner",
        "campaign",
        "price_micros",
        "created_at",
        "rendered_at",
        "realized_price_micros",
    ]
    list_filter = ["request_type", "partner", ("rendered_at", admin.EmptyFieldListFilter)]
    search_fields = ["id", "request_id", "campaign__name", "campaign__organization__name"]
    raw_id_fields = ["partner", "ad", "campaign"]
    date_hierarchy = "created_at"


@admin.register(AdStatsHourly)
class AdStatsHourlyAdmin(ReadOnlyAdmin):
    list_display = ["hour", "ad", "campaign", "impressions", "clicks", "spend_micros"]
    list_filter = ["organization"]
    search_fields = ["campaign__name", "ad__name"]
    raw_id_fields = ["ad", "organization", "campaign", "ad_group"]
    date_hierarchy = "hour"


@admin.register(ClickToken)
class ClickTokenAdmin(ReadOnlyAdmin):
    list_display = ["bid_id", "ad", "created_at", "expires_at", "clicked_at"]
    search_fields = ["bid_id", "ad__name"]
    date_hierarchy = "created_at"
    exclude = ["digest"]
    raw_id_fields = ["ad"]


@admin.register(FrequencyImpression)
class FrequencyImpressionAdmin(ReadOnlyAdmin):
    """The database's frequency counter (without REDIS_URL); user keys are digests of userIds."""

    list_display = ["at", "ad_group", "user_key"]
    search_fields = ["user_key", "ad_group__name"]
    raw_id_fields = ["ad_group"]
    date_hierarchy = "at"
