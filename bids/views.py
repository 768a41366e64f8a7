"""The DSP endpoints the SSP calls (`/api/v1/dsp/*`) and the advertiser's insights (`/v1/.../insights`)."""

import json
import logging
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bids import selectors, services
from bids.authentication import PartnerAuthentication
from bids.bid_request import BidRequestError, parse_bid_request
from bids.index import ServingIndex
from bids.insights import (
    FIELDS,
    FIELDS_PATTERN,
    GRANULARITIES,
    MAX_TIMESTAMP,
    build_rows,
    levels_from,
    parse_query,
)
from bids.models import SupplyPartner
from bids.openapi import END_USER_HEADER_SCHEMAS, X_FORWARDED_FOR_RE, Bid, Render
from bids.serializers import (
    BidResponseSerializer,
    DspErrorSerializer,
    InsightsRowSerializer,
    RenderResponseSerializer,
)
from thrad import dependencies
from thrad.api import V1Api
from thrad.clientip import parse_ip
from thrad.errors import DspError, dsp_exception_handler
from thrad.schema import InternalErrorAutoSchema, v1_error_responses
from thrad.shapes import json_response

BUDGET_NOTE = (
    "A campaign stops bidding once its recorded spend reaches its lifetime limit, or its spend "
    "today (UTC) its daily limit, until the next UTC day. Bids already answered (at most "
    "BID_TTL_SECONDS old) may still be rendered and charged, so spend can pass a limit by at most "
    "the prices / 1000 of the bids outstanding just before the render that reached it, that render "
    "included."
)
PACING_NOTE = (
    "Pacing and frequency: with pacing even a campaign bids only while its spend today is at or "
    "below daily limit × f + (daily limit / 24) × (1 − f), f the elapsed fraction of the UTC day "
    "(the share of the day so far plus at most one hour's share). An ad group with a frequency cap "
    "does not bid for a userId shown max_impressions of its ads (production renders) in the "
    "rolling window, so another ad can win. Both are read from counters shared by all web nodes, "
    "one round trip per bid that has such a candidate."
)


logger = logging.getLogger("bids.dsp")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class DspAutoSchema(InternalErrorAutoSchema):
    error_body = DspErrorSerializer
    error_description = 'An unexpected failure: {"error": "An unexpected error occurred."}.'


class DspApiBase(APIView):
    """DSP endpoints: no advertiser key, errors as {"error": "<message>"}."""

    authentication_classes: list = []
    permission_classes: list = []
    schema = DspAutoSchema()

    def get_exception_handler(self) -> Callable[..., Response]:
        return dsp_exception_handler

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """A POST without a query string (bid, render as the SSP sends them) skips DRF's request
        wrapper and its checks, of which these views use none (no permissions, throttles,
        versions or parsers; one renderer). The view's authenticators run as DRF runs them and
        set `request.user` / `request.auth`. An error, a DRF `Response` (a no-bid), a query
        string (`?format=`), every other method and a view without `post` take DRF's own way,
        so those answers are DRF's; every answer gets DRF's headers (`Allow`)."""
        post = getattr(self, "post", None)
        if post is None or request.method != "POST" or request.META.get("QUERY_STRING"):
            return super().dispatch(request, *args, **kwargs)
        self.args, self.kwargs, self.request = args, kwargs, request  # type: ignore[assignment]
        self.headers = self.default_response_headers
        try:
            for authenticator in self.get_authenticators():
                found = authenticator.authenticate(request)  # type: ignore[arg-type]
                if found is not None:
                    request.user, request.auth = found  # type: ignore[attr-defined]
                    break
            response = post(request, *args, **kwargs)
        except Exception as exc:
            self.request = self.initialize_request(request, *args, **kwargs)
            response = self.handle_exception(exc)
        if isinstance(response, Response) and not isinstance(self.request, Request):  # it renders through DRF's request
            self.request = self.initialize_request(request, *args, **kwargs)
        return self.finalize_response(self.request, response, *args, **kwargs)

    def json_body(self) -> Any:
        """The parsed body, whatever the Content-Type; invalid JSON (NaN included) is a 400."""
        raw = self.request.body
        if not raw.strip():
            raise DspError.INVALID_REQUEST("The body must be a JSON object.")
        try:
            return json.loads(raw, parse_constant=_reject_constant)
        except ValueError as exc:  # includes UnicodeDecodeError
            raise DspError.INVALID_REQUEST("The body is not valid JSON.") from exc


def _require_end_user_headers(request: Request) -> None:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not forwarded.strip():
        raise DspError.INVALID_REQUEST("The X-Forwarded-For header is required.")
    if parse_ip(forwarded.split(",", 1)[0]) is None or not X_FORWARDED_FOR_RE.fullmatch(forwarded):
        raise DspError.INVALID_REQUEST("X-Forwarded-For must start with the end user's IP address.")
    if not request.META.get("HTTP_USER_AGENT", "").strip():
        raise DspError.INVALID_REQUEST("The User-Agent header is required.")


_END_USER_HEADERS = [
    OpenApiParameter(
        "X-Forwarded-For",
        END_USER_HEADER_SCHEMAS["X-Forwarded-For"],
        OpenApiParameter.HEADER,
        required=True,
        description="The end user's address: the first hop is an IP address.",
    ),
    OpenApiParameter(
        "User-Agent",
        END_USER_HEADER_SCHEMAS["User-Agent"],
        OpenApiParameter.HEADER,
        required=True,
        description="The end user's browser (not blank).",
    ),
]
_DSP_ERROR = DspErrorSerializer


class BidPlaceApi(DspApiBase):
    authentication_classes = [PartnerAuthentication]

    def handle_exception(self, exc: Exception) -> Response:
        """A dependency down (cache, database) is no bid, at once: the SSP moves on."""
        if dependencies.is_down(exc):
            logger.warning("no bid: dependency down: %r", exc)
            return Response(status=204)
        return super().handle_exception(exc)

    @extend_schema(
        operation_id="dsp_bid",
        summary="Bid for an ad slot in a chat",
        description=(
            "Picks the most relevant eligible ad (context hints matched against the conversation, "
            "the latest user message weighing most; then the highest max bid; ties at random) and "
            "bids its ad group's max_bid_micros as CPM dollars rounded half to even. No bid (204) "
            "when nothing is eligible, the price is below DSP_BID_FLOOR_CPM, or ad_formats lacks "
            "sponsored_message. Unknown fields are ignored; null counts as absent. " + BUDGET_NOTE + " " + PACING_NOTE
        ),
        request=Bid,
        parameters=_END_USER_HEADERS,
        responses={
            200: BidResponseSerializer,
            204: OpenApiResponse(description="No bid (empty body); also at once when the cache or database is down."),
            400: OpenApiResponse(_DSP_ERROR, description="A header or body rule is broken; the message names it."),
            401: OpenApiResponse(_DSP_ERROR, description="Missing, unknown or disabled partner key."),
        },
        tags=["DSP"],
    )
    def post(self, request: Request) -> HttpResponse:
        _require_end_user_headers(request)
        try:
            bid_request = parse_bid_request(self.json_body())
        except BidRequestError as exc:
            raise DspError.INVALID_REQUEST(str(exc)) from exc
        partner, index = cast(SupplyPartner, request.user), cast(ServingIndex, request.auth)
        placed = services.bid_place(partner=partner, request=bid_request, index=index)
        if placed is None:
            return Response(status=204)
        return json_response(BidResponseSerializer.render(placed))


def _render_fields(body: Any) -> tuple[str, Decimal, bool]:
    if not isinstance(body, dict):
        raise DspError.INVALID_REQUEST("The body must be a JSON object.")
    bid_id, price, production = body.get("bidId"), body.get("realizedPrice"), body.get("production")
    if not isinstance(bid_id, str) or not bid_id:
        raise DspError.INVALID_REQUEST("bidId is required: a string.")
    if isinstance(price, bool) or not isinstance(price, (int, float)) or not math.isfinite(price) or price < 0:
        raise DspError.INVALID_REQUEST("realizedPrice is required: a number of at least 0.")
    if production is not None and not isinstance(production, bool):
        raise DspError.INVALID_REQUEST("production must be a boolean.")
    return bid_id, Decimal(str(price)), production is not False


class BidRenderApi(DspApiBase):
    @extend_schema(
        operation_id="dsp_render_ad",
        summary="Render the ad of a winning bid",
        description=(
            "No key: the bid id is the credential. Idempotent: the same bid always returns the same "
            "data and is charged once. With production true the first render records one impression "
            "and realizedPrice / 1000 dollars of spend; with production false nothing is recorded "
            "(and the click URL of a bid never rendered in production does not redirect). "
            "data carries exactly the keys below; logo_url only when the advertiser has one. " + BUDGET_NOTE
        ),
        request=Render,
        responses={
            200: RenderResponseSerializer,
            400: OpenApiResponse(_DSP_ERROR, description="Missing or mistyped field, or realizedPrice above the bid."),
            404: OpenApiResponse(_DSP_ERROR, description="Unknown or expired bid id."),
            500: OpenApiResponse(
                _DSP_ERROR,
                description="The impression could not be recorded (the database is down or too slow); "
                "nothing was charged. A bid stays renderable from the database when the cache is down.",
            ),
        },
        tags=["DSP"],
    )
    def post(self, request: Request) -> HttpResponse:
        bid_id, price, production = _render_fields(self.json_body())
        data = services.bid_render(bid_id=bid_id, realized_price=price, production=production)
        return json_response(RenderResponseSerializer.render(data))


class ClickRedirectApi(DspApiBase):
    @extend_schema(
        operation_id="dsp_click_redirect",
        summary="Follow an ad's click URL",
        description=(
            "Redirects to the ad's target_url, the only destination a token can lead to. The first "
            "request of a token counts one click; later ones still redirect but count nothing, so "
            "clicks never exceed rendered impressions. Tokens are valid CLICK_TOKEN_TTL_DAYS (30) "
            "days; query parameters such as view_url are ignored."
        ),
        responses={
            302: OpenApiResponse(description="Location: the ad's target_url."),
            404: OpenApiResponse(_DSP_ERROR, description="Unknown or expired token."),
        },
        tags=["DSP"],
    )
    def get(self, request: Request, token: str) -> HttpResponseRedirect:
        response = HttpResponseRedirect(services.click_record(token=token))
        response["Cache-Control"] = "no-store"
        return response


# --- insights ----------------------------------------------------------------------------------

_UNIX_SECONDS = {"type": "integer", "minimum": 0, "maximum": MAX_TIMESTAMP}
_INSIGHTS_PARAMETERS = [
    OpenApiParameter("time_granularity", OpenApiTypes.STR, enum=list(GRANULARITIES), description="Default daily."),
    OpenApiParameter(
        "since",
        _UNIX_SECONDS,
        description="Unix seconds; default until - 30 days. Before "
        "until (else invalid_time_range), at most 366 days before it (range_too_wide), "
        "25 hours with hourly (hourly_range_too_wide).",
    ),
    OpenApiParameter("until", _UNIX_SECONDS, description="Unix seconds; default now."),
    OpenApiParameter(
        "fields[]",
        {"type": "array", "items": {"type": "string", "anyOf": [{"enum": list(FIELDS)}, {"pattern": FIELDS_PATTERN}]}},
        style="form",
        explode=True,
        description="Repeatable, each one name or several comma-separated; default impressions, clicks, spend.",
    ),
]
_INSIGHTS_DESCRIPTION = (
    "A bare list with one row per period of the range (zeros included), oldest first; monthly "
    "periods are calendar months (UTC). With a deeper aggregation_level, one row per period and "
    "child that has counters in the range, children in creation order. Counters are hourly (UTC); "
    "an hour counts when it starts within [since rounded down to the hour, until). At most 366 "
    "days; hourly at most 25 hours. spend, cpm, cpc are dollars; ctr is a fraction (clicks are "
    "unique per impression, so at most 1). Metrics come in the order of the row schema. Errors "
    "(400): invalid_value, invalid_time_range (since not before until), range_too_wide, "
    "hourly_range_too_wide, unknown_field, aggregation_level_too_high. Another organization's "
    "id: 404 not_found."
)


def _aggregation_level(scope: str) -> OpenApiParameter:
    # Only the endpoint's own scope or deeper: a higher level is not in this endpoint's enum.
    return OpenApiParameter(
        "aggregation_level",
        OpenApiTypes.STR,
        enum=levels_from(scope),
        description=f"Default {scope}, this endpoint's scope; only deeper (a higher level is "
        "aggregation_level_too_high). Deeper: one row per period and child with counters in the "
        "range, carrying the child's campaign_id / ad_group_id / ad_id.",
    )


def _insights_schema(summary: str, scope: str = "ad_account") -> Callable:
    return extend_schema(
        summary=summary,
        description=_INSIGHTS_DESCRIPTION,
        parameters=[*_INSIGHTS_PARAMETERS, _aggregation_level(scope)],
        responses={200: InsightsRowSerializer(many=True), **v1_error_responses(400, 401, 403, 404, 429)},
        tags=["Insights"],
    )


class InsightsApiBase(V1Api):
    scope_kind: str | None = None

    def insights(self, public_id: UUID | None = None) -> Response:
        level = self.scope_kind or "ad_account"
        query = parse_query(self.request.query_params, now=timezone.now(), scope=level)
        scope = selectors.insights_scope(org=self.org, kind=self.scope_kind, public_id=public_id)
        rows = build_rows(selectors.stats_hourly(scope=scope, query=query), query)
        return Response([InsightsRowSerializer.render(row) for row in rows])


class AdAccountInsightsApi(InsightsApiBase):
    @_insights_schema("Insights of the ad account")
    def get(self, request: Request) -> Response:
        return self.insights()


class CampaignInsightsApi(InsightsApiBase):
    scope_kind = "campaign"

    @_insights_schema("Insights of a campaign", "campaign")
    def get(self, request: Request, campaign_id: UUID) -> Response:
        return self.insights(campaign_id)


class AdGroupInsightsApi(InsightsApiBase):
    scope_kind = "ad_group"

    @_insights_schema("Insights of an ad group", "ad_group")
    def get(self, request: Request, ad_group_id: UUID) -> Response:
        return self.insights(ad_group_id)


class AdInsightsApi(InsightsApiBase):
    scope_kind = "ad"

    @_insights_schema("Insights of an ad", "ad")
    def get(self, request: Request, ad_id: UUID) -> Response:
        return self.insights(ad_id)
