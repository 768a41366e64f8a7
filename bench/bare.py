"""Bare views: the baselines each benchmark is measured against in the same run.

They do the unavoidable part of a request (parse the body) and nothing of ours.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


@csrf_exempt
def bare_multipart(request: HttpRequest) -> HttpResponse:
    """Reads the whole multipart body (files streamed to temp files, as Django does) and discards it."""
    uploads = [f for name in request.FILES for f in request.FILES.getlist(name)]
    total = sum(f.size or 0 for f in uploads)
    for upload in uploads:
        upload.close()
    return JsonResponse({"file_id": "uploads/bare", "bytes": total}, status=201)


class BareJsonApi(APIView):
    """Parses a JSON body and answers a payload of `?size=` bytes (plain DRF, no auth)."""

    authentication_classes: list = []
    permission_classes: list = []
    parser_classes = [JSONParser]

    def post(self, request: Request) -> Response:
        _ = request.data
        size = int(request.query_params.get("size", "200"))
        return Response({"data": {"pad": "x" * max(0, size - 20)}})

    def get(self, request: Request) -> Response:
        size = int(request.query_params.get("size", "200"))
        return Response({"data": {"pad": "x" * max(0, size - 20)}})
