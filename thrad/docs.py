"""Redoc at /api/redoc with nothing loaded from another origin.

drf-spectacular's page links Google Fonts, and the Redoc bundle draws Redocly's logo from
cdn.redoc.ly in its sidebar. We serve our own page (system fonts) and a copy of the sidecar
bundle with that image taken out, under a Content-Security-Policy that allows only this origin.
"""

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import drf_spectacular_sidecar
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import reverse
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView
from rest_framework.request import Request
from rest_framework.response import Response

_BUNDLE = (
    Path(drf_spectacular_sidecar.__file__).parent / "static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
)
# `React.createElement("img", {alt: "redocly logo", ..., src: "https://cdn.redoc.ly/..."})`
_REDOCLY_LOGO = re.compile(r'[\w$]+\.createElement\("img",\{alt:"redocly logo"[^}]*\}\)')
_SOURCE_MAP = re.compile(r"\n//# sourceMappingURL=\S+\s*$")

# Redoc styles itself inline and compiles schema validators with `new Function`.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


@lru_cache(maxsize=1)
def redoc_bundle() -> tuple[bytes, str]:
    """The sidecar bundle without the external logo image or source map comment, and its ETag."""
    source = _BUNDLE.read_text(encoding="utf-8")
    source = _SOURCE_MAP.sub("\n", _REDOCLY_LOGO.sub("null", source))
    data = source.encode()
    return data, f'"{hashlib.sha256(data).hexdigest()[:32]}"'


@require_safe
def redoc_bundle_view(request: HttpRequest) -> HttpResponse:
    data, etag = redoc_bundle()
    if request.headers.get("If-None-Match") == etag:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(data, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=86400"
    return response


class RedocView(SpectacularRedocView):
    template_name = "thrad/redoc.html"

    @staticmethod
    def _redoc_standalone() -> str:
        return reverse("api-redoc-bundle")

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response
