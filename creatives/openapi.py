"""OpenAPI pieces shared by the creatives views: error responses and the Idempotency-Key header."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from thrad.schema import V1_STATUS_MEANING, V1ErrorSerializer

ALWAYS = (401, 403, 429)

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    description=(
        "1-255 visible ASCII characters. A retry with the same key and body within 24 h returns "
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
