"""API key authentication for DRF: `Authorization: Bearer <key>`, optionally `x-api-key`."""

from typing import Any

from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from thrad.errors import PlatformError
from thrad.models import ApiKey, Organization
from thrad.selectors import api_key_authenticate
from thrad.services import api_key_mark_used

MAX_HEADER_LENGTH = 200


class KeyPrincipal:
    """`request.user` for a request made with an API key: the organization acting."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key
        self.organization: Organization = api_key.organization

    def __str__(self) -> str:
        return f"{self.organization} via {self.api_key.display_prefix}"


def bearer_token(header: str) -> str | None:
    """The token of a well-formed `Bearer <token>` header, else None."""
    if len(header) > MAX_HEADER_LENGTH:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class ApiKeyAuthentication(BaseAuthentication):
    """Every failure is one of two uniform 401s: the caller can't tell unknown from revoked."""

    accept_x_api_key = False
    missing_key_message: str | None = None  # None: the registry's message (Bearer only)

    def authenticate(self, request: Request) -> tuple[KeyPrincipal, ApiKey]:
        header = request.META.get("HTTP_AUTHORIZATION")
        alt = request.META.get("HTTP_X_API_KEY") if self.accept_x_api_key else None
        if header is None and alt is None:
            raise PlatformError.AUTH_REQUIRED(self.missing_key_message)
        secret = bearer_token(header) if header is not None else alt
        if not secret or len(secret) > MAX_HEADER_LENGTH:
            raise PlatformError.INVALID_API_KEY()
        api_key = api_key_authenticate(secret=secret)
        if api_key is None:
            raise PlatformError.INVALID_API_KEY()
        api_key_mark_used(api_key=api_key)
        return KeyPrincipal(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="thrad"'


class ApiKeyOrHeaderAuthentication(ApiKeyAuthentication):
    """Files API: the key may also come as `x-api-key: <key>`, and the 401 says so."""

    accept_x_api_key = True
    missing_key_message = "Send your API key as 'Authorization: Bearer <key>' or 'x-api-key: <key>'."


def request_org(request: Any) -> Organization:
    return request.auth.organization
