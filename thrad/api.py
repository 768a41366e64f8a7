"""Base classes for the API families. Policy lives in class attributes, DRF style.

- `V1Api`: the advertiser API. Bearer key, suspended organizations refused, per-key rate limits
  with `X-RateLimit-*` headers on every response, errors in the `/v1` shape.
- `FilesApiBase` / `DspApiBase` in their apps subclass these with their own error shapes.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from rest_framework import exceptions as drf
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from thrad import keycache, ratelimit
from thrad.authentication import ApiKeyAuthentication, KeyCheck, KeyPrincipal, key_read, request_org
from thrad.errors import ErrorCode, PlatformError, V1Error, v1_exception_handler
from thrad.models import ApiKey, Organization
from thrad.schema import V1AutoSchema


class OrganizationActive(BasePermission):
    """A suspended organization's keys authenticate, but every call is 403 account_suspended."""

    def has_permission(self, request: Request, view: Any) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return False
        if api_key.organization.is_suspended:
            raise PlatformError.ACCOUNT_SUSPENDED()
        return True


def v1_limit() -> ratelimit.Limit:
    return ratelimit.Limit("v1", settings.RATE_LIMIT_V1_PER_HOUR, 3600)


class RateLimitedApi(APIView):
    """Counts each authenticated request against `get_rate_limits()`, in order.

    The first limit that refuses answers 429 (later limits are not counted). The headers
    describe the limit closest to running out. All the counting is one Redis round trip, which
    also confirms an API key taken from the process's memory (thrad/keycache.py): when the key
    or its organization changed meanwhile, the key is read again and the request decided on
    that, its counts taken back if it is then refused.
    """

    rate_limit_error: ErrorCode = V1Error.RATE_LIMIT_EXCEEDED

    def get_rate_limits(self, request: Request) -> Sequence[ratelimit.Limit]:
        return ()

    def rate_limit_ident(self, request: Request) -> str:
        return str(request.auth.pk)

    def _key_read_again(self, request: Request, version: str | None = None) -> None:
        """Replace the remembered key with the database's (401 if it no longer authenticates)."""
        check: KeyCheck = request._key_check  # type: ignore[attr-defined]
        api_key = key_read(request, check.secret, version=version)
        request.user, request.auth = KeyPrincipal(api_key), api_key  # type: ignore[assignment]

    def check_permissions(self, request: Request) -> None:
        try:
            super().check_permissions(request)
        except Exception:
            if getattr(request, "_key_check", None) is None:
                raise
            self._key_read_again(request)  # a refusal never comes from memory
            super().check_permissions(request)

    def check_throttles(self, request: Request) -> None:
        check: KeyCheck | None = getattr(request, "_key_check", None)
        limits = self.get_rate_limits(request)
        if check is not None and not limits:
            # Nothing to count: confirm the key from the database rather than through Redis, so
            # such a view (a file list) needs no Redis at all.
            self._key_read_again(request)
            super().check_permissions(request)
            return
        version_key = keycache.version_key() if check else None
        hits = ratelimit.hit_all(limits, self.rate_limit_ident(request), version_key=version_key)
        if check is not None and hits.version != check.version:
            try:
                self._key_read_again(request, hits.version)
                super().check_permissions(request)
            except Exception:
                ratelimit.refund(hits)
                raise
        shown: ratelimit.Decision | None = None
        for decision in hits.decisions:
            if shown is None or decision.remaining < shown.remaining or not decision.allowed:
                shown = decision
            request._rate_limit_decision = shown  # type: ignore[attr-defined]
            if not decision.allowed:
                raise self.rate_limit_error(headers={"Retry-After": str(decision.retry_after)})

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        decision = getattr(request, "_rate_limit_decision", None)
        if decision is not None:
            for name, value in decision.headers().items():
                response[name] = value
        return super().finalize_response(request, response, *args, **kwargs)


class V1Api(RateLimitedApi):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [OrganizationActive]
    schema = V1AutoSchema()

    def get_rate_limits(self, request: Request) -> Sequence[ratelimit.Limit]:
        return (v1_limit(),)

    def get_exception_handler(self) -> Callable[..., Response]:
        return v1_exception_handler

    def handle_exception(self, exc: Exception) -> Response:
        # The /v1 contract has no 415: a Content-Type no parser takes (DRF also refuses any over
        # 256 characters unparsed) is a 400 invalid_value.
        if isinstance(exc, drf.UnsupportedMediaType):
            exc = V1Error.INVALID_VALUE(
                "The Content-Type header is missing, malformed, too long or not one this endpoint takes."
            )
        return super().handle_exception(exc)

    @property
    def org(self) -> Organization:
        return request_org(self.request)
