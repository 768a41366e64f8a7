# StoredFile moved to the `files` app (files.0001_initial), which keeps its table: only Django's
# state forgets the model here; nothing in the database changes.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('files', '0001_initial'),
        ('uploads', '0002_storedfile'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='StoredFile')],
            database_operations=[],
        ),
    ]
