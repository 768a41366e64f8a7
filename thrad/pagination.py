"""Cursor pagination for `/v1` lists: the list envelope and keyset pages on (created_at, id).

A page is read with one query (`limit + 1` rows, so `has_more` needs no count) after one
indexed lookup of the cursor row. Keyset pagination is stable under inserts: a row created
while a client pages through a list never shifts or repeats the rows it has not seen yet.

- `after=<id>`: the rows that follow `<id>` in the requested order.
- `before=<id>`: the rows that precede `<id>` in the requested order (still returned in that
  order); `has_more` then says whether more rows precede the first one returned.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from thrad.errors import V1Error

DEFAULT_LIMIT = 20
MAX_LIMIT = 500
ORDERS = ("asc", "desc")


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    after: str | None = None
    before: str | None = None
    order: str = "desc"

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> "PageRequest":
        """Parse `limit`, `after`, `before` and `order`; 400 invalid_value naming the bad one.

        A parameter sent empty (`?after=`) is invalid, not absent: the schema's types admit no
        empty value, and a client that sends one has lost the value it meant to send.
        """
        after, before = _cursor(query, "after"), _cursor(query, "before")
        if after is not None and before is not None:
            raise V1Error.INVALID_VALUE("Send at most one of 'after' and 'before'.", param="before")
        order = query.get("order", "desc")
        if order not in ORDERS:
            raise V1Error.INVALID_VALUE("'order' must be 'asc' or 'desc'.", param="order")
        return cls(limit=_limit(query.get("limit")), after=after, before=before, order=order)


def _cursor(query: Mapping[str, str], name: str) -> str | None:
    value = query.get(name)
    if value == "":
        raise V1Error.INVALID_VALUE(f"'{name}' must be the id of an object in this list.", param=name)
    return value


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise V1Error.INVALID_VALUE(f"'limit' must be an integer from 1 to {MAX_LIMIT}.", param="limit")
    return int(raw)


@dataclass(frozen=True)
class Page:
    items: list[Any]
    has_more: bool


def _cursor_row(queryset: QuerySet, cursor_field: str, value: str, param: str) -> dict[str, Any]:
    try:
        row = queryset.filter(**{cursor_field: value}).values("created_at", "pk").first()
    except (DjangoValidationError, ValueError):
        row = None
    if row is None:
        raise V1Error.INVALID_VALUE(f"'{param}' must be the id of an object in this list.", param=param)
    return row


def keyset_page(queryset: QuerySet, request: PageRequest, *, cursor_field: str = "public_id") -> Page:
    """One page of `queryset` (already scoped and select_related) in (created_at, pk) order."""
    descending = request.order == "desc"
    backwards = request.before is not None
    if request.after or request.before:
        param = "before" if backwards else "after"
        row = _cursor_row(queryset, cursor_field, request.before or request.after or "", param)
        # Rows on the far side of the cursor in the direction we walk.
        forward_is_less = descending != backwards
        op = "lt" if forward_is_less else "gt"
        queryset = queryset.filter(
            Q(**{f"created_at__{op}": row["created_at"]}) | Q(created_at=row["created_at"], **{f"pk__{op}": row["pk"]})
        )
    walk_descending = descending != backwards
    ordering = ("-created_at", "-pk") if walk_descending else ("created_at", "pk")
    rows = list(queryset.order_by(*ordering)[: request.limit + 1])
    has_more = len(rows) > request.limit
    rows = rows[: request.limit]
    if backwards:
        rows.reverse()
    return Page(items=rows, has_more=has_more)


def list_body(page: Page, render: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """The `/v1` list object: `count` is the number of objects in `data` (this page)."""
    data = [render(item) for item in page.items]
    return {
        "object": "list",
        "data": data,
        "count": len(data),
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": page.has_more,
    }


LIST_PARAMETERS: Sequence[OpenApiParameter] = (
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        description=f"1 to {MAX_LIMIT}; default {DEFAULT_LIMIT}.",
    ),
    OpenApiParameter(
        "after",
        OpenApiTypes.UUID,
        description="A `last_id` of this list: the objects that follow it. Not with `before` (400 "
        "invalid_value, param `before`); an id that is not in this list is 400 invalid_value.",
    ),
    OpenApiParameter(
        "before",
        OpenApiTypes.UUID,
        description="A `first_id` of this list: the objects that precede it. Not with `after` (400 "
        "invalid_value, param `before`); an id that is not in this list is 400 invalid_value.",
    ),
    OpenApiParameter("order", OpenApiTypes.STR, enum=list(ORDERS), description="By creation time; default `desc`."),
)


def list_serializer(name: str, item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """A serializer class describing the list envelope of `item`, for the OpenAPI schema."""
    fields = {
        "object": serializers.ChoiceField(choices=["list"]),
        "data": item(many=True),
        "count": serializers.IntegerField(help_text="The number of objects in `data`."),
        "first_id": serializers.UUIDField(allow_null=True),
        "last_id": serializers.UUIDField(allow_null=True),
        "has_more": serializers.BooleanField(),
    }
    return type(name, (serializers.Serializer,), fields)
