"""OpenAPI pieces shared by the creatives views: error responses, the Idempotency-Key header, and
request bodies that state every rule the strict serializers enforce."""

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from creatives.serializers import MAX_TIMESTAMP, BudgetSerializer, UnixTimeField, is_whole
from thrad.patterns import trimmed_string
from thrad.schema import V1_STATUS_MEANING, V1ErrorSerializer

ALWAYS = (401, 403, 429)

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    # The rule idempotency.py enforces (sent but empty or with a space: 400 invalid_value).
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
    location=OpenApiParameter.HEADER,
    description=(
        "1-255 visible ASCII characters (no spaces); sent empty or otherwise: 400 invalid_value. A retry with the same key and body within 24 h returns "
        "the first response (same status and body, header `Idempotent-Replayed: true`) and creates "
        "nothing; the same key with another body is 400 idempotency_key_reused. Concurrent requests "
        "with one key: the later ones wait for the first and replay its response. Failed requests "
        "are not recorded."
    ),
)

CAMPAIGN_CREATE_429 = OpenApiResponse(
    V1ErrorSerializer,
    description=(
        "rate_limit_error / rate_limit_exceeded: 1000 requests per hour per key, and 60 campaign "
        "creates per hour per key on top; see Retry-After."
    ),
)


def errors(*statuses: int, codes: str = "invalid_value") -> dict[int, OpenApiResponse]:
    """Error responses for `statuses` plus 401, 403 and 429; `codes` lists this call's 400 codes."""
    responses = {}
    for status in sorted({*statuses, *ALWAYS}):
        description = V1_STATUS_MEANING[status]
        if status == 400:
            description = f"invalid_request_error: {codes}. `param` names the offending field, dotted."
        responses[status] = OpenApiResponse(V1ErrorSerializer, description=description)
    return responses


# Rules across fields of one object that JSON Schema can state, for the object sent whole (in an
# update, the stored values take part: those are state rules, in the descriptions).
WHOLE_RULES: dict[type, dict[str, Any]] = {
    BudgetSerializer: {
        "description": "pacing even needs a daily_spend_limit_micros; the daily limit is at most the lifetime one.",
        "not": {
            "required": ["pacing"],
            "properties": {
                "pacing": {"enum": ["even"]},
                "daily_spend_limit_micros": {"not": {"type": "integer"}},
            },
        },
    },
}


class StrictSerializerScheme(OpenApiSerializerExtension):
    """Request bodies of `StrictSerializer`s say what the server enforces.

    - `additionalProperties: false`: unknown fields are 400 invalid_value.
    - A part of a partial update (`Patched...`) requires nothing and has no defaults: absent
      fields keep their value. An item of a list is whole even there.
    - Strings carry the pattern of what DRF accepts (trimmed, no NUL); Unix times their bounds.
    """

    target_class = "creatives.serializers.StrictSerializer"
    match_subclasses = True

    def get_name(self, auto_schema: Any, direction: str) -> str:
        # The bare name: drf-spectacular adds "Patched" to a partial root and "Request" itself.
        name = auto_schema._get_serializer_name(self.target, "response", bypass_extensions=True)
        if direction == "request" and not is_whole(self.target) and not self.target.partial:
            name = f"Patched{name}"
        return name

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction != "request":
            return schema
        schema["additionalProperties"] = False
        properties = schema.get("properties", {})
        for name, field in self.target.fields.items():
            prop = properties.get(name)
            if prop is None:
                continue
            if isinstance(field, serializers.ListField) and isinstance(prop.get("items"), dict):
                field, prop = field.child, prop["items"]
            if isinstance(field, UnixTimeField):
                prop.update(minimum=0, maximum=MAX_TIMESTAMP)
            elif isinstance(field, serializers.CharField) and "pattern" not in prop and "type" in prop:
                blank = field.allow_blank or not field.trim_whitespace
                prop["pattern"] = trimmed_string(min_length=field.min_length or 1, allow_blank=blank)
        if is_whole(self.target):
            schema.update(WHOLE_RULES.get(type(self.target), {}))
        else:
            schema.pop("required", None)
            for prop in properties.values():
                prop.pop("default", None)
        return schema
