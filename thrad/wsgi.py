"""The WSGI application (gunicorn, and `runserver` through WSGI_APPLICATION)."""

import os
from typing import Any

import django
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest

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
    request_class = ThradWSGIRequest


django.setup(set_prefix=False)
application = ThradWSGIHandler()
