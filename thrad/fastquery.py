"""Hot-path statements built once: the ORM's own SQL, converters and model instances, without
the ORM's per-call compile.

Building the SQL of a queryset costs more CPU than the database spends answering it: about
0.7 ms for the API key lookup (a two-table `select_related`), against 0.1 ms for the round trip.
`CompiledFirst` compiles the queryset once per process, with a placeholder for its one
parameter, and afterwards only executes that SQL (through Django's cursor: the usual wrappers,
query capture and error translation apply) and turns the row into instances the way
`QuerySet.first()` does (`Model.from_db`, select_related populators, field converters).
"""

import re
import time
import weakref
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar, cast

import psycopg
from django.conf import settings
from django.db import connections
from django.db.models import Field, Model, QuerySet
from django.db.models import fields as model_fields
from django.db.models.query import get_related_populators
from psycopg import pq
from psycopg.adapt import PyFormat, Transformer

M = TypeVar("M", bound=Model)

_PLACEHOLDER = "\x00thrad-fastquery-parameter\x00"


class CompiledFirst(Generic[M]):
    """`build(value).first()`, with `build` compiled once. `build` must use `value` as one query
    parameter exactly once (e.g. `.filter(prefix=value)`) and return a queryset of model rows."""

    def __init__(self, build: Callable[[Any], QuerySet[M]], *, using: str = "default") -> None:
        self._build, self._using = build, using
        self._compiled: tuple | None = None

    def _compile(self) -> tuple:
        queryset = self._build(_PLACEHOLDER)
        if not queryset.ordered:
            queryset = queryset.order_by("pk")  # as first() orders
        compiler = queryset[:1].query.get_compiler(using=self._using)
        sql, params = compiler.as_sql()
        positions = [i for i, p in enumerate(params) if p == _PLACEHOLDER]
        if len(positions) != 1:
            raise ValueError("the queryset must use its parameter exactly once")
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])
        populators = get_related_populators(klass_info, select, self._using)  # type: ignore[call-arg]  # stubs: Django 6
        return (
            sql,
            list(params),
            positions[0],
            converters,
            klass_info["model"],
            start,
            end,
            init_list,
            populators,
        )

    def __call__(self, value: Any) -> M | None:
        if self._compiled is None:
            self._compiled = self._compile()
        sql, params, position, converters, model, start, end, init_list, populators = self._compiled
        params = params.copy()
        params[position] = value
        connection = connections[self._using]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if converters:
            row = list(row)
            for i, (functions, expression) in converters.items():
                for convert in functions:
                    row[i] = convert(row[i], expression, connection)
        obj = model.from_db(self._using, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        return obj


_INSERTS: dict[tuple[Any, ...], tuple[str, list[Field], list[frozenset[type]]]] = {}

# Fields whose `get_db_prep_save` hands values of these exact types to the driver unchanged
# (subclasses may convert, so only these classes). A ForeignKey is its target's field.
_PLAIN_TYPES: dict[type[Field], frozenset[type]] = {
    model_fields.CharField: frozenset({str, type(None)}),
    model_fields.TextField: frozenset({str, type(None)}),
    model_fields.BooleanField: frozenset({bool, type(None)}),
    **{
        cls: frozenset({int, type(None)})
        for cls in (
            model_fields.AutoField,
            model_fields.BigAutoField,
            model_fields.IntegerField,
            model_fields.BigIntegerField,
            model_fields.SmallIntegerField,
            model_fields.PositiveIntegerField,
            model_fields.PositiveBigIntegerField,
        )
    },
}


def _plain_types(field: Field, vendor: str) -> frozenset[type]:
    """The value types `field` passes to the driver as they are, on this database."""
    target = field.target_field if field.is_relation and field.many_to_one else field  # type: ignore[attr-defined]
    if type(target) is model_fields.DateTimeField and vendor == "postgresql" and settings.USE_TZ:
        return frozenset({datetime, type(None)})  # aware ones only (insert() checks; naive ones warn)
    return _PLAIN_TYPES.get(type(target), frozenset())


def insert(model: type[Model], values: dict[str, Any], *, wait_for_flush: bool = True, using: str = "default") -> None:
    """INSERT one row as `save(force_insert=True)` would (`values` by attname; every other column
    its field's default), its SQL built once per model and set of columns: without the model
    instance, the signals and the compile (about 0.3 ms of CPU each time). On PostgreSQL it runs
    as a prepared statement (`prepared()` below: bound and planned on the server).

    `wait_for_flush=False` (PostgreSQL, autocommit only): the commit does not wait for the WAL to
    reach the disk. The statement itself says so (`RETURNING set_config('synchronous_commit',
    'off', true)`, local to its own implicit transaction, so it holds for that commit and
    nothing after). For rows that are not money: a database crash may lose the last fraction of
    a second of them, never anything else. Inside a transaction the flag is ignored (it would
    cover the whole transaction).
    """
    connection = connections[using]
    key = (model, tuple(values), connection.vendor)
    built = _INSERTS.get(key)
    if built is None:
        q = connection.ops.quote_name
        given = [cast(Field, model._meta.get_field(name)) for name in values]
        defaults = [f for f in model._meta.concrete_fields if f.attname not in values and not f.primary_key]
        fields = given + defaults
        columns = ", ".join(q(f.column or f.attname) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        built = _INSERTS[key] = (
            f"INSERT INTO {q(model._meta.db_table)} ({columns}) VALUES ({marks})",  # noqa: S608
            fields,
            [_plain_types(f, connection.vendor) for f in fields],
        )
    sql, fields, plain = built
    row = [*values.values(), *(f.get_default() for f in fields[len(values) :])]
    # Django's conversions (about 4 µs a field) only where they would change the value.
    params = [
        v
        if type(v) in types and (type(v) is not datetime or v.tzinfo is not None)
        else f.get_db_prep_save(v, connection)
        for f, types, v in zip(fields, plain, row, strict=True)
    ]
    if not wait_for_flush and connection.vendor == "postgresql" and not connection.in_atomic_block:
        sql += _NO_FLUSH_WAIT
    prepared(sql, params, using=using, rows=False)  # other databases: through Django's cursor


_NO_FLUSH_WAIT = " RETURNING set_config('synchronous_commit', 'off', true)"


def prepared(sql: str, params: Sequence[Any], *, using: str = "default", rows: bool = True) -> list[tuple[Any, ...]]:
    """Run `sql` and return its rows (none read with `rows=False`); on PostgreSQL as a
    server-side prepared statement.

    Django binds parameters on the client and sends the statement text every time, so the
    server plans it every time: for the render's four-CTE statement that is about 0.15 ms of the
    database's CPU plus 0.2 ms of ours to merge 18 parameters into the text. Prepared, the
    parameters are bound on the server and PostgreSQL plans once per connection. The statement
    runs on the request's own connection (inside its transaction, if any), with Django's error
    translation, execute wrappers and query log; other databases run it through Django's cursor.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if rows else []
    connection.close_if_health_check_failed()  # as connection.cursor() does (CONN_HEALTH_CHECKS)
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    started = time.monotonic()
    conn = connection.connection
    with connection.wrap_database_errors:
        if conn.autocommit:

            def run(sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
                return _pq_prepared(conn, sql, params, rows)

            cursor = connection.make_cursor(None)  # type: ignore[arg-type]  # the wrappers' context only
        else:  # psycopg opens the transaction (BEGIN, with its isolation level) before the statement
            raw = psycopg.Cursor(conn)

            def run(sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
                raw.execute(sql, params, prepare=True)
                return raw.fetchall() if rows else []

            cursor = connection.make_cursor(raw)  # type: ignore[arg-type]
        # The connection's execute wrappers (the query deadline, thrad/dbguard.py) apply as usual.
        result = cursor._execute_with_wrappers(sql, params, many=False, executor=run)  # type: ignore[arg-type]
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
    return result


# Per psycopg connection: (SQL, parameter types) -> the name of its prepared statement there. As
# psycopg does, the types are part of the key (an int is sent as int2, int4 or int8 by its size);
# past _MAX_PREPARED statements on a connection, a new combination runs unnamed (planned each
# time) rather than hold more on the server.
_STATEMENTS: "weakref.WeakKeyDictionary[Any, dict[tuple[str, Any], bytes]]" = weakref.WeakKeyDictionary()
_MAX_PREPARED = 100  # psycopg's prepared_max
_MARK = re.compile(r"%(.)", re.DOTALL)


def _numbered(sql: str) -> bytes:
    """Django's placeholders as PostgreSQL's: each `%s` is `$1`, `$2`, ...; `%%` is `%`."""
    marks = iter(range(1, sql.count("%s") + 1))
    return _MARK.sub(lambda m: f"${next(marks)}" if m[1] == "s" else m[1] if m[1] == "%" else m[0], sql).encode()


def _pq_prepared(conn: Any, sql: str, params: Sequence[Any], rows: bool) -> list[tuple[Any, ...]]:
    """What `psycopg.Cursor.execute(sql, params, prepare=True)` and `fetchall()` do for a statement
    on a connection in autocommit, on the connection's libpq object: the parameters dumped by
    the connection's adapters (Django's included) and their types fixed at PREPARE, as psycopg
    does, then one blocking PQexecPrepared (it releases the GIL) and the rows loaded by the same
    adapters. Without the cursor's query parsing, prepared-statement bookkeeping and
    generator-driven waits: 50-70 µs of CPU per statement. Errors are psycopg's own."""
    transformer = Transformer(conn)
    values = transformer.dump_sequence(params, [PyFormat.AUTO] * len(params))
    key, formats = (sql, transformer.types), transformer.formats
    names = _STATEMENTS.get(conn)
    if names is None:
        names = _STATEMENTS.setdefault(conn, {})
    pgconn = conn.pgconn
    with conn.lock:
        name = names.get(key)
        if name is None and len(names) < _MAX_PREPARED:
            name = f"thrad_fastquery_{len(names)}".encode()
            _checked(pgconn, pgconn.prepare(name, _numbered(sql), param_types=key[1]))
            names[key] = name
        if name is None:
            result = pgconn.exec_params(_numbered(sql), values, key[1], formats)
        else:
            result = pgconn.exec_prepared(name, values, param_formats=formats)
    _checked(pgconn, result)
    if not rows:
        return []
    transformer.set_pgresult(result)
    return transformer.load_rows(0, result.ntuples, tuple)


def _checked(pgconn: Any, result: Any) -> None:
    if result.status in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
        return
    if pgconn.status == pq.ConnStatus.BAD:  # as psycopg reports a lost connection
        raise psycopg.OperationalError(result.get_error_message("utf-8") or "the connection is lost")
    raise psycopg.errors.error_from_result(result, encoding="utf-8")
