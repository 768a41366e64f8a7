"""`POST /v1/upload`: an advertiser's creative image, as a multipart file part or a JSON URL."""

from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.core.files.uploadedfile import UploadedFile as UploadedPart
from django.http import UnreadablePostError
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions as drf
from rest_framework import serializers
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from filecheck.images import policy_text
from filecheck.streaming import BodyTooLarge
from thrad.api import V1Api
from thrad.errors import V1Error
from thrad.models import ApiKey
from thrad.request_body import CappedUploadHandler, limit_request_body
from thrad.schema import V1ErrorSerializer, v1_error_responses
from uploads import services
from uploads.validation import FORMATS, MAX_BYTES

# Multipart headers and boundaries around the one file part; a body past this is refused
# from its Content-Length, or as soon as that many bytes have streamed in.
MULTIPART_MAX_BODY = MAX_BYTES + 256 * 1024
JSON_MAX_BODY = 16 * 1024
ONE_OF = "Send exactly one of a multipart 'file' part or a JSON 'image_url'."

UPLOAD_DESCRIPTION = f"""
Send exactly one of: `multipart/form-data` with a `file` part, or `application/json`
`{{"image_url": "https://..."}}` (fetched by the server). Other form fields and JSON keys are
ignored. PNG, JPEG or WebP, at most 5 MB (5 × 1024 × 1024 bytes), judged from the bytes alone
(the filename and any Content-Type are ignored) and decoded. Decompression bombs are
`invalid_file`; the image policy, shared with the Files API: {policy_text(FORMATS)}.

URL fetches run in a background task; the request waits for it. Absolute http(s) URLs only,
any port, no user@, backslashes, whitespace or control characters; every address the host
resolves to must be public (loopback, private, link-local/cloud metadata, CGNAT, multicast,
reserved, documentation and benchmarking ranges, and IPv6 forms embedding them are refused);
redirects are not followed; connect and read timeouts and a total deadline (defaults 5 s,
10 s, 15 s); the body is cut off past 5 MB.
"""

ERRORS_400 = """invalid_request_error; `param` is `file` or `image_url` (null for invalid_value):
`invalid_value`: neither a file part nor image_url, or both (or a JSON body over 16 KB);
`invalid_file`: empty, unreadable, not a decodable image, too many pixels, or a `file` field
that is not a file part;
`file_too_large`: more than 5 MB;
`unsupported_mimetype`: a real file of another type (GIF, PDF, SVG, text, ...);
`invalid_image_url`: empty, not absolute http(s), unresolvable, or a non-public address;
`image_fetch_failed`: network error, timeout, or non-2xx status;
`too_many_redirects`: the URL answered with a redirect."""


class UploadCreateApi(V1Api):
    """Store a creative image for the caller's organization; answers its `file_id`."""

    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        summary="Upload a creative image",
        description=UPLOAD_DESCRIPTION,
        request={
            "multipart/form-data": inline_serializer("UploadFile", {"file": serializers.FileField()}),
            "application/json": inline_serializer("UploadImageUrl", {"image_url": serializers.URLField()}),
        },
        responses={
            201: OpenApiResponse(
                inline_serializer("UploadCreated", {"file_id": serializers.CharField()}),
                description="Stored; `file_id` is `uploads/YYYY/MM/<32 hex>.<png|jpg|webp>`.",
                examples=[OpenApiExample("Created", {"file_id": "uploads/2026/06/" + "0" * 32 + ".png"})],
            ),
            400: OpenApiResponse(V1ErrorSerializer, description=ERRORS_400),
            **v1_error_responses(401, 403, 429, 503),
        },
    )
    def post(self, request: Request) -> Response:
        source = _read_source(request)
        api_key = request.auth if isinstance(request.auth, ApiKey) else None
        if isinstance(source, UploadedPart):
            stored = services.upload_create_from_file(org=self.org, api_key=api_key, part=source)
        else:
            stored = services.upload_create_from_url(org=self.org, api_key=api_key, image_url=source)
        return Response({"file_id": stored.file_id}, status=201)


def _read_source(request: Request) -> UploadedPart | object:
    """The one file part, or the `image_url` value (not yet checked), or V1Error.INVALID_VALUE."""
    media_type = (request.content_type or "").split(";", 1)[0].strip().lower()
    if media_type == "multipart/form-data":
        return _file_part(request)
    if media_type == "application/json":
        return _image_url(request)
    raise V1Error.INVALID_VALUE(ONE_OF)


def _file_part(request: Request) -> UploadedPart:
    fields, files = _parse_multipart(request)
    parts = files.getlist("file")
    if parts and "image_url" in fields:
        raise V1Error.INVALID_VALUE("Send either a file part or an image_url, not both.")
    if len(parts) > 1:
        raise V1Error.INVALID_VALUE("Send exactly one file part.", param="file")
    if not parts:
        if "file" in fields:
            raise V1Error.INVALID_FILE("'file' must be a file part with the image bytes.", param="file")
        raise V1Error.INVALID_VALUE(ONE_OF)
    return parts[0]


def _parse_multipart(request: Request) -> tuple[Any, Any]:
    """Form fields and file parts; file parts stream to temp files, cut past 5 MB each."""
    try:
        return _parse_capped(request)
    except BodyTooLarge as exc:
        raise V1Error.FILE_TOO_LARGE(param="file") from exc
    except (drf.ParseError, SuspiciousOperation) as exc:
        raise V1Error.INVALID_VALUE("The multipart body could not be read.") from exc
    except UnreadablePostError as exc:
        raise V1Error.INVALID_FILE("The request body ended early.", param="file") from exc


def _parse_capped(request: Request) -> tuple[Any, Any]:
    django_request = request._request
    handler = CappedUploadHandler(django_request, max_file_bytes=MAX_BYTES)
    django_request.upload_handlers = [handler]
    try:
        limit_request_body(django_request, MULTIPART_MAX_BODY)
        return request.POST, request.FILES
    except BaseException:
        if getattr(handler, "file", None) is not None:
            handler.file.close()  # the part being received when parsing stopped (a temp file)
        raise


def _image_url(request: Request) -> object:
    try:
        limit_request_body(request._request, JSON_MAX_BODY)
        data = request.data
    except BodyTooLarge as exc:
        raise V1Error.INVALID_VALUE("The JSON body is too large.") from exc
    except drf.ParseError as exc:
        raise V1Error.INVALID_VALUE("The body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise V1Error.INVALID_VALUE("The JSON body must be an object.")
    if "file" in data:
        raise V1Error.INVALID_VALUE("Send a file as a multipart 'file' part, not in JSON.", param="file")
    if "image_url" not in data:
        raise V1Error.INVALID_VALUE(ONE_OF)
    return data["image_url"]
