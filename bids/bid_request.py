"""The bid request body: every rule of the DSP contract, checked by hand. Pure: no Django.

Hand-written rather than a serializer because this runs inside the SSP's 2-second auction on
every request and the messages must say exactly which rule broke. Unknown fields are ignored;
an optional field sent as `null` counts as absent.
"""

from dataclasses import dataclass
from typing import Any

from bids.matching import Message

MAX_ID_LENGTH = 200
MIN_HEADLINE_CHARS = 30
SPONSORED_MESSAGE = "sponsored_message"
CONTEXTUAL, OPENER = "contextual", "opener"


class BidRequestError(ValueError):
    """The body breaks a rule of the contract; the message says which."""


@dataclass(frozen=True)
class BidRequest:
    user_id: str
    request_type: str
    chat_id: str | None
    messages: tuple[Message, ...]
    n_ads_before: int
    wants_sponsored_message: bool
    production: bool
    request_id: str
    country_code: str
    max_headline_chars: int | None
    image_enabled: bool


def _string(body: dict, name: str, *, required: bool = False, limit: int = MAX_ID_LENGTH) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise BidRequestError(f"{name} is required.")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise BidRequestError(f"{name} must be a non-empty string." if required else f"{name} must be a string.")
    if len(value) > limit:
        raise BidRequestError(f"{name} must be at most {limit} characters.")
    return value


def _int(body: dict, name: str, *, minimum: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise BidRequestError(f"{name} must be an integer of at least {minimum}.")
    return value


def _bool(body: dict, name: str, default: bool) -> bool:
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise BidRequestError(f"{name} must be a boolean.")
    return value


def _message(item: Any, index: int) -> Message:
    if not isinstance(item, dict):
        raise BidRequestError(f"messages[{index}] must be an object.")
    role, content = item.get("role"), item.get("content")
    if role not in ("user", "assistant"):
        raise BidRequestError(f"messages[{index}].role must be 'user' or 'assistant'.")
    if not isinstance(content, str):
        raise BidRequestError(f"messages[{index}].content must be a string.")
    timestamp = item.get("timestamp")
    if timestamp is not None and (isinstance(timestamp, bool) or not isinstance(timestamp, (int, float, str))):
        raise BidRequestError(f"messages[{index}].timestamp must be a number or a string.")
    return Message(role=role, content=content)


def _conversation(body: dict) -> tuple[Message, ...]:
    """At least 2 messages, roles alternating, the last two a user then an assistant message."""
    raw = body.get("messages")
    if not isinstance(raw, list):
        raise BidRequestError("messages is required: a list of {role, content} objects.")
    if len(raw) < 2:
        raise BidRequestError("messages must hold at least 2 messages.")
    messages = tuple(_message(item, i) for i, item in enumerate(raw))
    for i in range(1, len(messages)):
        if messages[i].role == messages[i - 1].role:
            raise BidRequestError("messages must alternate between user and assistant.")
    if messages[-1].role != "assistant":
        raise BidRequestError("messages must end with a user message followed by an assistant message.")
    return messages


def _ad_formats(body: dict) -> bool:
    formats = body.get("ad_formats")
    if formats is None:
        return True
    if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
        raise BidRequestError("ad_formats must be a list of strings.")
    return SPONSORED_MESSAGE in formats


def _config(body: dict) -> tuple[int | None, bool]:
    config = body.get("config")
    if config is None:
        return None, True
    if not isinstance(config, dict):
        raise BidRequestError("config must be an object.")
    try:
        max_chars = _int(config, "max_headline_chars", minimum=MIN_HEADLINE_CHARS)
        image_enabled = _bool(config, "image_enabled", True)
    except BidRequestError as exc:
        raise BidRequestError(f"config.{exc}") from exc
    return max_chars, image_enabled


def _kind_and_chat(body: dict) -> tuple[str, str | None, tuple[Message, ...]]:
    request_type = body.get("request_type")
    if request_type is None:
        request_type = CONTEXTUAL
    if request_type not in (CONTEXTUAL, OPENER):
        raise BidRequestError("request_type must be 'contextual' or 'opener'.")
    if request_type == OPENER:
        if body.get("chatId") is not None:
            raise BidRequestError("chatId must be absent for an opener.")
        if not isinstance(body.get("messages", []), (list, type(None))):
            raise BidRequestError("messages must be a list.")
        return OPENER, None, ()
    chat_id = _string(body, "chatId", required=True)
    return CONTEXTUAL, chat_id, _conversation(body)


def parse_bid_request(body: Any) -> BidRequest:
    """The validated request; raises BidRequestError naming the first broken rule."""
    if not isinstance(body, dict):
        raise BidRequestError("The body must be a JSON object.")
    user_id = _string(body, "userId", required=True)
    request_type, chat_id, messages = _kind_and_chat(body)
    n_ads_before = _int(body, "nAdsBefore", minimum=0)
    wants = _ad_formats(body)
    production = _bool(body, "production", True)
    request_id = _string(body, "request_id") or ""
    for hint in ("region", "city", "device", "timezone"):
        _string(body, hint)
    country = (_string(body, "country_code", limit=8) or "").strip().upper()
    max_chars, image_enabled = _config(body)
    return BidRequest(
        user_id=user_id or "",
        request_type=request_type,
        chat_id=chat_id,
        messages=messages,
        n_ads_before=n_ads_before or 0,
        wants_sponsored_message=wants,
        production=production,
        request_id=request_id,
        country_code=country,
        max_headline_chars=max_chars,
        image_enabled=image_enabled,
    )
