"""Request id (from X-Request-Id when sane, else generated; echoed on the response), the
trailing slash tolerated on API paths, and the browser-only middleware kept off the APIs."""

import random
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdMiddleware:
    """A generated id is 16 hex digits from the process's PRNG (reseeded in every forked worker):
    an id to find a request by, not a secret, so no system call for it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if _SANE_ID.fullmatch(incoming) else f"{random.getrandbits(64):016x}"  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-Id"] = request.request_id  # type: ignore[attr-defined]
        return response


_API_PREFIXES = ("/v1/", "/api/v1/")
_API_ROOTS = frozenset(p.rstrip("/") for p in _API_PREFIXES)


def is_api_path(path: str) -> bool:
    """`/v1`, `/api/v1` and everything under them: the bearer-token APIs."""
    return path.startswith(_API_PREFIXES) or path in _API_ROOTS


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


class SiteMiddleware:
    """Dispatches by path to one of two chains, both built once: the API paths (`/v1`, `/api/v1`)
    go straight on to the view, every other path (dashboard, admin, docs, static files) through
    settings.SITE_MIDDLEWARE (sessions, CSRF, auth, messages, clickjacking, WhiteNoise, ...).

    The bearer-token APIs read no cookie and render no page, so that machinery would only cost
    them time. The site chain is built as Django builds MIDDLEWARE (each layer's exceptions turned
    into responses), and its process_view / process_template_response / process_exception hooks
    run, in Django's order, for site requests only. API responses get the Content-Length header
    CommonMiddleware would have set.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        view_hooks: list[Callable[..., Any]] = []
        template_hooks: list[Callable[..., Any]] = []
        exception_hooks: list[Callable[..., Any]] = []
        handler: Callable[[HttpRequest], Any] = get_response
        for path in reversed(settings.SITE_MIDDLEWARE):
            try:
                instance = import_string(path)(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view"):
                view_hooks.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                template_hooks.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                exception_hooks.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self.site = handler
        self._view_hooks, self._template_hooks, self._exception_hooks = (
            view_hooks,
            template_hooks,
            exception_hooks,
        )
        # Django looks these up on the instance: offer only the hooks the site chain has.
        if view_hooks:
            self.process_view = self._process_view
        if template_hooks:
            self.process_template_response = self._process_template_response
        if exception_hooks:
            self.process_exception = self._process_exception

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api_path(request.path_info):
            return self.site(request)
        response = self.get_response(request)
        if not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        return response

    def _process_view(self, request: HttpRequest, view: Callable, args: Any, kwargs: Any) -> HttpResponse | None:
        if is_api_path(request.path_info):
            return None
        for hook in self._view_hooks:
            response = hook(request, view, args, kwargs)
            if response:
                return response
        return None

    def _process_template_response(self, request: HttpRequest, response: Any) -> Any:
        if not is_api_path(request.path_info):
            for hook in self._template_hooks:
                response = hook(request, response)
        return response

    def _process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_api_path(request.path_info):
            return None
        for hook in self._exception_hooks:
            response = hook(request, exception)
            if response:
                return response
        return None


_ADMIN_NEEDS = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
)


def check_site_middleware(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The admin's own checks (admin.E408-E410, silenced in settings) look for its middleware in
    MIDDLEWARE; here it lives in SITE_MIDDLEWARE behind SiteMiddleware, so look there."""
    errors: list[CheckMessage] = []
    if "thrad.middleware.SiteMiddleware" not in settings.MIDDLEWARE:
        return errors
    for path in _ADMIN_NEEDS:
        if path not in settings.SITE_MIDDLEWARE:
            errors.append(
                Error(f"'{path}' must be in SITE_MIDDLEWARE for the admin and the dashboard.", id="thrad.E001")
            )
    return errors
