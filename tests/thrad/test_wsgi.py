"""The WSGI handler gunicorn serves (thrad.wsgi): paths of routes without parameters resolve from
memory after their first request, to the same views, with memory bounded whatever paths come in."""

import io
import sys

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver, path

from thrad.wsgi import ThradWSGIHandler, ThradWSGIRequest


def _other_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("other")


urlpatterns = [path("api/v1/dsp/bid", _other_view, name="other-bid")]  # for the changed-URLconf test


def _request(path_info: str) -> ThradWSGIRequest:
    return ThradWSGIRequest(
        {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path_info,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }
    )


PATHS = [
    "/api/v1/dsp/bid",
    "/api/v1/dsp/render-ad",
    "/api/v1/dsp/redirect/some-token",
    "/v1/ad_account",
    "/v1/campaigns",
    "/healthz",
    "/v1/no-such-thing",
]


def test_every_path_resolves_as_djangos_resolver_resolves_it_first_time_and_after():
    handler = ThradWSGIHandler()
    for _ in range(2):
        for path_info in PATHS:
            expected = get_resolver().resolve(path_info)
            match = handler.resolve_request(request := _request(path_info))
            assert (match.func, match.args, match.kwargs, match.url_name, match.route) == (
                expected.func,
                expected.args,
                expected.kwargs,
                expected.url_name,
                expected.route,
            ), path_info
            assert request.resolver_match is match
    with pytest.raises(Resolver404):
        handler.resolve_request(_request("/nowhere"))


def test_only_routes_without_parameters_are_kept_whatever_paths_clients_send():
    handler = ThradWSGIHandler()
    for n in range(500):
        handler.resolve_request(_request(f"/api/v1/dsp/redirect/token{n}"))
        handler.resolve_request(_request(f"/v1/unknown/{n}"))  # the API's catch-all 404 route
        handler.resolve_request(_request("/api/v1/dsp/bid"))
    assert handler.resolve_request(_request("/api/v1/dsp/redirect/token7")).kwargs == {"token": "token7"}
    assert sorted(handler._literal[1]) == ["/api/v1/dsp/bid"]


def test_a_changed_urlconf_is_followed(settings):
    handler = ThradWSGIHandler()
    assert handler.resolve_request(_request("/api/v1/dsp/bid")).url_name == "dsp-bid"
    settings.ROOT_URLCONF = __name__
    assert handler.resolve_request(_request("/api/v1/dsp/bid")).url_name == "other-bid"
