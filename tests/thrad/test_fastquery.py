"""thrad.fastquery's statements answer as Django's cursor would: the same rows, the same errors,
inside or outside a transaction. On PostgreSQL in autocommit they run on psycopg's libpq
connection directly (the bid's INSERT, the render's charge), so these tests commit for real."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from bids.models import Bid
from thrad import fastquery

pytestmark = pytest.mark.usefixtures("transactional_db")

AT = datetime(2026, 6, 1, 12, 30, 15, 123456, tzinfo=UTC)


def _row(bid_id: str, **changes: object) -> dict[str, object]:
    return {
        "id": bid_id,
        "partner_id": 1,
        "ad_id": 2,
        "campaign_id": 3,
        "price_micros": 12_340_000,
        "request_type": "contextual",
        "request_id": "r-1 ünïcode ✓",
        "country_code": "US",
        "created_at": AT,
        "expires_at": AT + timedelta(minutes=30),
        "render_data": {"headline": "50% off", "nested": [1, None, True], "price": "4.00"},
        "render_limits": None,
        "token_digest": "",
        **changes,
    }


@pytest.mark.parametrize("wait_for_flush", [True, False])
def test_an_inserted_row_reads_back_through_the_orm_as_given(wait_for_flush):
    fastquery.insert(Bid, _row("bid_one"), wait_for_flush=wait_for_flush)
    fastquery.insert(Bid, _row("bid_two", render_data=None, render_limits={"cap": [5, 3600]}, request_id=""))
    one, two = Bid.objects.get(pk="bid_one"), Bid.objects.get(pk="bid_two")
    assert (one.price_micros, one.request_id, one.created_at, one.expires_at) == (
        12_340_000,
        "r-1 ünïcode ✓",
        AT,
        AT + timedelta(minutes=30),
    )
    assert one.render_data == {"headline": "50% off", "nested": [1, None, True], "price": "4.00"}
    assert one.render_limits is None and one.rendered_at is None and one.realized_price_micros is None
    assert (two.render_data, two.render_limits, two.request_id) == (None, {"cap": [5, 3600]}, "")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="elsewhere prepared() is Django's cursor")
def test_a_statements_rows_are_those_of_djangos_cursor():
    sql = "SELECT %s::bigint + 1, %s, %s, %s::numeric * 2, %s::text IS NULL, '100%%', %s"
    params = [41, "text ✓", AT, Decimal("1.25"), None, True]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        expected = cursor.fetchall()
    assert fastquery.prepared(sql, params) == fastquery.prepared(sql, params) == expected
    assert expected == [(42, "text ✓", AT, Decimal("2.50"), True, "100%", True)]


def test_a_duplicate_key_is_djangos_integrity_error_and_the_connection_goes_on():
    fastquery.insert(Bid, _row("bid_dup"))
    with pytest.raises(IntegrityError):
        fastquery.insert(Bid, _row("bid_dup", price_micros=1))
    assert Bid.objects.get(pk="bid_dup").price_micros == 12_340_000  # the first row, untouched
    fastquery.insert(Bid, _row("bid_after"))
    assert Bid.objects.count() == 2


def test_inside_a_transaction_the_statement_is_part_of_it():
    with pytest.raises(RuntimeError), transaction.atomic():
        fastquery.insert(Bid, _row("bid_rolled_back"))
        assert fastquery.prepared("SELECT count(*) FROM bids_bid", []) == [(1,)]
        raise RuntimeError("roll back")
    assert not Bid.objects.exists()
    fastquery.insert(Bid, _row("bid_kept"))
    assert list(Bid.objects.values_list("pk", flat=True)) == ["bid_kept"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_new_connection_prepares_its_statements_again():
    fastquery.insert(Bid, _row("bid_first"))
    connection.close()  # the server forgets its prepared statements with the session
    fastquery.insert(Bid, _row("bid_second"))
    assert Bid.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_connection_keeps_a_bounded_number_of_prepared_statements(monkeypatch):
    """Each combination of parameter types is its own statement (an int is int2, int4 or int8 by
    its size); past the bound, new combinations still answer, unnamed, and hold nothing more."""
    monkeypatch.setattr(fastquery, "_MAX_PREPARED", 2)
    connection.close()  # a new connection: no statements yet
    sql = "SELECT %s::bigint + %s::bigint"
    answers = [fastquery.prepared(sql, [a, b]) for a in (1, 70_000, 5_000_000_000) for b in (2, 80_000)]
    assert answers == [[(a + b,)] for a in (1, 70_000, 5_000_000_000) for b in (2, 80_000)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'thrad_fastquery_%%'")
        assert cursor.fetchone() == (2,)
