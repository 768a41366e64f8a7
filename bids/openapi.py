"""OpenAPI descriptions of the DSP request bodies and headers: every rule bids/bid_request.py and
bids/views.py enforce that JSON Schema can state.

The bid request is `oneOf` a contextual and an opener request (told apart by `request_type`),
since `chatId` and `messages` follow different rules in each. An optional field sent as null
counts as absent (so each is nullable); unknown fields are ignored (additionalProperties stays
open). Two rules are left to the descriptions: roles alternate and the last two messages are a
user then an assistant message (JSON Schema has no "alternating" nor "the last two").
"""

import re

from bids.bid_request import MAX_ID_LENGTH, MIN_HEADLINE_CHARS
from thrad.patterns import NOT_BLANK, WS
from thrad.schema import RawSchema

_STRING = {"type": "string", "maxLength": MAX_ID_LENGTH, "nullable": True}
_REQUIRED_ID = {"type": "string", "maxLength": MAX_ID_LENGTH, "pattern": NOT_BLANK}
_COMMON = {
    "userId": {**_REQUIRED_ID, "description": "Anonymous user id."},
    "nAdsBefore": {"type": "integer", "minimum": 0, "nullable": True},
    "ad_formats": {
        "type": "array",
        "items": {"type": "string"},
        "nullable": True,
        "description": 'Default ["sponsored_message"]; we bid only when sponsored_message is in it.',
    },
    "production": {"type": "boolean", "nullable": True, "description": "Default true."},
    "request_id": {**_STRING, "description": "Echoed in logs."},
    "country_code": {
        "type": "string",
        "maxLength": 8,
        "nullable": True,
        "description": "ISO alpha-2, any case.",
    },
    "region": _STRING,
    "city": _STRING,
    "device": _STRING,
    "timezone": _STRING,
    "config": {
        "type": "object",
        "nullable": True,
        "properties": {
            "max_headline_chars": {"type": "integer", "minimum": MIN_HEADLINE_CHARS, "nullable": True},
            "image_enabled": {"type": "boolean", "nullable": True, "description": "Default true."},
        },
    },
}


class BidMessage(RawSchema):
    schema = {
        "type": "object",
        "properties": {
            "role": {"type": "string", "enum": ["user", "assistant"]},
            "content": {"type": "string"},
            "timestamp": {
                "oneOf": [{"type": "number"}, {"type": "string"}],
                "nullable": True,
                "description": "Optional; a number or a string.",
            },
        },
        "required": ["role", "content"],
    }


class ContextualBid(RawSchema):
    schema = {
        "type": "object",
        "description": "A slot inside a conversation (`request_type` absent, null or contextual).",
        "properties": {
            "request_type": {"type": "string", "enum": ["contextual"], "nullable": True},
            "chatId": _REQUIRED_ID,
            "messages": {
                "type": "array",
                "items": BidMessage,
                "minItems": 2,
                "description": "Roles alternate between user and assistant, and the last two are a "
                "user message then an assistant message (else 400).",
            },
            **_COMMON,
        },
        "required": ["userId", "chatId", "messages"],
    }


class OpenerBid(RawSchema):
    schema = {
        "type": "object",
        "description": "A slot before the conversation starts: no chatId; messages, if any, are ignored.",
        "properties": {
            "request_type": {"type": "string", "enum": ["opener"]},
            "chatId": {"not": {}, "nullable": True, "description": "Absent or null."},
            "messages": {"type": "array", "items": {}, "nullable": True},
            **_COMMON,
        },
        "required": ["userId", "request_type"],
    }


class Bid(RawSchema):
    # No "type": drf-spectacular drops an object component without properties. "required"
    # holds in both branches and tells drf-spectacular the body is required.
    schema = {"oneOf": [ContextualBid, OpenerBid], "required": ["userId"]}


class Render(RawSchema):
    schema = {
        "type": "object",
        "properties": {
            "bidId": {"type": "string", "minLength": 1},
            "realizedPrice": {"type": "number", "minimum": 0, "description": "CPM dollars; at most the bid."},
            "production": {"type": "boolean", "nullable": True, "description": "Default true."},
        },
        "required": ["bidId", "realizedPrice"],
    }


# --- headers -------------------------------------------------------------------------------
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_V4 = f"{_OCTET}(?:\\.{_OCTET}){{3}}"
_H = "[0-9A-Fa-f]{1,4}"
_LS32 = f"(?:{_H}:{_H}|{_V4})"
_V6 = (
    "(?:"
    + "|".join(  # RFC 3986's IPv6address
        [
            f"(?:{_H}:){{6}}{_LS32}",
            f"::(?:{_H}:){{5}}{_LS32}",
            f"(?:{_H})?::(?:{_H}:){{4}}{_LS32}",
            f"(?:(?:{_H}:){{0,1}}{_H})?::(?:{_H}:){{3}}{_LS32}",
            f"(?:(?:{_H}:){{0,2}}{_H})?::(?:{_H}:){{2}}{_LS32}",
            f"(?:(?:{_H}:){{0,3}}{_H})?::{_H}:{_LS32}",
            f"(?:(?:{_H}:){{0,4}}{_H})?::{_LS32}",
            f"(?:(?:{_H}:){{0,5}}{_H})?::{_H}",
            f"(?:(?:{_H}:){{0,6}}{_H})?::",
        ]
    )
    + ")"
)
_SPACE = f"{WS}*"
# The first hop (before the first comma) is an IP address, with an optional %zone and spaces.
X_FORWARDED_FOR = f"^{_SPACE}(?:{_V4}|{_V6})(?:%[^,]*)?{_SPACE}(?:,.*)?$"
X_FORWARDED_FOR_RE = re.compile(X_FORWARDED_FOR)

END_USER_HEADER_SCHEMAS = {
    "X-Forwarded-For": {"type": "string", "pattern": X_FORWARDED_FOR},
    "User-Agent": {"type": "string", "pattern": NOT_BLANK},
}
