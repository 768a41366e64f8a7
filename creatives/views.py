from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from thrad.api import V1Api
from thrad.schema import v1_error_responses


class AdAccountGetApi(V1Api):
    """The organization's one ad account."""

    @extend_schema(
        summary="Get the ad account",
        responses={
            200: inline_serializer(
                "AdAccount",
                {
                    "id": serializers.UUIDField(),
                    "name": serializers.CharField(),
                    "url": serializers.CharField(allow_null=True),
                    "timezone": serializers.CharField(),
                    "currency_code": serializers.CharField(),
                },
            ),
            **v1_error_responses(401, 403, 429),
        },
    )
    def get(self, request: Request) -> Response:
        org = self.org
        return Response(
            {
                "id": str(org.public_id),
                "name": org.name,
                "url": f"https://{org.domain}" if org.domain else None,
                "timezone": "UTC",
                "currency_code": "USD",
            }
        )
