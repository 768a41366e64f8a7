"""The error registries, the one error class, and the handlers that render each family's body.

Every error code the server sends is a member of one registry: `PlatformError` for conditions
all three contracts share (authentication, not found, storage or a dependency down, 500), and
one enum per contract family (`V1Error`, `FilesError`, `DspError`). Services raise members
(`raise V1Error.INVALID_FILE("...", param="file")`); views never build an error response by hand.
Each API family renders an error in its contract's shape:

- `/v1` (advertiser API):   {"error": {"message", "type", "param", "code"}}
- Files API:                {"success": false, "error": {"code", "message"}}
- DSP API:                  {"error": "<message>"}
"""

import logging
import sys
from collections.abc import Callable
from enum import Enum
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from thrad import dependencies

logger = logging.getLogger("thrad.errors")


class ErrorCode(Enum):
    """A contract error: (code, HTTP status, type, default message). Calling a member builds the
    exception to raise: `raise V1Error.INVALID_FILE("The image could not be decoded.", param="file")`."""

    def __init__(self, code: str, status: int, error_type: str, message: str) -> None:
        self.code = code
        self.status = status
        self.type = error_type
        self.message = message

    def __call__(
        self, message: str | None = None, *, param: str | None = None, headers: dict[str, str] | None = None
    ) -> "ApplicationError":
        return self.exc(self, message, param=param, headers=headers)

    @property
    def exc(self) -> type["ApplicationError"]:
        """This member's own exception class, for `except V1Error.ACTIVE_KEY_EXISTS.exc:`."""
        cls = _MEMBER_CLASSES.get(self)
        if cls is None:
            name = "".join(part.title() for part in self.name.split("_")) + "Error"
            cls = _MEMBER_CLASSES[self] = type(
                name, (ApplicationError,), {"__qualname__": f"{type(self).__name__}.{name}"}
            )
        return cls

    @classmethod
    def from_code(cls, code: str) -> "ErrorCode":
        """The member with this code (codes cross process boundaries as strings, e.g. task results)."""
        for member in cls:
            if member.code == code:
                return member
        raise LookupError(f"{cls.__name__} has no code {code!r}")


_BAD = "invalid_request_error"
_MEMBER_CLASSES: dict["ErrorCode", type["ApplicationError"]] = {}


# fmt: off
# The registries read as tables: one member a line, (code, status, type, message).
class PlatformError(ErrorCode):
    """Conditions every contract family shares, with the same code in each; raised by the core."""

    AUTH_REQUIRED = ("auth_required", 401, "authentication_error", "Send your API key as 'Authorization: Bearer <key>'.")
    INVALID_API_KEY = ("invalid_api_key", 401, "authentication_error", "The API key is invalid, revoked or expired.")
    ACCOUNT_SUSPENDED = ("account_suspended", 403, "permission_error", "This organization is suspended.")
    PERMISSION_DENIED = ("permission_denied", 403, "permission_error", "You may not do this.")
    NOT_FOUND = ("not_found", 404, "not_found_error", "No such object.")
    METHOD_NOT_ALLOWED = ("method_not_allowed", 405, _BAD, "This method is not allowed here.")
    NOT_ACCEPTABLE = ("not_acceptable", 406, _BAD, "The requested response format is not available.")
    REQUEST_TOO_LARGE = ("request_too_large", 413, _BAD, "The request body is too large.")
    UNSUPPORTED_MEDIA_TYPE = ("unsupported_media_type", 415, _BAD, "This Content-Type is not accepted here.")
    PARSE_ERROR = ("parse_error", 400, _BAD, "The request body could not be parsed.")
    INTERNAL_ERROR = ("internal_error", 500, "api_error", "An unexpected error occurred.")
    SERVICE_UNAVAILABLE = ("service_unavailable", 503, "api_error", "A service this request needs is unavailable; try again later.")
    STORAGE_UNAVAILABLE = ("storage_unavailable", 503, "api_error", "File storage is unavailable; nothing was stored. Try again later.")


class V1Error(ErrorCode):
    """The advertiser API's (`/v1`) own codes (spec/advertiser-api.md)."""

    INVALID_VALUE = ("invalid_value", 400, _BAD, "The request is invalid.")
    INVALID_FILE = ("invalid_file", 400, _BAD, "The file is not a readable image.")
    FILE_TOO_LARGE = ("file_too_large", 400, _BAD, "The image is larger than 5242880 bytes (5 MB).")
    UNSUPPORTED_MIMETYPE = ("unsupported_mimetype", 400, _BAD, "Only PNG, JPEG and WebP images are accepted.")
    INVALID_IMAGE_URL = ("invalid_image_url", 400, _BAD, "image_url must be an absolute http(s) URL of a public host.")
    IMAGE_FETCH_FAILED = ("image_fetch_failed", 400, _BAD, "The image could not be fetched.")
    TOO_MANY_REDIRECTS = ("too_many_redirects", 400, _BAD, "The image URL answered with a redirect; redirects are not followed.")
    CAMPAIGN_NOT_APPROVED = ("campaign_not_approved", 400, _BAD, "This campaign cannot be activated until staff approve it.")
    IDEMPOTENCY_KEY_REUSED = ("idempotency_key_reused", 400, _BAD, "This Idempotency-Key was already used with a different request body.")
    IDEMPOTENCY_KEY_IN_USE = ("idempotency_key_in_use", 409, _BAD, "A request with this Idempotency-Key is in progress; retry shortly.")
    INVALID_TIME_RANGE = ("invalid_time_range", 400, _BAD, "since must be before until.")
    RANGE_TOO_WIDE = ("range_too_wide", 400, _BAD, "The time range may span at most 366 days.")
    HOURLY_RANGE_TOO_WIDE = ("hourly_range_too_wide", 400, _BAD, "With time_granularity=hourly the time range may span at most 25 hours.")
    UNKNOWN_FIELD = ("unknown_field", 400, _BAD, "Unknown field; use impressions, clicks, spend, ctr, cpm or cpc.")
    AGGREGATION_LEVEL_TOO_HIGH = ("aggregation_level_too_high", 400, _BAD, "aggregation_level must be this endpoint's scope or deeper.")
    RATE_LIMIT_EXCEEDED = ("rate_limit_exceeded", 429, "rate_limit_error", "Too many requests; retry after the time in the Retry-After header.")
    # Organization settings (dashboard and admin forms) and key management.
    ACTIVE_KEY_EXISTS = ("active_key_exists", 409, _BAD, "This organization already has an active API key; rotate it instead.")
    INVALID_IP_ALLOWLIST = ("invalid_ip_allowlist", 400, _BAD, "The IP allowlist must be a list of IP networks in CIDR notation.")


class FilesError(ErrorCode):
    """The Files API's own codes (spec/files-api.md): request-level and per-part."""

    NO_FILES = ("no_files", 400, _BAD, "Send one to five parts named 'files' (multipart/form-data).")
    TOO_MANY_FILES = ("too_many_files", 400, _BAD, "At most 5 files per request; nothing was stored.")
    IP_NOT_ALLOWED = ("ip_not_allowed", 403, "permission_error", "Your address is not in this organization's IP allowlist.")
    RATE_LIMITED = ("rate_limited", 429, "rate_limit_error", "Too many requests for this organization; retry after Retry-After seconds.")
    INVALID_CURSOR = ("invalid_cursor", 400, _BAD, "The cursor is not one this API returned; start again without it.")
    INVALID_LIMIT = ("invalid_limit", 400, _BAD, "limit must be a whole number from 1 to 100.")
    # Per-part codes: a part that fails is listed in `errors`, the others are stored.
    INVALID_FILE = ("invalid_file", 400, _BAD, "The file is empty, unreadable or does not decode as its type.")
    FILE_TOO_LARGE = ("file_too_large", 400, _BAD, "The file is larger than 10 MB.")
    UNSUPPORTED_TYPE = ("unsupported_type", 400, _BAD, "This type of file is not accepted.")
    BLOCKED_EXTENSION = ("blocked_extension", 400, _BAD, "Files with this extension are never accepted.")
    TYPE_MISMATCH = ("type_mismatch", 400, _BAD, "The file's bytes and its extension disagree.")
    QUOTA_EXCEEDED = ("quota_exceeded", 400, _BAD, "The organization's storage quota has no room for this file.")


class DspError(ErrorCode):
    """The DSP API's own conditions (spec/dsp-api.md); its body carries only the message."""

    INVALID_REQUEST = ("invalid_request", 400, _BAD, "The request breaks a rule of the DSP contract.")
    PARTNER_KEY_REQUIRED = ("auth_required", 401, "authentication_error", "Send the supply partner key as 'Authorization: Bearer <key>'.")
    INVALID_PARTNER_KEY = ("invalid_partner_key", 401, "authentication_error", "The supply partner key is invalid or disabled.")
    BID_NOT_FOUND = ("bid_not_found", 404, "not_found_error", "Unknown or expired bid id.")
    CLICK_NOT_FOUND = ("click_not_found", 404, "not_found_error", "Unknown or expired click link.")
    REALIZED_PRICE_ABOVE_BID = ("realized_price_above_bid", 400, _BAD, "realizedPrice is above the bid.")
# fmt: on


class ApplicationError(drf.APIException):
    """A raised member of a registry, with this occurrence's message and `param` (dotted field)."""

    def __init__(
        self,
        error: ErrorCode,
        message: str | None = None,
        *,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.error = error
        self.code = error.code
        self.type = error.type
        self.status_code = error.status
        self.message = message or error.message
        self.param = param
        self.headers = headers or {}
        super().__init__(self.message, self.code)


def _first_error(detail: Any, path: str = "") -> tuple[str, Any]:
    """The dotted path and the leaf of the first error in DRF's nested error detail."""
    if isinstance(detail, dict):
        for field, sub in detail.items():
            if field == "non_field_errors":
                return _first_error(sub, path)
            if isinstance(field, int):  # DRF's ListField keys its child errors by index
                return _first_error(sub, f"{path}[{field}]")
            return _first_error(sub, f"{path}.{field}" if path else str(field))
    if isinstance(detail, list):
        for index, sub in enumerate(detail):
            if sub in ({}, [], None):
                continue
            if isinstance(sub, (dict, list)):
                return _first_error(sub, f"{path}[{index}]")
            return _first_error(sub, path)
    return path, detail


def _from_validation(exc: drf.ValidationError) -> ApplicationError:
    """Every serializer failure means "this value is not acceptable": `invalid_value` at its path."""
    path, leaf = _first_error(exc.detail)
    return V1Error.INVALID_VALUE(str(leaf) or None, param=path or None)


# DRF's and Django's own exceptions, in match order. These answer with the registry's message.
_PLAIN_ERRORS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], ErrorCode], ...] = (
    (drf.NotAuthenticated, PlatformError.AUTH_REQUIRED),
    (drf.AuthenticationFailed, PlatformError.INVALID_API_KEY),
    ((Http404, drf.NotFound), PlatformError.NOT_FOUND),
    (RequestDataTooBig, PlatformError.REQUEST_TOO_LARGE),
)
# These keep DRF's message, which names what was wrong (the method, the media type).
_DETAILED_ERRORS: tuple[tuple[type[drf.APIException], ErrorCode], ...] = (
    (drf.PermissionDenied, PlatformError.PERMISSION_DENIED),
    (drf.MethodNotAllowed, PlatformError.METHOD_NOT_ALLOWED),
    (drf.UnsupportedMediaType, PlatformError.UNSUPPORTED_MEDIA_TYPE),
    (drf.NotAcceptable, PlatformError.NOT_ACCEPTABLE),
    (drf.ParseError, PlatformError.PARSE_ERROR),
)


def as_application_error(exc: BaseException) -> ApplicationError:
    """Map any exception raised while handling a request to the contract's error."""
    if isinstance(exc, ApplicationError):
        return exc
    if isinstance(exc, drf.ValidationError):
        return _from_validation(exc)
    if isinstance(exc, drf.Throttled):
        return V1Error.RATE_LIMIT_EXCEEDED(headers={"Retry-After": str(int(getattr(exc, "wait", None) or 1))})
    for plain, error in _PLAIN_ERRORS:
        if isinstance(exc, plain):
            return error()
    for detailed, error in _DETAILED_ERRORS:
        if isinstance(exc, detailed):
            return error(str(exc.detail))
    if dependencies.is_down(exc):  # database, Redis or broker down or too slow: never a 500
        return PlatformError.SERVICE_UNAVAILABLE()
    return PlatformError.INTERNAL_ERROR()


def _log_if_down(exc: BaseException, request: Any) -> None:
    if dependencies.is_down(exc):
        logger.warning("dependency down request_id=%s: %r", getattr(request, "request_id", "-"), exc)


def _log_if_unexpected(exc: BaseException, error: ApplicationError, request: Any) -> None:
    if error.error is PlatformError.INTERNAL_ERROR and not isinstance(exc, ApplicationError):
        request_id = getattr(request, "request_id", "-")
        logger.error("unhandled error request_id=%s", request_id, exc_info=exc)


def v1_body(error: ApplicationError) -> dict[str, Any]:
    return {"error": {"message": error.message, "type": error.type, "param": error.param, "code": error.code}}


def files_body(error: ApplicationError) -> dict[str, Any]:
    return {"success": False, "error": {"code": error.code, "message": error.message}}


def dsp_body(error: ApplicationError) -> dict[str, Any]:
    return {"error": error.message}


def _handler(
    render: Callable[[ApplicationError], dict[str, Any]], *, down: ErrorCode | None = None
) -> Callable[..., Response]:
    """`down`: the error a dependency failure becomes in this family (default 503)."""

    def handle(exc: Exception, context: dict[str, Any]) -> Response:
        _log_if_down(exc, context.get("request"))
        error = down() if down is not None and dependencies.is_down(exc) else as_application_error(exc)
        _log_if_unexpected(exc, error, context.get("request"))
        set_rollback()
        headers = dict(error.headers)
        if error.status_code == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="thrad"')
        if error.status_code == 503:
            headers.setdefault("Retry-After", dependencies.retry_after())
        return Response(render(error), status=error.status_code, headers=headers)

    return handle


v1_exception_handler = _handler(v1_body)
files_exception_handler = _handler(files_body)
# The DSP contract: render answers 500 when the impression cannot be recorded (bid answers 204
# itself, see bids/views.py); the SSP knows no 503.
dsp_exception_handler = _handler(dsp_body, down=PlatformError.INTERNAL_ERROR)


def _body_for_path(path: str) -> Callable[[ApplicationError], dict[str, Any]] | None:
    if path.startswith("/v1/") or path == "/v1":
        return v1_body
    if path.startswith("/api/v1/dsp/") or path == "/api/v1/dsp":
        return dsp_body
    if path.startswith("/api/v1/") or path == "/api/v1":
        return files_body
    return None


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Unknown API paths answer in their family's error shape; other paths get a plain 404."""
    render = _body_for_path(request.path)
    if render is None:
        return HttpResponse("Not found.", status=404, content_type="text/plain")
    return JsonResponse(render(PlatformError.NOT_FOUND()), status=404)


def error_response(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    """`error` in the shape of the request's API family (plain text outside the APIs)."""
    render = _body_for_path(request.path)
    if render is None:
        response: HttpResponse = HttpResponse(error.message, status=error.status_code, content_type="text/plain")
    else:
        response = JsonResponse(render(error), status=error.status_code)
    for name, value in error.headers.items():
        response[name] = value
    if error.status_code == 503:
        response.setdefault("Retry-After", dependencies.retry_after())
    return response


def handler500(request: HttpRequest) -> HttpResponse:
    """Django calls this inside its `except` block: a dependency failure outside a DRF view
    (sessions, the dashboard) is a 503 too, except on the DSP (its contract knows only 500)."""
    exc = sys.exc_info()[1]
    if exc is not None and dependencies.is_down(exc) and not request.path.startswith("/api/v1/dsp/"):
        _log_if_down(exc, request)
        return error_response(request, PlatformError.SERVICE_UNAVAILABLE())
    render = _body_for_path(request.path)
    if render is None:
        return HttpResponse("Server error.", status=500, content_type="text/plain")
    return JsonResponse(render(PlatformError.INTERNAL_ERROR()), status=500)


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    render = _body_for_path(request.path)
    error = as_application_error(exception) if exception else PlatformError.PARSE_ERROR()
    if error.error is PlatformError.INTERNAL_ERROR:
        error = V1Error.INVALID_VALUE()
    if render is None:
        return HttpResponse(error.message, status=error.status_code, content_type="text/plain")
    return JsonResponse(render(error), status=error.status_code)
