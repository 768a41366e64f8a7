"""The render payload the SSP shows. Pure: no Django.

The SSP drops an ad whose `data` carries one key it does not know, so the key set is fixed here
and nowhere else: RENDER_KEYS, plus `logo_url` only when the advertiser has a logo.
"""

from typing import Any

from bids.auction import AdEntry

AD_FORMAT = "sponsored_message"
DEFAULT_CTA = "Learn more"
ELLIPSIS = "…"
RENDER_KEYS = frozenset(
    {
        "ad_format",
        "placement",
        "advertiser",
        "domain",
        "headline",
        "description",
        "cta_text",
        "url",
        "image_url",
    }
)
OPTIONAL_KEYS = frozenset({"logo_url"})


def cut_headline(text: str, limit: int | None) -> str:
    """`text` if it fits in `limit` characters, else cut at a word boundary with an ellipsis."""
    text = text.strip()
    if limit is None or len(text) <= limit:
        return text
    head = text[: limit - len(ELLIPSIS)].rstrip()
    space = head.rfind(" ")
    if space >= limit // 2:
        head = head[:space].rstrip()
    return head + ELLIPSIS


def render_data(ad: AdEntry, *, click_url: str, max_headline_chars: int | None, image_enabled: bool) -> dict[str, Any]:  # fmt: skip
    """Exactly the contract's keys; `image_url` is null in text placement."""
    image_url = ad.image_url if image_enabled else None
    data: dict[str, Any] = {
        "ad_format": AD_FORMAT,
        "placement": "image" if image_url else "text",
        "advertiser": ad.advertiser,
        "domain": ad.domain,
        "headline": cut_headline(ad.title, max_headline_chars),
        "description": ad.body,
        "cta_text": ad.cta_text or DEFAULT_CTA,
        "url": click_url,
        "image_url": image_url,
    }
    if ad.logo_url:
        data["logo_url"] = ad.logo_url
    return data
