"""Request parsing (strict DRF serializers) and response rendering for campaigns, ad groups, ads.

Input serializers reject fields they do not know, so a typo or a read-only field such as
`status` is a 400 `invalid_value` naming it instead of being silently ignored. The output
serializers (`CampaignSerializer`, `AdGroupSerializer`, `AdSerializer`) are the one definition
of each response: `CampaignSerializer.render(campaign)` is the body, and the OpenAPI schema is
read from the same fields (thrad/shapes.py keeps rendering a list of 500 cheap).
"""

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.validators import RegexValidator
from django.utils import timezone
from rest_framework import serializers

from creatives import assets, patterns
from creatives.countries import normalize_country_code
from creatives.models import Status
from thrad.shapes import OutputSerializer
from uploads.models import UploadedFile

MAX_TIMESTAMP = 253402300799  # 9999-12-31T23:59:59Z
MAX_SPEND_LIMIT_MICROS = 10**15  # $1,000,000,000
MIN_SPEND_LIMIT_MICROS = 990_000
MAX_BID_MICROS = 100_000_000
MAX_CAP_IMPRESSIONS = 100
MAX_AD_GROUPS_PER_CREATE = 20
MAX_ADS_PER_AD_GROUP_CREATE = 50
MAX_CONTEXT_HINTS = 50
MAX_COUNTRIES = 250
DEFAULT_START_DELAY = timedelta(days=2)

READ_ONLY_MESSAGES = {
    "status": "'status' is changed only by the activate, pause and archive actions.",
    "review_status": "'review_status' is read only; staff set it when they review the campaign.",
}


# --- input ---------------------------------------------------------------------------------


def choice_field(*values: str, **kwargs: Any) -> serializers.ChoiceField:
    """A ChoiceField whose labels are its values (settings.ENUM_NAME_OVERRIDES name these sets)."""
    return serializers.ChoiceField(choices=list(values), **kwargs)


def _json_type_error(field: serializers.Field, value: Any) -> Any:
    """What DRF would coerce but the schema's JSON types refuse ("5" or 5.0 for an integer, 5 for
    a string), and a string longer than max_length before trimming; None when `value` is fine."""
    if value is None:
        return None  # allow_null decides
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        errors = {i: [e] for i, item in enumerate(value) if (e := _json_type_error(field.child, item))}
        return errors or None
    if isinstance(field, serializers.BooleanField) and not isinstance(value, bool):
        return field.error_messages["invalid"]
    if isinstance(field, serializers.IntegerField) and (isinstance(value, bool) or not isinstance(value, int)):
        return field.error_messages["invalid"]
    if isinstance(field, serializers.CharField):
        if not isinstance(value, str):
            return field.error_messages["invalid"]
        if field.max_length is not None and len(value) > field.max_length:
            return field.error_messages["max_length"].format(max_length=field.max_length)
    return None


def is_whole(serializer: serializers.BaseSerializer) -> bool:
    """False for a part of a partial update (its absent fields stay as they are). An item of a
    list is always whole, even inside a partial update (it replaces the list), and so is a part
    whose serializer says `whole = True` (it replaces the stored value)."""
    node: Any = serializer
    while node.parent is not None:
        if getattr(node, "whole", False) or isinstance(
            node.parent, (serializers.ListField, serializers.ListSerializer)
        ):
            return True
        node = node.parent
    return not getattr(node, "partial", False)


class StrictSerializer(serializers.Serializer):
    """Unknown fields are refused, values must have their JSON type, list items are whole."""

    # Unknown fields (a typo, a read-only field) are an error, never ignored; "5" is no integer.
    # creatives/openapi.py states these rules in the schema (additionalProperties: false, ...).
    whole = False  # True: sent whole even in a partial update (see is_whole)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = [name for name in data if name not in self.fields]
            if unknown:
                name = str(unknown[0])
                message = READ_ONLY_MESSAGES.get(name, f"'{name}' is not a field this request accepts.")
                raise serializers.ValidationError({name: [serializers.ErrorDetail(message, code="invalid")]})
            for name, value in data.items():
                if error := _json_type_error(self.fields[name], value):
                    raise serializers.ValidationError({name: error if isinstance(error, dict) else [error]})
            if getattr(self.root, "partial", False) and is_whole(self):
                missing = [n for n, f in self.fields.items() if f.required and not f.read_only and n not in data]
                if missing:
                    message = "This field is required: this part is sent whole, even in an update."
                    raise serializers.ValidationError({missing[0]: [serializers.ErrorDetail(message, code="required")]})
        return super().to_internal_value(data)


class UnixTimeField(serializers.IntegerField):
    """A Unix time in whole seconds: read into an aware UTC datetime, shown as seconds again."""

    def to_representation(self, value: datetime) -> int:  # type: ignore[override]
        return int(value.timestamp())

    def to_internal_value(self, data: Any) -> datetime:  # type: ignore[override]
        seconds = super().to_internal_value(data)
        if not 0 <= seconds <= MAX_TIMESTAMP:
            raise serializers.ValidationError(f"Must be Unix seconds from 0 to {MAX_TIMESTAMP}.")
        return datetime.fromtimestamp(seconds, tz=UTC)


class _AbsoluteHttpUrl(RegexValidator):
    """target_url: patterns.TARGET_URL, matched whole (drf-spectacular puts it in the schema)."""

    def __init__(self) -> None:
        super().__init__(patterns.TARGET_URL)
        self.compiled = re.compile(patterns.TARGET_URL)

    def __call__(self, value: Any) -> None:
        if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
            raise serializers.ValidationError("target_url must not contain whitespace or control characters.")
        if not self.compiled.fullmatch(value):
            raise serializers.ValidationError("target_url must be an absolute http or https URL.")


_absolute_http_url = _AbsoluteHttpUrl()


COUNTRY_CODE_MESSAGE = "country_code must be an ISO 3166-1 alpha-2 code, e.g. US."


class CountrySerializer(StrictSerializer):
    country_code = serializers.CharField(
        max_length=8, validators=[RegexValidator(patterns.COUNTRY_CODE, message=COUNTRY_CODE_MESSAGE)]
    )

    def validate_country_code(self, value: str) -> str:
        code = normalize_country_code(value)
        if code is None:
            raise serializers.ValidationError(COUNTRY_CODE_MESSAGE)
        return code


class LocationsSerializer(StrictSerializer):
    include = serializers.ListField(child=CountrySerializer(), max_length=MAX_COUNTRIES, default=list)


class TargetingSerializer(StrictSerializer):
    locations = LocationsSerializer(required=False)


class BudgetSerializer(StrictSerializer):
    lifetime_spend_limit_micros = serializers.IntegerField(
        min_value=MIN_SPEND_LIMIT_MICROS, max_value=MAX_SPEND_LIMIT_MICROS
    )
    daily_spend_limit_micros = serializers.IntegerField(
        min_value=MIN_SPEND_LIMIT_MICROS,
        max_value=MAX_SPEND_LIMIT_MICROS,
        allow_null=True,
        required=False,
        help_text="Spend per UTC day; null: no daily limit. At most the lifetime limit.",
    )
    pacing = choice_field(
        "even",
        "asap",
        allow_null=True,
        required=False,
        help_text="even: spread the daily limit over the UTC day (needs a daily limit); asap: as fast as "
        "traffic allows. Absent or null: the default, even with a daily limit and asap without.",
    )


class FrequencyCapSerializer(StrictSerializer):
    """Replaced whole: an update sends both fields (or `frequency_cap: null` to remove the cap)."""

    whole = True
    max_impressions = serializers.IntegerField(min_value=1, max_value=MAX_CAP_IMPRESSIONS)
    window = choice_field("hour", "day", "week", help_text="Rolling: the last hour, 24 hours or 7 days.")


class BiddingConfigSerializer(StrictSerializer):
    max_bid_micros = serializers.IntegerField(min_value=1, max_value=MAX_BID_MICROS)
    billing_event_type = choice_field("impression", default="impression")


class CreativeSerializer(StrictSerializer):
    """A `chat_card`. `file_id` is resolved to the organization's UploadedFile (or refused)."""

    type = choice_field("chat_card", default="chat_card")
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=1000)
    cta_text = serializers.CharField(max_length=50)
    target_url = serializers.CharField(max_length=2048, trim_whitespace=False, validators=[_absolute_http_url])
    file_id = serializers.CharField(max_length=100, required=False, allow_null=True)

    def validate_file_id(self, value: str | None) -> UploadedFile | None:
        if value is None:
            return None
        cache: dict[str, UploadedFile | None] = self.context["uploads"]
        if value not in cache:
            cache[value] = UploadedFile.objects.for_org(self.context["org"]).filter(file_id=value).first()
        if cache[value] is None:
            raise serializers.ValidationError("No uploaded file with this file_id in your organization.")
        return cache[value]


class AdFieldsSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False)
    creative = CreativeSerializer()


class AdCreateSerializer(AdFieldsSerializer):
    ad_group_id = serializers.CharField(max_length=64)


class AdUpdateSerializer(AdFieldsSerializer):
    """Partial: send only what changes; `creative` may hold just the changed fields."""


class AdGroupFieldsSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    context_hints = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=MAX_CONTEXT_HINTS, default=list
    )
    bidding_config = BiddingConfigSerializer()
    frequency_cap = FrequencyCapSerializer(
        required=False,
        allow_null=True,
        help_text="How many of this group's ads one end user (the bid request's userId) may be shown per "
        "rolling window; null or absent: no cap.",
    )


class AdGroupNestedSerializer(AdGroupFieldsSerializer):
    ads = serializers.ListField(child=AdFieldsSerializer(), max_length=MAX_ADS_PER_AD_GROUP_CREATE, default=list)


class AdGroupCreateSerializer(AdGroupNestedSerializer):
    campaign_id = serializers.CharField(max_length=64)


class AdGroupUpdateSerializer(AdGroupFieldsSerializer):
    """Partial: send only what changes."""


class CampaignFieldsSerializer(StrictSerializer):
    name = serializers.CharField(min_length=3, max_length=100)
    description = serializers.CharField(max_length=2000, allow_null=True, allow_blank=True, required=False)
    start_time = UnixTimeField(required=False)
    end_time = UnixTimeField(required=False, allow_null=True)
    budget = BudgetSerializer()
    pricing_model = choice_field("cpm", default="cpm")
    targeting = TargetingSerializer(required=False)


class CampaignCreateSerializer(CampaignFieldsSerializer):
    ad_groups = serializers.ListField(
        child=AdGroupNestedSerializer(), max_length=MAX_AD_GROUPS_PER_CREATE, default=list
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("start_time") is None:
            attrs["start_time"] = timezone.now().replace(microsecond=0) + DEFAULT_START_DELAY
        end = attrs.get("end_time")
        if end is not None and end <= attrs["start_time"]:
            raise serializers.ValidationError({"end_time": "end_time must be after start_time."})
        return attrs


class CampaignUpdateSerializer(CampaignFieldsSerializer):
    """Partial: send only what changes. `status` is refused (use the lifecycle actions)."""


def parse(
    serializer_class: type[serializers.Serializer], data: Any, *, org: Any, partial: bool = False
) -> dict[str, Any]:
    """Validate `data`; a failure raises DRF's ValidationError (rendered with a dotted param)."""
    serializer = serializer_class(data=data, partial=partial, context={"org": org, "uploads": {}})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- output: each shape once, for the body and the schema (thrad/shapes.py) -----------------


class ShownStatusField(serializers.ChoiceField):
    """Archived ad groups and ads read back as paused (only campaigns show `archived`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=["active", "paused"], help_text="Archived reads back as paused.", **kwargs)

    def to_representation(self, value: str) -> str:
        return Status.PAUSED if value == Status.ARCHIVED else value


class BlankIsNullField(serializers.CharField):
    def to_representation(self, value: str) -> str | None:  # type: ignore[override]
        return value or None


class AssetUrlField(serializers.URLField):
    """An ad's stored asset path, shown as its public URL."""

    def to_representation(self, value: str) -> str | None:  # type: ignore[override]
        return assets.public_url(value)


class _CountryOut(OutputSerializer):
    country_code = serializers.CharField(source="*", help_text="ISO 3166-1 alpha-2, upper case.")


class _LocationsOut(OutputSerializer):
    include = _CountryOut(many=True, source="countries", help_text="Empty: everywhere.")


class _TargetingOut(OutputSerializer):
    locations = _LocationsOut(source="*")


class _BudgetOut(OutputSerializer):
    lifetime_spend_limit_micros = serializers.IntegerField()
    daily_spend_limit_micros = serializers.IntegerField(allow_null=True, help_text="Per UTC day; null: none.")
    pacing = choice_field("even", "asap", source="pacing_shown", help_text="The pacing in effect.")


class CampaignSerializer(OutputSerializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    status = choice_field("active", "paused", "archived")
    review_status = choice_field("in_review", "approved", "rejected")
    start_time = UnixTimeField(help_text="Unix seconds.")
    end_time = UnixTimeField(allow_null=True, help_text="Unix seconds; null: until the budget is spent.")
    budget = _BudgetOut(source="*")
    pricing_model = choice_field("cpm")
    targeting = _TargetingOut(source="*")
    created_at = UnixTimeField()
    updated_at = UnixTimeField()


class _BiddingConfigOut(OutputSerializer):
    max_bid_micros = serializers.IntegerField(help_text="CPM in micros.")
    billing_event_type = choice_field("impression")


class _FrequencyCapOut(OutputSerializer):
    max_impressions = serializers.IntegerField()
    window = choice_field("hour", "day", "week")


class AdGroupSerializer(OutputSerializer):
    # Needs `group.campaign` loaded (select_related).

    id = serializers.UUIDField(source="public_id")
    campaign_id = serializers.UUIDField(source="campaign.public_id")
    name = serializers.CharField()
    context_hints = serializers.ListField(child=serializers.CharField())
    bidding_config = _BiddingConfigOut(source="*")
    frequency_cap = _FrequencyCapOut(allow_null=True, help_text="Per end user and rolling window; null: none.")
    status = ShownStatusField()
    created_at = UnixTimeField()
    updated_at = UnixTimeField()


class _CreativeOut(OutputSerializer):
    type = choice_field("chat_card", source="creative_type")
    title = serializers.CharField()
    body = serializers.CharField()
    cta_text = serializers.CharField()
    target_url = serializers.CharField(
        help_text="As sent: an absolute http(s) URL, which may hold non-ASCII characters (no `uri` format)."
    )
    file_id = BlankIsNullField(allow_null=True)
    image_url = AssetUrlField(
        source="asset_path", allow_null=True, help_text="Public URL of this ad's own copy of the image."
    )


class AdSerializer(OutputSerializer):
    # Needs `ad.ad_group.campaign` loaded (select_related).

    id = serializers.UUIDField(source="public_id")
    ad_group_id = serializers.UUIDField(source="ad_group.public_id")
    name = serializers.CharField()
    status = ShownStatusField()
    review_status = choice_field(
        "in_review",
        "approved",
        "rejected",
        source="ad_group.campaign.review_status",
        help_text="The campaign's review status.",
    )
    creative = _CreativeOut(source="*")
