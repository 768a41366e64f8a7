from django.contrib import admin

from thrad.admin import ReadOnlyAdmin
from uploads.models import StoredFile, UploadedFile


@admin.register(UploadedFile)
class UploadedFileAdmin(ReadOnlyAdmin):
    """Read-only: uploads are written only by POST /v1/upload (bytes and row together)."""

    list_display = ["file_id", "organization", "format", "size", "width", "height", "source", "created_at"]
    list_filter = ["format", "source"]
    search_fields = ["file_id", "sha256", "organization__name", "source_url"]
    list_select_related = ["organization"]
    date_hierarchy = "created_at"


@admin.register(StoredFile)
class StoredFileAdmin(ReadOnlyAdmin):
    """Read-only: Files API objects are written and deleted only through the API (quota kept)."""

    list_display = ["key", "organization", "filename", "mime_type", "size", "created_at"]
    list_filter = ["mime_type", "is_image"]
    search_fields = ["key", "filename", "organization__name"]
    list_select_related = ["organization"]
    date_hierarchy = "created_at"
