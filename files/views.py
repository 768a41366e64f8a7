"""Files API views: `POST /api/v1/upload`, `GET /api/v1/files`, `GET|DELETE /api/v1/files/<key>`."""

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from filecheck.images import policy_text
from files import selectors, services
from files.api import FilesApiBase, files_parts
from files.models import StoredFile
from files.validation import IMAGE_FORMATS, TEXT_TYPES
from thrad import bounds
from thrad.errors import FilesError

# --- bodies ------------------------------------------------------------------------------------


class FilesUploadedSerializer(serializers.ModelSerializer):
    mimeType = serializers.CharField(source="mime_type")  # noqa: N815 - the contract's field name
    isImage = serializers.BooleanField(source="is_image")  # noqa: N815

    class Meta:
        model = StoredFile
        fields = ["key", "filename", "mimeType", "size", "isImage"]


class FilesListedSerializer(FilesUploadedSerializer):
    createdAt = serializers.DateTimeField(source="created_at")  # noqa: N815

    class Meta(FilesUploadedSerializer.Meta):
        fields = [*FilesUploadedSerializer.Meta.fields, "createdAt"]


PART_ERRORS = (
    FilesError.INVALID_FILE,
    FilesError.FILE_TOO_LARGE,
    FilesError.UNSUPPORTED_TYPE,
    FilesError.BLOCKED_EXTENSION,
    FilesError.TYPE_MISMATCH,
    FilesError.QUOTA_EXCEEDED,
)


class FilesPartErrorSerializer(serializers.Serializer):
    filename = serializers.CharField()
    code = serializers.ChoiceField(choices=[e.code for e in PART_ERRORS])
    message = serializers.CharField()


class FilesUploadResultSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    uploaded = FilesUploadedSerializer(many=True)
    errors = FilesPartErrorSerializer(many=True, required=False, help_text="Only when some part failed.")  # type: ignore[assignment]


class FilesUsageSerializer(serializers.Serializer):
    usedBytes = serializers.IntegerField()  # noqa: N815
    quotaBytes = serializers.IntegerField()  # noqa: N815


class FilesListSerializer(serializers.Serializer):
    files = FilesListedSerializer(many=True)
    usage = FilesUsageSerializer()
    nextCursor = serializers.CharField(
        allow_null=True, help_text="Pass as ?cursor= for the next page; null on the last page."
    )  # noqa: N815


class _FilesErrorBody(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class FilesErrorSerializer(serializers.Serializer):
    success = serializers.BooleanField(default=False)
    error = _FilesErrorBody()


class FilesUploadRequestSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), min_length=1, max_length=5)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(FilesErrorSerializer, description=description)


AUTH_ERRORS = {
    401: _error("`auth_required` (no key sent) or `invalid_api_key` (malformed, unknown, revoked or expired)."),
    403: _error(
        "`account_suspended` (the organization is suspended), then `ip_not_allowed` (the caller's "
        "address is outside the organization's IP allowlist; behind a proxy listed in "
        "TRUSTED_PROXY_CIDRS the right-most untrusted X-Forwarded-For hop is the caller)."
    ),
    503: _error(
        "`storage_unavailable`: the object store cannot be reached or answers too slowly; nothing "
        "was changed or charged. `service_unavailable`: the database or the rate-limit store is "
        "down, or this server is at its bound for large bodies or downloads; with Retry-After, "
        "answered within seconds."
    ),
}
NOT_FOUND = _error("`not_found`: no such file in your organization (another organization's key answers the same).")

UPLOAD_DESCRIPTION = f"""
One to five `multipart/form-data` parts named `files`. Each part is judged alone, in order; valid
parts are stored even when others fail. Its type comes from the bytes (images decoded under the
image policy shared with `/v1/upload`: {policy_text(IMAGE_FORMATS)}; PDF `%PDF-`; JSON strict UTF-8 and valid;
CSV/Markdown/text strict UTF-8 without NUL), then must agree with the name's extension.

Per-file codes in `errors[]`: `blocked_extension` (executables, scripts, browser markup, archives:
any dotted part of the name, case-insensitive, after removing control and bidi characters and
trailing dots/spaces), `file_too_large` (over 10 MB), `invalid_file` (empty, unreadable,
undecodable), `unsupported_type` (the extension is not an accepted one), `type_mismatch` (bytes
and extension disagree), `quota_exceeded` (the part does not fit in the organization's quota;
each stored part reserves its bytes with one atomic conditional update).

Limits: 10 requests per minute per organization (every authenticated request counts, whatever
its answer; `X-RateLimit-Limit`, `-Remaining` and `-Reset` on every answer), 50 MB per request body (refused from Content-Length before reading, and while
streaming for chunked bodies). Stored keys are `files/<organization id>/<uuid>_<safe name>`;
the safe name keeps ASCII letters, digits and `._-` only, at most 100 characters.
"""


class FileUploadApi(FilesApiBase):
    """Store up to five files in the organization's private storage."""

    parser_classes = [MultiPartParser]
    counts_toward_rate_limit = True

    @extend_schema(
        operation_id="files_upload",
        tags=["Files API"],
        summary="Upload files",
        description=UPLOAD_DESCRIPTION,
        request={"multipart/form-data": FilesUploadRequestSerializer},
        responses={
            200: OpenApiResponse(
                FilesUploadResultSerializer,
                description="At least one file was stored; `errors` lists the parts that were not.",
            ),
            400: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="FilesUploadFailure",
                    serializers=[FilesUploadResultSerializer, FilesErrorSerializer],
                    resource_type_field_name=None,
                ),
                description="No part was stored: `{success: false, uploaded: [], errors: [...]}`; or a "
                "request-level error: `no_files` (no `files` part), `too_many_files` (more than 5; "
                "nothing stored), `parse_error` (malformed multipart body).",
            ),
            **AUTH_ERRORS,
            413: _error("`request_too_large`: the body is over 50 MB; nothing was stored."),
            415: _error("`unsupported_media_type`: the body is not multipart/form-data."),
            429: _error("`rate_limited`: over 10 requests per minute for this organization; see `Retry-After`."),
        },
    )
    def post(self, request: Request) -> Response:
        result = services.files_upload(org=self.org, api_key=self.api_key, uploads=files_parts(request))
        body: dict = {
            "success": bool(result.uploaded),
            "uploaded": FilesUploadedSerializer(result.uploaded, many=True).data,
        }
        if result.errors:
            body["errors"] = [
                {"filename": name, "code": e.error.code, "message": e.message} for name, e in result.errors
            ]
        return Response(body, status=200 if result.uploaded else 400)


class FileListApi(FilesApiBase):
    """The organization's files, newest first."""

    @extend_schema(
        operation_id="files_list",
        tags=["Files API"],
        summary="List files",
        description="Newest first, `limit` per page (default 50, at most 100). `nextCursor` is opaque; "
        "pass it back as `?cursor=` for the next page (null on the last one). `usage` is the "
        "organization's stored bytes and quota.",
        parameters=[
            OpenApiParameter(
                "cursor",
                {"type": "string", "maxLength": 1000, "pattern": "^[0-9A-Za-z_-]*$"},
                description="`nextCursor` of the previous page (empty: the first page); any other "
                "value is invalid_cursor.",
            ),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": 100},
                description="Files per page, 1 to 100 (default 50); sent empty: invalid_limit.",
            ),
        ],
        responses={
            200: FilesListSerializer,
            400: _error("`invalid_cursor` (not a cursor this API returned) or `invalid_limit`."),
            401: AUTH_ERRORS[401],
            403: AUTH_ERRORS[403],
            503: _error("`service_unavailable`: the database is down or too slow; with Retry-After."),
        },
    )
    def get(self, request: Request) -> Response:
        limit = selectors.page_size(request.query_params.get("limit"))
        page = selectors.stored_file_list(org=self.org, cursor=request.query_params.get("cursor"), limit=limit)
        return Response(
            {
                "files": FilesListedSerializer(page.files, many=True).data,
                "usage": {"usedBytes": page.used_bytes, "quotaBytes": page.quota_bytes},
                "nextCursor": page.next_cursor,
            }
        )


def served_type(mime: str) -> str:
    """Text types are served as plain text, so no browser renders or runs them."""
    return "text/plain; charset=utf-8" if mime in TEXT_TYPES else mime


class FileDetailApi(FilesApiBase):
    """Download or delete one file by its key (keys contain slashes)."""

    @extend_schema(
        operation_id="files_download",
        tags=["Files API"],
        summary="Download a file",
        description="The stored bytes, streamed, with the stored MIME type (CSV, Markdown and text as "
        "`text/plain; charset=utf-8`), `Content-Disposition: attachment` with the safe stored name, "
        "and `X-Content-Type-Options: nosniff`.",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file's bytes."),
            **AUTH_ERRORS,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, key: str) -> StreamingHttpResponse:
        stored = selectors.stored_file_get(org=self.org, key=key)
        release = bounds.acquire("stream")  # 503 at once when this process streams enough already
        try:
            stream = selectors.stored_file_open(stored=stored)
        except BaseException:
            release()
            raise
        response = StreamingHttpResponse(selectors.chunks(stream), content_type=served_type(stored.mime_type))
        bounds.held_until_closed(response, release)
        response["Content-Length"] = str(stored.size)
        response["Content-Disposition"] = f'attachment; filename="{stored.stored_name}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        operation_id="files_delete",
        tags=["Files API"],
        summary="Delete a file",
        description="Deletes the bytes, then the record, and gives the bytes back to the quota exactly once "
        "(a concurrent second delete answers 404).",
        responses={204: OpenApiResponse(description="Deleted."), **AUTH_ERRORS, 404: NOT_FOUND},
    )
    def delete(self, request: Request, key: str) -> Response:
        services.stored_file_delete(org=self.org, key=key)
        return Response(status=204)
