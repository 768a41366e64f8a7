"""bids_bid.id without the `varchar_pattern_ops` index PostgreSQL gets for every CharField key.

That index serves `LIKE 'prefix%'` lookups, which nothing makes on bid ids (the admin's search
is `icontains`, which it cannot serve), and every bid's INSERT paid for it. The primary key's
own index stays.
"""

from django.db import migrations


def _pattern_indexes(schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'bids_bid' AND indexdef LIKE %s",
            ["%(id varchar_pattern_ops)%"],
        )
        return [name for (name,) in cursor.fetchall()]


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in _pattern_indexes(schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or _pattern_indexes(schema_editor):
        return
    schema_editor.execute('CREATE INDEX "bids_bid_id_f692114e_like" ON "bids_bid" ("id" varchar_pattern_ops)')


class Migration(migrations.Migration):
    dependencies = [("bids", "0004_bid_references_unconstrained")]

    operations = [migrations.RunPython(drop, create, elidable=True)]
