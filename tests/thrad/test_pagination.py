"""thrad.pagination: query parsing and keyset pages, independent of any one resource."""

from datetime import UTC, datetime

import pytest

from creatives.models import Campaign
from thrad.errors import V1Error
from thrad.pagination import PageRequest, keyset_page, list_body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, PageRequest(limit=20, order="desc")),
        ({"limit": "1"}, PageRequest(limit=1)),
        ({"limit": "500", "order": "asc"}, PageRequest(limit=500, order="asc")),
        ({"after": "abc"}, PageRequest(after="abc")),
        ({"before": "abc"}, PageRequest(before="abc")),
    ],
)
def test_valid_queries_parse(query, expected):
    assert PageRequest.from_query(query) == expected


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "٣"}, "limit"),
        ({"limit": " 5"}, "limit"),
        ({"order": "ASC"}, "order"),
        ({"after": "a", "before": "b"}, "before"),
        # sent empty is not absent: the schema's types (integer, uuid) admit no empty value
        ({"limit": ""}, "limit"),
        ({"after": ""}, "after"),
        ({"before": "abc", "after": ""}, "after"),
        ({"order": ""}, "order"),
    ],
)
def test_invalid_queries_name_the_parameter(query, param):
    with pytest.raises(V1Error.INVALID_VALUE.exc) as caught:
        PageRequest.from_query(query)
    assert caught.value.param == param
    assert caught.value.code == "invalid_value"


def test_keyset_pages_break_created_at_ties_by_primary_key(owner):
    at = datetime(2026, 1, 1, tzinfo=UTC)
    made = [
        Campaign.objects.create(
            organization=owner.org, name=f"C{i}", start_time=at, lifetime_spend_limit_micros=990_000, created_at=at
        )
        for i in range(5)
    ]
    queryset = Campaign.objects.for_org(owner.org)
    first = keyset_page(queryset, PageRequest(limit=2, order="asc"))
    second = keyset_page(queryset, PageRequest(limit=2, order="asc", after=str(first.items[-1].public_id)))
    third = keyset_page(queryset, PageRequest(limit=2, order="asc", after=str(second.items[-1].public_id)))
    assert [c.pk for c in first.items + second.items + third.items] == [c.pk for c in made]
    assert (first.has_more, second.has_more, third.has_more) == (True, True, False)


def test_the_list_body_counts_the_page():
    class Item:
        def __init__(self, n):
            self.n = n

    from thrad.pagination import Page

    body = list_body(Page(items=[Item(1), Item(2)], has_more=True), lambda item: {"id": str(item.n)})
    assert body == {
        "object": "list",
        "data": [{"id": "1"}, {"id": "2"}],
        "count": 2,
        "first_id": "1",
        "last_id": "2",
        "has_more": True,
    }
