"""The WSGI application (gunicorn, and `runserver` through WSGI_APPLICATION)."""

import os
from typing import Any

import django
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.http import HttpRequest
from django.urls import ResolverMatch, URLResolver, get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thrad.settings")


class ThradWSGIRequest(WSGIRequest):
    """A request whose Content-Type parameters Django cannot parse still reaches the views.

    Django raises while building the request (e.g. for an unknown RFC 2231 charset,
    `boundary*=bogus''x`), before any middleware or view runs, and the server answers a bare
    HTML 500. Read as no content type instead, each API answers as for a Content-Type it does
    not take (for /v1: 400 invalid_value).
    """

    def _set_content_type_params(self, meta: dict[str, Any]) -> None:
        try:
            super()._set_content_type_params(meta)  # type: ignore[misc]
        except ValueError:
            self.content_type, self.content_params = "", {}


class ThradWSGIHandler(WSGIHandler):
    """Django's handler; paths that match a route with no parameters (`/api/v1/dsp/bid`,
    `/v1/upload`, ...) resolve from a dict after their first request.

    Django walks the URL patterns on every request and builds a new `ResolverMatch` at each
    level (about 5% of a bid's instructions). Resolution depends only on the path and the
    URLconf, so a match can be kept: only for routes without parameters (the route is the
    path itself), so the dict holds at most one entry per such route whatever paths clients
    send, and per resolver (a changed ROOT_URLCONF, or a request's own `urlconf`, starts
    afresh). The match's kwargs are never handed out as they are (Django unpacks them).
    """

    request_class = ThradWSGIRequest
    _literal: tuple[URLResolver | None, dict[str, ResolverMatch]] = (None, {})

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        if hasattr(request, "urlconf"):
            return super().resolve_request(request)
        resolver = get_resolver()
        owner, known = self._literal
        if owner is not resolver:
            known = {}
            self._literal = (resolver, known)
        path = request.path_info
        match = known.get(path)
        if match is None:
            match = resolver.resolve(path)
            if match.route == path[1:] and not match.args and not match.kwargs:
                known[path] = match
        request.resolver_match = match
        return match


django.setup(set_prefix=False)
application = ThradWSGIHandler()
