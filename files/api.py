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

from filecheck.streaming import BodyTooLarge
from files.validation import MAX_FILE_BYTES, MAX_FILES, MAX_REQUEST_BYTES
from thrad import ratelimit
from thrad.api import OrganizationActive, RateLimitedApi
from thrad.authentication import ApiKeyOrHeaderAuthentication, request_org
from thrad.clientip import IPNetwork, client_ip, in_networks, parse_networks
from thrad.errors import FilesError, PlatformError, files_exception_handler
from thrad.models import ApiKey, Organization
from thrad.request_body import CappedUploadHandler, limit_request_body
from thrad.schema import InternalErrorAutoSchema


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
            raise FilesError.IP_NOT_ALLOWED()
        return True


def files_limit() -> ratelimit.Limit:
    return ratelimit.Limit("files", settings.RATE_LIMIT_FILES_PER_MINUTE, 60)


class FilesAutoSchema(InternalErrorAutoSchema):
    error_body = "files.views.FilesErrorSerializer"
    error_description = "`internal_error`: an unexpected failure."


class FilesApiBase(RateLimitedApi):
    """401, then 403 account_suspended, then 403 ip_not_allowed, then the rate limit (if any)."""

    authentication_classes = [ApiKeyOrHeaderAuthentication]
    permission_classes = [OrganizationActive, IpAllowed]
    schema = FilesAutoSchema()
    rate_limit_error = FilesError.RATE_LIMITED
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
    django_request.upload_handlers = [CappedUploadHandler(django_request, max_file_bytes=MAX_FILE_BYTES)]
    try:
        limit_request_body(django_request, MAX_REQUEST_BYTES)
        parts = request.FILES.getlist("files")
    except BodyTooLarge as exc:
        raise PlatformError.REQUEST_TOO_LARGE() from exc
    except TooManyFilesSent as exc:
        raise FilesError.TOO_MANY_FILES() from exc
    except TooManyFieldsSent as exc:
        raise PlatformError.PARSE_ERROR("Too many form fields.") from exc
    if not parts:
        raise FilesError.NO_FILES()
    if len(parts) > MAX_FILES:
        raise FilesError.TOO_MANY_FILES()
    return parts
