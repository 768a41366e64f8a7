"""The baseline every benchmark is measured against: a bare Django app that is not the project.

`gunicorn bench.bareapp:application` serves it with the same gunicorn.conf.py and worker count
as the project. It has no middleware, no database, no cache, no authentication: only the work
any Django/DRF endpoint must do (route, parse the body, render a response of a given size).

- `POST|GET /django?size=N`: a plain Django view; reads the body, answers N bytes of JSON.
- `POST|GET /drf?size=N`: a DRF `@api_view`; parses the JSON body, answers N bytes of JSON.
- `POST /multipart`: Django parses the multipart body (files streamed to temp files, as in the
  project) and the view discards it.
"""

import json
import secrets

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY=secrets.token_urlsafe(32),
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=["rest_framework"],
    DATABASES={},
    USE_TZ=True,
    USE_I18N=False,
    # The project's body limits, so both sides spool file parts to disk at the same size.
    DATA_UPLOAD_MAX_MEMORY_SIZE=2_621_440,
    FILE_UPLOAD_MAX_MEMORY_SIZE=262_144,
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": [],
        "UNAUTHENTICATED_USER": None,
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    },
    LOGGING={"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}},
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, HttpResponse, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework.decorators import api_view  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402


def _payload(size: str | None) -> dict[str, dict[str, str]]:
    """A JSON object of about `size` bytes once rendered."""
    return {"data": {"pad": "x" * max(0, int(size or "200") - 20)}}


def plain(request: HttpRequest) -> HttpResponse:
    if request.body:
        json.loads(request.body)
    return JsonResponse(_payload(request.GET.get("size")))


@api_view(["GET", "POST"])
def drf(request: Request) -> Response:
    _ = request.data
    return Response(_payload(request.query_params.get("size")))


def multipart(request: HttpRequest) -> HttpResponse:
    uploads = [f for name in request.FILES for f in request.FILES.getlist(name)]
    total = sum(f.size or 0 for f in uploads)
    for upload in uploads:
        upload.close()
    return JsonResponse({"file_id": "uploads/bare", "bytes": total}, status=201)


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("django", plain),
    path("drf", drf),
    path("multipart", multipart),
    path("healthz", healthz),
]

application = get_wsgi_application()
