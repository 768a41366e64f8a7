"""The Files API family: key auth (Bearer or x-api-key), suspended and IP-allowlist checks, a
per-organization rate limit on uploads, and errors as {"success": false, "error": {code, message}}.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadedfile import UploadedFile
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from thrad import ratelimit
from thrad.api import OrganizationActive, RateLimitedApi
from thrad.authentication import ApiKeyOrHeaderAuthentication, request_org
from thrad.clientip import IPNetwork, client_ip, in_networks, parse_networks
from thrad.errors import ApplicationError, RateLimitedError, files_exception_handler
from thrad.models import ApiKey, Organization
from uploads.files_validation import MAX_FILE_BYTES, MAX_FILES, MAX_REQUEST_BYTES
from uploads.streaming import CappedUploadHandler, limit_request_body


class FilesRateLimitedError(RateLimitedError):
    default_code = "rate_limited"
    default_message = "Too many requests for this organization; retry after Retry-After seconds."


class IpNotAllowedError(ApplicationError):
    status_code = 403
    default_code = "ip_not_allowed"
    default_type = "permission_error"
    default_message = "Your address is not in this organization's IP allowlist."


class NoFilesError(ApplicationError):
    default_code = "no_files"
    default_message = "Send one to five parts named 'files' (multipart/form-data)."


class TooManyFilesError(ApplicationError):
    default_code = "too_many_files"
    default_message = f"At most {MAX_FILES} files per request; nothing was stored."


def allowlist_networks(cidrs: Any) -> tuple[IPNetwork, ...]:
    """The valid networks of an allowlist; malformed entries match nothing (never everything)."""
    networks: list[IPNetwork] = []
    for cidr in cidrs if isinstance(cidrs, list) else []:
        try:
            networks.extend(parse_networks([cidr]) if isinstance(cidr, str) else ())
        except ValueError:
            continue
    return tuple(networks)


class IpAllowed(BasePermission):
    """An organization with a non-empty allowlist is reachable only from those networks."""

    def has_permission(self, request: Request, view: Any) -> bool:
        allowlist = request_org(request).ip_allowlist
        if not allowlist:
            return True
        address = client_ip(request._request)
        if address is None or not in_networks(address, allowlist_networks(allowlist)):
            raise IpNotAllowedError()
        return True


def files_limit() -> ratelimit.Limit:
    return ratelimit.Limit("files", settings.RATE_LIMIT_FILES_PER_MINUTE, 60)


class FilesApiBase(RateLimitedApi):
    """401, then 403 account_suspended, then 403 ip_not_allowed, then the rate limit (if any)."""

    authentication_classes = [ApiKeyOrHeaderAuthentication]
    permission_classes = [OrganizationActive, IpAllowed]
    rate_limit_error = FilesRateLimitedError
    counts_toward_rate_limit = False

    def get_rate_limits(self, request: Request) -> Sequence[ratelimit.Limit]:
        return (files_limit(),) if self.counts_toward_rate_limit else ()

    def rate_limit_ident(self, request: Request) -> str:
        return str(request_org(request).public_id)

    def get_exception_handler(self) -> Callable[..., Response]:
        return files_exception_handler

    @property
    def org(self) -> Organization:
        return request_org(self.request)

    @property
    def api_key(self) -> ApiKey:
        return self.request.auth  # type: ignore[return-value]  # ApiKeyAuthentication sets it


def files_parts(request: Request) -> list[UploadedFile]:
    """The `files` parts, each streamed to a temp file (10 MB cap), the body capped at 50 MB."""
    django_request = request._request
    limit_request_body(django_request, MAX_REQUEST_BYTES)
    django_request.upload_handlers = [CappedUploadHandler(django_request, max_file_bytes=MAX_FILE_BYTES)]
    try:
        parts = request.FILES.getlist("files")
    except TooManyFilesSent as exc:
        raise TooManyFilesError() from exc
    except TooManyFieldsSent as exc:
        raise ApplicationError("Too many form fields.", code="parse_error") from exc
    if not parts:
        raise NoFilesError()
    if len(parts) > MAX_FILES:
        raise TooManyFilesError()
    return parts
