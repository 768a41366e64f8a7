"""The embedded default keeps its cache (and the DSP's bid cache) in a database table.

`migrate` alone creates it, as `createcachetable` would; with REDIS_URL set no cache uses the
database and this does nothing.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ("thrad", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_cache_tables, migrations.RunPython.noop, elidable=False),
    ]
