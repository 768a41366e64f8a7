"""StoredFile moved from `uploads` to `files` with its table: a database holding today's rows keeps
them, and admin log entries about them still resolve."""

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from files.models import StoredFile
from tests.files.samples import FILES

BEFORE_THE_MOVE = [("uploads", "0002_storedfile"), ("files", None)]


def _migrate(targets: list[tuple[str, str | None]] | None = None):
    executor = MigrationExecutor(connection)
    state = executor.migrate(targets or executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()
    return state


def _row_as_it_was_written_before_the_move(owner) -> tuple[int, int]:
    """A row written by the old `uploads.StoredFile`, and an admin log entry about it."""
    state = _migrate(BEFORE_THE_MOVE)
    old_model = state.apps.get_model("uploads", "StoredFile")
    row = old_model.objects.create(
        organization_id=owner.org.pk,
        api_key_id=owner.key.pk,
        key=f"files/{owner.org.public_id}/0123_anchor.jpg",
        filename="anchor.jpg",
        mime_type="image/jpeg",
        size=1234,
        is_image=True,
        created_at=timezone.now(),
    )
    # Today's database has the content type under `uploads` (undoing the move renamed it back),
    # and no `files` one.
    ContentType.objects.filter(app_label="files", model="storedfile").delete()
    old_type, _ = ContentType.objects.get_or_create(app_label="uploads", model="storedfile")
    LogEntry.objects.create(
        user=owner.user,
        content_type=old_type,
        object_id=str(row.pk),
        object_repr=row.key,
        action_flag=ADDITION,
    )
    return row.pk, old_type.pk


@pytest.mark.django_db(transaction=True)
def test_a_database_holding_todays_stored_files_keeps_them_after_the_move(owner):
    try:
        pk, old_type_pk = _row_as_it_was_written_before_the_move(owner)
    finally:
        _migrate()
    stored = StoredFile.objects.get(pk=pk)
    assert (stored.organization, stored.api_key, stored.filename, stored.size) == (
        owner.org,
        owner.key,
        "anchor.jpg",
        1234,
    )
    assert StoredFile._meta.db_table == "uploads_storedfile"
    # The content type was renamed, not replaced: log entries and permissions follow the model.
    assert ContentType.objects.get_for_model(StoredFile).pk == old_type_pk
    assert not ContentType.objects.filter(app_label="uploads", model="storedfile").exists()
    assert LogEntry.objects.get().get_edited_object() == stored
    # And the Files API serves the row.
    listed = owner.client().get(FILES).json()["files"]
    assert [item["key"] for item in listed] == [stored.key]


@pytest.mark.django_db(transaction=True)
def test_the_move_can_be_undone(owner):
    try:
        state = _migrate(BEFORE_THE_MOVE)
        assert state.apps.get_model("uploads", "StoredFile")._meta.db_table == "uploads_storedfile"
        assert ContentType.objects.filter(app_label="uploads", model="storedfile").exists()
    finally:
        _migrate()
    assert ContentType.objects.get_for_model(StoredFile).app_label == "files"
