"""What the render payload the SSP shows is made of. Pure: no Django.

The payload's keys, their types and which one may be absent are declared once, by
`bids.serializers.RenderDataSerializer`, which renders a `Creative` built here. The SSP drops an
ad whose `data` carries one key it does not know, so nothing else adds keys to it.
"""

from dataclasses import dataclass

from bids.auction import AdEntry

AD_FORMAT = "sponsored_message"
DEFAULT_CTA = "Learn more"
ELLIPSIS = "…"


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


@dataclass(frozen=True, slots=True)
class Creative:
    """One ad as one bid request asked for it: the values of the render payload."""

    ad: AdEntry
    url: str  # our click URL
    max_headline_chars: int | None
    image_enabled: bool
    ad_format: str = AD_FORMAT

    @property
    def image_url(self) -> str | None:
        """Null in text placement: no image, or the request said `image_enabled: false`."""
        return self.ad.image_url if self.image_enabled else None

    @property
    def placement(self) -> str:
        return "image" if self.image_url else "text"

    @property
    def headline(self) -> str:
        return cut_headline(self.ad.title, self.max_headline_chars)

    @property
    def cta_text(self) -> str:
        return self.ad.cta_text or DEFAULT_CTA
