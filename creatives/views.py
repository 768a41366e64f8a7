"""`/v1` ad account, campaigns, ad groups and ads; and the public creative asset route.

Views parse, call a selector or service, and render; errors are raised, never built here.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.http import require_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from creatives import assets, selectors, services
from creatives.idempotency import idempotent_create
from creatives.openapi import CAMPAIGN_CREATE_429, IDEMPOTENCY_KEY, errors
from creatives.serializers import (
    AdCreateSerializer,
    AdGroupCreateSerializer,
    AdGroupSerializer,
    AdGroupUpdateSerializer,
    AdSerializer,
    AdUpdateSerializer,
    CampaignCreateSerializer,
    CampaignSerializer,
    CampaignUpdateSerializer,
    parse,
)
from thrad import bounds, ratelimit, storage
from thrad.api import V1Api, v1_limit
from thrad.dependencies import retry_after
from thrad.errors import PlatformError, V1Error
from thrad.pagination import LIST_PARAMETERS, PageRequest, list_body, list_serializer

CampaignListSerializer = list_serializer("CampaignList", CampaignSerializer)
AdGroupListSerializer = list_serializer("AdGroupList", AdGroupSerializer)
AdListSerializer = list_serializer("AdList", AdSerializer)
CREATE_CODES = "invalid_value, idempotency_key_reused"
LIST_CODES = "invalid_value (limit, order, after, before; a missing parent id filter)"


class AdAccountGetApi(V1Api):
    """The organization's one ad account."""

    @extend_schema(
        summary="Get the ad account",
        operation_id="getAdAccount",
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
            **errors(),
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


class CreateMixin(V1Api):
    """Creates honour `Idempotency-Key`: a replay answers the first response, marked replayed."""

    idempotency_endpoint = ""

    def created(self, request: Request, create: Callable[[], dict[str, Any]]) -> Response:
        outcome = idempotent_create(
            org=self.org,
            endpoint=self.idempotency_endpoint,
            key=request.headers.get("Idempotency-Key"),
            payload=request.data,
            create=create,
        )
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
        return Response(outcome.body, status=outcome.status, headers=headers)


def _required_query(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if not value:
        raise V1Error.INVALID_VALUE(f"The '{name}' query parameter is required.", param=name)
    return value


# --- campaigns -----------------------------------------------------------------------------


class CampaignListCreateApi(CreateMixin):
    idempotency_endpoint = "campaigns"

    def get_rate_limits(self, request: Request) -> Sequence[ratelimit.Limit]:
        if request.method != "POST":
            return super().get_rate_limits(request)
        per_hour = settings.RATE_LIMIT_CAMPAIGN_CREATES_PER_HOUR
        return (v1_limit(), ratelimit.Limit("campaign_create", per_hour, 3600))

    @extend_schema(
        summary="List campaigns",
        operation_id="listCampaigns",
        parameters=list(LIST_PARAMETERS),
        responses={200: CampaignListSerializer, **errors(400, codes=LIST_CODES)},
    )
    def get(self, request: Request) -> Response:
        page = selectors.campaign_list(org=self.org, page=PageRequest.from_query(request.query_params))
        return Response(list_body(page, CampaignSerializer.render))

    @extend_schema(
        summary="Create a campaign with its ad groups and ads",
        operation_id="createCampaign",
        description=(
            "One atomic call: any invalid part rejects the whole tree and creates nothing; `param` "
            "names the part, e.g. `ad_groups[0].ads[1].creative.file_id`. A new campaign is "
            "`paused` and `in_review`. Unknown fields (including `status`) are 400 invalid_value. "
            "At most 20 ad groups with 50 ads each. Also limited to 60 creates per hour per key."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=CampaignCreateSerializer,
        responses={
            201: CampaignSerializer,
            **errors(400, 404, 503, codes=CREATE_CODES),
            429: CAMPAIGN_CREATE_429,
        },
    )
    def post(self, request: Request) -> Response:
        def create() -> dict[str, Any]:
            data = parse(CampaignCreateSerializer, request.data, org=self.org)
            return CampaignSerializer.render(services.campaign_create(org=self.org, data=data))

        return self.created(request, create)


class CampaignGetUpdateApi(V1Api):
    @extend_schema(
        summary="Get a campaign",
        operation_id="getCampaign",
        responses={200: CampaignSerializer, **errors(404)},
    )
    def get(self, request: Request, campaign_id: str) -> Response:
        return Response(CampaignSerializer.render(selectors.campaign_get(org=self.org, campaign_id=campaign_id)))

    @extend_schema(
        summary="Update a campaign",
        operation_id="updateCampaign",
        description=(
            "Send only the fields that change (no body, like `{}`, changes nothing and returns the "
            "campaign). `status` is refused with invalid_value (use the activate, pause and archive "
            "actions); so are `review_status` and unknown fields. An `end_time` not after the "
            "stored `start_time` (or a `start_time` not before the stored `end_time`) is invalid_value."
        ),
        request=CampaignUpdateSerializer(partial=True),
        responses={200: CampaignSerializer, **errors(400, 404)},
    )
    def post(self, request: Request, campaign_id: str) -> Response:
        campaign = selectors.campaign_get(org=self.org, campaign_id=campaign_id)
        data = parse(CampaignUpdateSerializer, request.data, org=self.org, partial=True)
        return Response(CampaignSerializer.render(services.campaign_update(campaign=campaign, data=data)))


class _CampaignActionApi(V1Api):
    perform: Callable[..., Any] = staticmethod(services.campaign_pause)

    def post(self, request: Request, campaign_id: str) -> Response:
        campaign = selectors.campaign_get(org=self.org, campaign_id=campaign_id)
        return Response(CampaignSerializer.render(type(self).perform(campaign=campaign)))


def _action_schema(
    summary: str, out: type[serializers.Serializer], *statuses: int, description: str = "", codes: str = "invalid_value"
) -> Any:
    """The schema of a lifecycle action: no body, the object back."""
    operation_id = "".join(
        word.capitalize() if i else word for i, word in enumerate(summary.split()) if word not in ("a", "an")
    )
    return extend_schema(
        summary=summary,
        operation_id=operation_id,
        description=description,
        request=None,
        responses={200: out, **errors(*statuses, codes=codes)},
    )


@extend_schema_view(
    post=_action_schema(
        "Activate a campaign",
        CampaignSerializer,
        400,
        404,
        codes="campaign_not_approved (staff have not approved the campaign)",
    )
)
class CampaignActivateApi(_CampaignActionApi):
    perform = staticmethod(services.campaign_activate)


@extend_schema_view(post=_action_schema("Pause a campaign", CampaignSerializer, 404))
class CampaignPauseApi(_CampaignActionApi):
    perform = staticmethod(services.campaign_pause)


@extend_schema_view(post=_action_schema("Archive a campaign", CampaignSerializer, 404))
class CampaignArchiveApi(_CampaignActionApi):
    perform = staticmethod(services.campaign_archive)


# --- ad groups -----------------------------------------------------------------------------


class AdGroupListCreateApi(CreateMixin):
    idempotency_endpoint = "ad_groups"

    @extend_schema(
        summary="List a campaign's ad groups",
        operation_id="listAdGroups",
        parameters=[
            OpenApiParameter(
                "campaign_id",
                OpenApiTypes.UUID,
                required=True,
                description="The campaign's `id`; missing or empty: 400 invalid_value; not yours: 404.",
            ),
            *LIST_PARAMETERS,
        ],
        responses={200: AdGroupListSerializer, **errors(400, 404, codes=LIST_CODES)},
    )
    def get(self, request: Request) -> Response:
        page = PageRequest.from_query(request.query_params)
        campaign_id = _required_query(request, "campaign_id")
        campaign = selectors.campaign_get(org=self.org, campaign_id=campaign_id, param="campaign_id")
        groups = selectors.ad_group_list(org=self.org, campaign=campaign, page=page)
        return Response(list_body(groups, AdGroupSerializer.render))

    @extend_schema(
        summary="Create an ad group",
        operation_id="createAdGroup",
        description=(
            "In the campaign `campaign_id` (another organization's id is 404). May carry `ads[]` "
            "(at most 50), created in the same transaction."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=AdGroupCreateSerializer,
        responses={201: AdGroupSerializer, **errors(400, 404, 503, codes=CREATE_CODES)},
    )
    def post(self, request: Request) -> Response:
        def create() -> dict[str, Any]:
            data = parse(AdGroupCreateSerializer, request.data, org=self.org)
            campaign = selectors.campaign_get(org=self.org, campaign_id=data["campaign_id"], param="campaign_id")
            return AdGroupSerializer.render(services.ad_group_create(org=self.org, campaign=campaign, data=data))

        return self.created(request, create)


class AdGroupGetUpdateApi(V1Api):
    @extend_schema(
        summary="Get an ad group",
        operation_id="getAdGroup",
        responses={200: AdGroupSerializer, **errors(404)},
    )
    def get(self, request: Request, ad_group_id: str) -> Response:
        return Response(AdGroupSerializer.render(selectors.ad_group_get(org=self.org, ad_group_id=ad_group_id)))

    @extend_schema(
        summary="Update an ad group",
        operation_id="updateAdGroup",
        description=(
            "Send only the fields that change (no body, like `{}`, changes nothing); `status` and "
            "unknown fields are invalid_value."
        ),
        request=AdGroupUpdateSerializer(partial=True),
        responses={200: AdGroupSerializer, **errors(400, 404)},
    )
    def post(self, request: Request, ad_group_id: str) -> Response:
        group = selectors.ad_group_get(org=self.org, ad_group_id=ad_group_id)
        data = parse(AdGroupUpdateSerializer, request.data, org=self.org, partial=True)
        return Response(AdGroupSerializer.render(services.ad_group_update(ad_group=group, data=data)))


class _AdGroupActionApi(V1Api):
    perform: Callable[..., Any] = staticmethod(services.ad_group_pause)

    def post(self, request: Request, ad_group_id: str) -> Response:
        group = selectors.ad_group_get(org=self.org, ad_group_id=ad_group_id)
        return Response(AdGroupSerializer.render(type(self).perform(ad_group=group)))


@extend_schema_view(post=_action_schema("Activate an ad group", AdGroupSerializer, 404))
class AdGroupActivateApi(_AdGroupActionApi):
    perform = staticmethod(services.ad_group_activate)


@extend_schema_view(post=_action_schema("Pause an ad group", AdGroupSerializer, 404))
class AdGroupPauseApi(_AdGroupActionApi):
    perform = staticmethod(services.ad_group_pause)


@extend_schema_view(
    post=_action_schema("Archive an ad group", AdGroupSerializer, 404, description="Reads back as paused.")
)
class AdGroupArchiveApi(_AdGroupActionApi):
    perform = staticmethod(services.ad_group_archive)


# --- ads -----------------------------------------------------------------------------------


class AdListCreateApi(CreateMixin):
    idempotency_endpoint = "ads"

    @extend_schema(
        summary="List an ad group's ads",
        operation_id="listAds",
        parameters=[
            OpenApiParameter(
                "ad_group_id",
                OpenApiTypes.UUID,
                required=True,
                description="The ad group's `id`; missing or empty: 400 invalid_value; not yours: 404.",
            ),
            *LIST_PARAMETERS,
        ],
        responses={200: AdListSerializer, **errors(400, 404, codes=LIST_CODES)},
    )
    def get(self, request: Request) -> Response:
        page = PageRequest.from_query(request.query_params)
        ad_group_id = _required_query(request, "ad_group_id")
        group = selectors.ad_group_get(org=self.org, ad_group_id=ad_group_id, param="ad_group_id")
        return Response(list_body(selectors.ad_list(org=self.org, ad_group=group, page=page), AdSerializer.render))

    @extend_schema(
        summary="Create an ad",
        operation_id="createAd",
        description=(
            "In the ad group `ad_group_id` (another organization's id is 404). `creative.file_id`, "
            "if given, must be a file uploaded by your organization (else 400 invalid_value); its "
            "bytes are copied into the ad's own public asset (`creative.image_url`)."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=AdCreateSerializer,
        responses={201: AdSerializer, **errors(400, 404, 503, codes=CREATE_CODES)},
    )
    def post(self, request: Request) -> Response:
        def create() -> dict[str, Any]:
            data = parse(AdCreateSerializer, request.data, org=self.org)
            group = selectors.ad_group_get(org=self.org, ad_group_id=data["ad_group_id"], param="ad_group_id")
            return AdSerializer.render(services.ad_create(org=self.org, ad_group=group, data=data))

        return self.created(request, create)


class AdGetUpdateApi(V1Api):
    @extend_schema(summary="Get an ad", operation_id="getAd", responses={200: AdSerializer, **errors(404)})
    def get(self, request: Request, ad_id: str) -> Response:
        return Response(AdSerializer.render(selectors.ad_get(org=self.org, ad_id=ad_id)))

    @extend_schema(
        summary="Update an ad",
        operation_id="updateAd",
        description=(
            "Send only the fields that change (no body, like `{}`, changes nothing); `creative` may "
            "hold only the changed fields. A new "
            "`file_id` is copied into a new asset (`image_url` changes); `file_id: null` removes "
            "the image. `status` and unknown fields are invalid_value."
        ),
        request=AdUpdateSerializer(partial=True),
        responses={200: AdSerializer, **errors(400, 404, 503)},
    )
    def post(self, request: Request, ad_id: str) -> Response:
        ad = selectors.ad_get(org=self.org, ad_id=ad_id)
        data = parse(AdUpdateSerializer, request.data, org=self.org, partial=True)
        return Response(AdSerializer.render(services.ad_update(ad=ad, data=data)))


class _AdActionApi(V1Api):
    perform: Callable[..., Any] = staticmethod(services.ad_pause)

    def post(self, request: Request, ad_id: str) -> Response:
        ad = selectors.ad_get(org=self.org, ad_id=ad_id)
        return Response(AdSerializer.render(type(self).perform(ad=ad)))


@extend_schema_view(post=_action_schema("Activate an ad", AdSerializer, 404))
class AdActivateApi(_AdActionApi):
    perform = staticmethod(services.ad_activate)


@extend_schema_view(post=_action_schema("Pause an ad", AdSerializer, 404))
class AdPauseApi(_AdActionApi):
    perform = staticmethod(services.ad_pause)


@extend_schema_view(post=_action_schema("Archive an ad", AdSerializer, 404, description="Reads back as paused."))
class AdArchiveApi(_AdActionApi):
    perform = staticmethod(services.ad_archive)


# --- public creative assets ----------------------------------------------------------------

ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"


def _unavailable(message: str) -> HttpResponse:
    response = HttpResponse(message, status=503, content_type="text/plain")
    response["Retry-After"] = retry_after()
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def creative_asset(request: HttpRequest, name: str) -> HttpResponseBase:
    """Stream an ad's creative asset from storage to anyone. Only `creatives/` names; else 404."""
    path = f"{assets.PREFIX}{name}"
    content_type = assets.content_type_for(path)
    if content_type is None:
        raise Http404
    try:
        release = bounds.acquire("stream")  # a bounded share of the threads streams images
    except PlatformError.SERVICE_UNAVAILABLE.exc:
        return _unavailable("Busy; try again shortly.")
    try:
        stored = storage.read_whole(path)  # all of it first: a read failing half-way is a 503 too
    except storage.ObjectMissing as exc:
        release()
        raise Http404 from exc
    except PlatformError.STORAGE_UNAVAILABLE.exc:
        release()
        return _unavailable("Storage unavailable.")
    response = bounds.held_until_closed(FileResponse(stored, content_type=content_type), release)
    response["Cache-Control"] = ASSET_CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
