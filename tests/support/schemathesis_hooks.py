"""Schemathesis hooks for tests/thrad/test_schema_fuzz.py (loaded through SCHEMATHESIS_HOOKS).

`documented_refusals_only` replaces the built-in `positive_data_acceptance`: a request that
matches the schema must be accepted, except for the refusals the contracts document that a
schema cannot express. Each is listed here with its reason; nothing else may refuse valid data.
"""

import json

import schemathesis
from schemathesis import Case, CheckContext, Response

# (status, code) pairs, with why a schema-valid request may still get them.
DOCUMENTED = {
    # state rules: the answer depends on stored data, not on the request's shape
    (400, "campaign_not_approved"),  # activate before staff approved the campaign
    (400, "idempotency_key_reused"),  # the same key was used with another body
    (409, "idempotency_key_in_use"),
    # the outside world: the URL is well formed but the host cannot be reached or is refused
    (400, "invalid_image_url"),
    (400, "image_fetch_failed"),
    (400, "too_many_redirects"),
    # file contents: a schema says "binary", only decoding the bytes says what they are
    (400, "invalid_file"),
    (400, "unsupported_mimetype"),
    (400, "file_too_large"),
    # rules across two parameters, which OpenAPI 3.0 cannot state between query parameters
    (400, "invalid_time_range"),  # since must be before until
    (400, "range_too_wide"),  # until - since at most 366 days
    (400, "hourly_range_too_wide"),  # at most 25 h with hourly granularity
    (400, "aggregation_level_too_high"),  # aggregation_level must be at or below the endpoint's scope
}
# DSP: bodies are {"error": "<message>"}; the cross-field rules of a bid request, by message.
DSP_DOCUMENTED_MESSAGES = (
    "messages",  # roles alternate, the last two are user then assistant (see the description)
    "chatId",  # required for contextual, absent for opener
    "realizedPrice",  # at most the bid, which only the stored bid knows
)


def _code(response: Response) -> tuple[int, str | None]:
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return response.status_code, None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return response.status_code, error.get("code")
    if isinstance(error, str):
        return response.status_code, f"dsp:{error}"
    if isinstance(body, dict) and body.get("errors"):  # Files API: every part refused
        codes = {part.get("code") for part in body["errors"]}
        return response.status_code, codes.pop() if len(codes) == 1 else None
    return response.status_code, None


@schemathesis.check
def documented_refusals_only(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code < 400:
        return None
    if response.status_code in (401, 403, 404, 429) or response.status_code >= 500:
        return None  # credentials, other organizations' ids, limits; 5xx is not_a_server_error's
    status, code = _code(response)
    if (status, code) in DOCUMENTED:
        return None
    if code and code.startswith("dsp:") and any(word in code for word in DSP_DOCUMENTED_MESSAGES):
        return None
    raise AssertionError(f"A schema-valid request was refused: {status} {code}")
