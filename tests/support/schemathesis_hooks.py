"""Schemathesis hooks for tests/thrad/test_schema_fuzz.py (loaded through SCHEMATHESIS_HOOKS).

`documented_refusals_only` replaces the built-in `positive_data_acceptance`: a request that
matches the schema must be accepted, except for the refusals the contracts document that a
schema cannot express. Each is listed here with its reason; nothing else may refuse valid data.
A rule names the error's `param` where the code alone (invalid_value) would excuse too much.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import schemathesis
from schemathesis import Case, CheckContext, Response


def _both_cursors(case: Case) -> bool:
    return bool(case.query) and "after" in case.query and "before" in case.query


def _updates_a_campaign(case: Case) -> bool:
    return case.operation.path == "/v1/campaigns/{campaign_id}"


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    param: str | None = None  # the error's param must end with this
    message: str | None = None  # and its message must contain this
    when: Callable[[Case], bool] | None = None


DOCUMENTED = (
    # state rules: the answer depends on stored data, not on the request's shape
    Refusal(400, "campaign_not_approved"),  # activate before staff approved the campaign
    Refusal(400, "idempotency_key_reused"),  # the same key was used with another body
    Refusal(409, "idempotency_key_in_use"),
    Refusal(400, "invalid_value", param="creative.file_id"),  # no such upload in this organization
    Refusal(400, "invalid_value", message="must be the id of an object in this list"),  # after/before
    Refusal(400, "invalid_value", param="end_time"),  # end_time after start_time, sent or stored
    Refusal(400, "invalid_value", message="must be at most lifetime_spend_limit_micros"),  # sent or stored
    # an update meets the stored daily limit (a create states the rule in its schema)
    Refusal(400, "invalid_value", message="Even pacing spreads a daily limit", when=_updates_a_campaign),
    Refusal(400, "invalid_cursor"),  # Files API: a cursor is only what a list returned as nextCursor
    # the outside world: the URL is well formed but the host cannot be reached or is refused
    Refusal(400, "invalid_image_url"),
    Refusal(400, "image_fetch_failed"),
    Refusal(400, "too_many_redirects"),
    # file contents: a schema says "binary", only decoding the bytes says what they are
    Refusal(400, "invalid_file"),
    Refusal(400, "unsupported_mimetype"),
    Refusal(400, "file_too_large"),
    # ... and the Files API's per-part codes: the type comes from the bytes and the part's
    # filename, which an OpenAPI 3.0 multipart body cannot constrain
    Refusal(400, "unsupported_type"),
    Refusal(400, "type_mismatch"),
    Refusal(400, "blocked_extension"),
    Refusal(400, "quota_exceeded"),  # state: the organization's stored bytes
    # rules across two query parameters, which OpenAPI 3.0 cannot state between parameters
    Refusal(400, "invalid_value", param="before", when=_both_cursors),  # after with before
    Refusal(400, "invalid_time_range"),  # since must be before until
    Refusal(400, "range_too_wide"),  # until - since at most 366 days
    Refusal(400, "hourly_range_too_wide"),  # at most 25 h with hourly granularity
)
# DSP: bodies are {"error": "<message>"}; the rules of a bid request a schema cannot state.
DSP_DOCUMENTED_MESSAGES = tuple(
    re.compile(message)
    for message in (
        r"messages must alternate between user and assistant\.",  # JSON Schema has no "alternating"
        r"messages must end with a user message followed by an assistant message\.",  # nor "the last two"
        r"realizedPrice \S+ is above the bid \S+\.",  # state: only the stored bid knows its price
    )
)


@dataclass(frozen=True)
class Error:
    status: int
    code: str | None
    param: str = ""
    message: str = ""


def _error(response: Response) -> Error:
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return Error(response.status_code, None)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return Error(response.status_code, error.get("code"), error.get("param") or "", error.get("message") or "")
    if isinstance(error, str):
        return Error(response.status_code, "dsp", message=error)
    return Error(response.status_code, None)


def _part_errors(response: Response) -> list[Error] | None:
    """The Files API's per-part errors when every part was refused, else None."""
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        return [
            Error(response.status_code, part.get("code"), message=part.get("message") or "") for part in body["errors"]
        ]
    return None


def _documented(error: Error, case: Case) -> bool:
    if error.code == "dsp":
        return error.status == 400 and any(rule.fullmatch(error.message) for rule in DSP_DOCUMENTED_MESSAGES)
    for rule in DOCUMENTED:
        if (rule.status, rule.code) != (error.status, error.code):
            continue
        if rule.param is not None and not error.param.endswith(rule.param):
            continue
        if rule.message is not None and rule.message not in error.message:
            continue
        if rule.when is None or rule.when(case):
            return True
    return False


@schemathesis.check
def documented_refusals_only(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code < 400:
        return None
    if response.status_code in (401, 403, 404, 429) or response.status_code >= 500:
        return None  # credentials, other organizations' ids, limits; 5xx is not_a_server_error's
    parts = _part_errors(response)
    if parts is not None:  # Files API: every part refused, each for a documented reason?
        undocumented = [part for part in parts if not _documented(part, case)]
        if not undocumented:
            return None
        error = undocumented[0]
    else:
        error = _error(response)
        if _documented(error, case):
            return None
    detail = f"{error.code} (param {error.param!r}): {error.message}" if error.code else ""
    raise AssertionError(f"A schema-valid request was refused: {error.status} {detail}")
