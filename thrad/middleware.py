"""Request id (from X-Request-Id when sane, else generated; echoed on the response), and the
trailing slash tolerated on API paths."""

import re
import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if _SANE_ID.fullmatch(incoming) else secrets.token_hex(8)  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-Id"] = request.request_id  # type: ignore[attr-defined]
        return response


_API_PREFIXES = ("/v1/", "/api/v1/")


class ApiTrailingSlashMiddleware:
    """Every API path also answers with one trailing slash: the same view, not a redirect.

    A redirect would not do: clients do not repeat a POST body after one. The slash is dropped
    before URL resolution (`/api/v1/dsp/bid/` is `/api/v1/dsp/bid`); other paths are untouched.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path_info = request.path_info
        if path_info.endswith("/") and path_info.startswith(_API_PREFIXES):
            request.path_info = path_info[:-1]
            request.path = request.path[:-1]
        return self.get_response(request)
