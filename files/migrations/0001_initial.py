# StoredFile moved here from `uploads` (uploads.0002_storedfile created its table). The table,
# its rows and its index keep their names (Meta.db_table): this migration only changes Django's
# state, and renames the model's content type so admin log entries and permissions follow it.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def _move_content_type(source, target):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        types = ContentType.objects.using(schema_editor.connection.alias)
        if not types.filter(app_label=target, model="storedfile").exists():
            types.filter(app_label=source, model="storedfile").update(app_label=target)

    return move


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('thrad', '0001_initial'),
        ('uploads', '0002_storedfile'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='StoredFile',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=255, unique=True)),
                        ('filename', models.CharField(help_text='The name the client sent.', max_length=255)),
                        ('mime_type', models.CharField(max_length=40)),
                        ('size', models.PositiveBigIntegerField()),
                        ('is_image', models.BooleanField()),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('api_key', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='thrad.apikey')),
                        ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stored_files', to='thrad.organization')),
                    ],
                    options={
                        'db_table': 'uploads_storedfile',
                        'ordering': ['-created_at', '-key'],
                        'indexes': [models.Index(fields=['organization', '-created_at', '-key'], name='storedfile_org_newest')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_move_content_type("uploads", "files"), _move_content_type("files", "uploads")),
    ]
