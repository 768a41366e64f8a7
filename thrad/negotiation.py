"""DRF's content negotiation, without its cost where there is nothing to choose.

`DefaultContentNegotiation.select_renderer` parses the Accept header and matches every media
range against every renderer on each request: about a fifth of a bare DRF request's CPU. Nearly
every view here has one renderer (JSON), so the answer is known: that renderer, whatever Accept
says. RFC 9110 (12.5.1) lets a server disregard Accept instead of answering 406; an API client
always reads JSON. A view with several renderers (the OpenAPI schema: YAML or JSON), or a
request that names a format (`?format=`, a format suffix), is negotiated as DRF always does.
"""

from collections.abc import Iterable
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request


class SingleRendererNegotiation(DefaultContentNegotiation):
    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str] | Any:
        if isinstance(renderers, list) and len(renderers) == 1 and not format_suffix:  # DRF passes a list
            named = (
                request._request.META.get("QUERY_STRING") and self.settings.URL_FORMAT_OVERRIDE in request.query_params
            )
            if not named:
                return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
