"""The one error class, and the exception handlers that render each API family's error body.

Services raise `ApplicationError` (or a subclass naming the condition); views never build an
error response by hand. Each API family renders the same error in its contract's shape:

- `/v1` (advertiser API):   {"error": {"message", "type", "param", "code"}}
- Files API:                {"success": false, "error": {"code", "message"}}
- DSP API:                  {"error": "<message>"}
"""

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger("thrad.errors")


class ApplicationError(drf.APIException):
    """A failure with a contract status, type and code. `param` names the field, dotted."""

    status_code = 400
    default_code = "invalid_value"
    default_type = "invalid_request_error"
    default_message = "The request is invalid."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        type: str | None = None,  # noqa: A002 - the contract's field name
        param: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        self.type = type or self.default_type
        self.param = param
        if status is not None:
            self.status_code = status
        self.headers = headers or {}
        super().__init__(self.message, self.code)


class AuthRequiredError(ApplicationError):
    status_code = 401
    default_code = "auth_required"
    default_type = "authentication_error"
    default_message = "Send your API key as 'Authorization: Bearer <key>'."


class InvalidApiKeyError(ApplicationError):
    status_code = 401
    default_code = "invalid_api_key"
    default_type = "authentication_error"
    default_message = "The API key is invalid, revoked or expired."


class AccountSuspendedError(ApplicationError):
    status_code = 403
    default_code = "account_suspended"
    default_type = "permission_error"
    default_message = "This organization is suspended."


class NotFoundError(ApplicationError):
    status_code = 404
    default_code = "not_found"
    default_type = "not_found_error"
    default_message = "No such object."


class RateLimitedError(ApplicationError):
    status_code = 429
    default_code = "rate_limit_exceeded"
    default_type = "rate_limit_error"
    default_message = "Too many requests; retry after the time in the Retry-After header."


class RequestTooLargeError(ApplicationError):
    status_code = 413
    default_code = "request_too_large"
    default_message = "The request body is too large."


class StorageUnavailableError(ApplicationError):
    status_code = 503
    default_code = "storage_unavailable"
    default_type = "api_error"
    default_message = "File storage is unavailable; nothing was stored. Try again later."


class InternalError(ApplicationError):
    status_code = 500
    default_code = "internal_error"
    default_type = "api_error"
    default_message = "An unexpected error occurred."


# DRF's own validation codes all mean "this value is not acceptable" in our contracts.
_DRF_VALIDATION_CODES = {
    "invalid", "required", "null", "blank", "max_length", "min_length", "max_value",
    "min_value", "invalid_choice", "not_a_list", "empty", "does_not_exist", "incorrect_type",
    "date", "datetime", "max_digits", "max_decimal_places", "max_whole_digits", "unique",
    "max_string_length", "overflow", "not_a_dict", "make_aware", "no_name",
}  # fmt: skip


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
    path, leaf = _first_error(exc.detail)
    leaf_code = getattr(leaf, "code", None) or "invalid"
    code = "invalid_value" if leaf_code in _DRF_VALIDATION_CODES else leaf_code
    message = str(leaf) or "The request is invalid."
    return ApplicationError(message, code=code, param=path or None)


# DRF's and Django's own exceptions, in match order: (class, code, type, status).
_BUILTIN_ERRORS: tuple[tuple[type[BaseException], str, str, int], ...] = (
    (drf.PermissionDenied, "permission_denied", "permission_error", 403),
    (drf.MethodNotAllowed, "method_not_allowed", "invalid_request_error", 405),
    (drf.UnsupportedMediaType, "unsupported_media_type", "invalid_request_error", 415),
    (drf.NotAcceptable, "not_acceptable", "invalid_request_error", 406),
    (drf.ParseError, "parse_error", "invalid_request_error", 400),
)


_PLAIN_ERRORS: tuple[
    tuple[type[BaseException] | tuple[type[BaseException], ...], type[ApplicationError]], ...
] = (
    (drf.NotAuthenticated, AuthRequiredError),
    (drf.AuthenticationFailed, InvalidApiKeyError),
    ((Http404, drf.NotFound), NotFoundError),
    (RequestDataTooBig, RequestTooLargeError),
)


def as_application_error(exc: BaseException) -> ApplicationError:
    """Map any exception raised while handling a request to the contract's error."""
    if isinstance(exc, ApplicationError):
        return exc
    if isinstance(exc, drf.ValidationError):
        return _from_validation(exc)
    for cls, error_class in _PLAIN_ERRORS:
        if isinstance(exc, cls):
            return error_class()
    if isinstance(exc, drf.Throttled):
        return RateLimitedError(headers={"Retry-After": str(int(getattr(exc, "wait", None) or 1))})
    for cls, code, error_type, status in _BUILTIN_ERRORS:
        if isinstance(exc, cls):
            return ApplicationError(str(exc.detail), code=code, type=error_type, status=status)  # type: ignore[attr-defined]
    if isinstance(exc, drf.APIException):
        return ApplicationError(str(exc.detail), code=str(exc.default_code), status=exc.status_code)  # fmt: skip
    return InternalError()


def _log_if_unexpected(exc: BaseException, error: ApplicationError, request: Any) -> None:
    if isinstance(error, InternalError) and not isinstance(exc, ApplicationError):
        request_id = getattr(request, "request_id", "-")
        logger.error("unhandled error request_id=%s", request_id, exc_info=exc)


def v1_body(error: ApplicationError) -> dict[str, Any]:
    return {"error": {"message": error.message, "type": error.type, "param": error.param, "code": error.code}}  # fmt: skip


def files_body(error: ApplicationError) -> dict[str, Any]:
    return {"success": False, "error": {"code": error.code, "message": error.message}}


def dsp_body(error: ApplicationError) -> dict[str, Any]:
    return {"error": error.message}


def _handler(render: Callable[[ApplicationError], dict[str, Any]]) -> Callable[..., Response]:
    def handle(exc: Exception, context: dict[str, Any]) -> Response:
        error = as_application_error(exc)
        _log_if_unexpected(exc, error, context.get("request"))
        set_rollback()
        headers = dict(error.headers)
        if error.status_code == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="thrad"')
        return Response(render(error), status=error.status_code, headers=headers)

    return handle


v1_exception_handler = _handler(v1_body)
files_exception_handler = _handler(files_body)
dsp_exception_handler = _handler(dsp_body)


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
    return JsonResponse(render(NotFoundError()), status=404)


def handler500(request: HttpRequest) -> HttpResponse:
    render = _body_for_path(request.path)
    if render is None:
        return HttpResponse("Server error.", status=500, content_type="text/plain")
    return JsonResponse(render(InternalError()), status=500)


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    render = _body_for_path(request.path)
    error = as_application_error(exception) if exception else ApplicationError()
    if isinstance(error, InternalError):
        error = ApplicationError("The request is invalid.")
    if render is None:
        return HttpResponse(error.message, status=error.status_code, content_type="text/plain")
    return JsonResponse(render(error), status=error.status_code)
