from django.contrib import admin

from files.models import StoredFile
from thrad.admin import ReadOnlyAdmin


@admin.register(StoredFile)
class StoredFileAdmin(ReadOnlyAdmin):
    """Read-only: Files API objects are written and deleted only through the API (quota kept)."""

    list_display = ["key", "organization", "filename", "mime_type", "size", "created_at"]
    list_filter = ["mime_type", "is_image"]
    search_fields = ["key", "filename", "organization__name"]
    list_select_related = ["organization"]
    date_hierarchy = "created_at"
