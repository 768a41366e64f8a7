"""OpenAPI pieces shared by the API families (drf-spectacular extensions): the authentication
schemes, the /v1 error body, and components written as raw JSON Schema."""

from typing import Any

from django.utils.module_loading import import_string
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ApiKeyBearerScheme(OpenApiAuthenticationExtension):
    target_class = "thrad.authentication.ApiKeyAuthentication"
    name = "ApiKeyBearer"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The organization's API key: `Authorization: Bearer ak_...`.",
        }


class ApiKeyHeaderScheme(OpenApiAuthenticationExtension):
    target_class = "thrad.authentication.ApiKeyOrHeaderAuthentication"
    # Its own bearer scheme name: one name may belong to only one authentication class.
    name = ["ApiKeyOrHeaderBearer", "ApiKeyHeader"]

    def get_security_requirement(self, auto_schema):  # type: ignore[no-untyped-def]
        return [{"ApiKeyOrHeaderBearer": []}, {"ApiKeyHeader": []}]

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return [
            {"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer ak_...`."},
            {"type": "apiKey", "in": "header", "name": "x-api-key", "description": "`x-api-key: ak_...`."},
        ]


def v1_error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """OpenAPI responses for /v1 failures: the bare error object, with what each status means."""
    return {status: OpenApiResponse(V1ErrorSerializer, description=V1_STATUS_MEANING[status]) for status in statuses}


class _V1ErrorBody(serializers.Serializer):
    message = serializers.CharField()
    type = serializers.ChoiceField(
        choices=[
            "invalid_request_error",
            "authentication_error",
            "permission_error",
            "not_found_error",
            "rate_limit_error",
            "api_error",
        ]
    )
    param = serializers.CharField(allow_null=True)
    code = serializers.CharField()


class V1ErrorSerializer(serializers.Serializer):
    error = _V1ErrorBody()


V1_STATUS_MEANING = {
    400: "invalid_request_error; `code` names the problem (e.g. invalid_value) and `param` the field.",
    401: "authentication_error: `auth_required` (no Authorization header) or `invalid_api_key` "
    "(malformed, unknown, revoked or expired key; all alike).",
    403: "permission_error / account_suspended: the organization is suspended.",
    404: "not_found_error / not_found: no such object in your organization.",
    429: "rate_limit_error / rate_limit_exceeded: 1000 requests per hour per key; see Retry-After.",
    500: "api_error / internal_error: an unexpected failure; the body carries no stack trace.",
    503: "api_error / service_unavailable: a dependency (database, cache, task queue) is down or too "
    "slow, or this server is at its bound for this kind of slow work (URL fetches, large bodies); "
    "answered within seconds, retry after Retry-After. api_error / storage_unavailable: file storage "
    "is down or too slow; nothing was stored.",
}


class InternalErrorAutoSchema(AutoSchema):
    """Every operation can fail unexpectedly: each lists 500 `internal_error` (and /v1 also 503),
    with the error body of its API family. Added to the finished operation, so views whose
    `@extend_schema` lists their own responses get it too (a status they describe is kept).

    Subclasses set `error_body` (a serializer class, or its dotted path, read when the schema is
    built) and `error_description`: drf-spectacular instantiates schema classes without
    arguments for `@extend_schema`.
    """

    error_body: Any = V1ErrorSerializer
    error_descriptions: dict[str, str] = {"500": V1_STATUS_MEANING[500]}

    def get_operation(self, path, path_regex, path_prefix, method, registry):  # type: ignore[no-untyped-def]
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None:
            serializer = import_string(self.error_body) if isinstance(self.error_body, str) else self.error_body
            body = self.resolve_serializer(serializer, "response")
            for status, description in self.error_descriptions.items():
                operation["responses"].setdefault(
                    status,
                    {"content": {"application/json": {"schema": body.ref}}, "description": description},
                )
        return operation


class V1AutoSchema(InternalErrorAutoSchema):
    """/v1: 500 `internal_error` and 503 `service_unavailable` / `storage_unavailable` in the /v1 body."""

    error_descriptions = {"500": V1_STATUS_MEANING[500], "503": V1_STATUS_MEANING[503]}


class RawSchema(serializers.Serializer):
    """A component written as JSON Schema, for shapes serializers cannot state (oneOf, null-only).

    Subclasses set `schema`; a RawSchema subclass anywhere in it becomes a `$ref` to its own
    component. The component is named after the class (drf-spectacular appends "Request").
    """

    schema: dict[str, Any] = {}


class RawSchemaExtension(OpenApiSerializerExtension):
    target_class = RawSchema
    match_subclasses = True

    def get_name(self, auto_schema, direction):  # type: ignore[no-untyped-def]
        return _raw_class(self.target).__name__

    def map_serializer(self, auto_schema, direction):  # type: ignore[no-untyped-def]
        def resolve(node: Any) -> Any:
            if isinstance(node, type) and issubclass(node, RawSchema):
                return auto_schema.resolve_serializer(node, direction).ref
            if isinstance(node, dict):
                return {key: resolve(value) for key, value in node.items()}
            if isinstance(node, list):
                return [resolve(value) for value in node]
            return node

        return resolve(_raw_class(self.target).schema)


def _raw_class(target: Any) -> type[RawSchema]:
    return target if isinstance(target, type) else type(target)
