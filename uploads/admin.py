from django.contrib import admin

from thrad.admin import ReadOnlyAdmin
from uploads.models import UploadedFile


@admin.register(UploadedFile)
class UploadedFileAdmin(ReadOnlyAdmin):
    """Read-only: uploads are written only by POST /v1/upload (bytes and row together)."""

    list_display = ["file_id", "organization", "format", "size", "width", "height", "source", "created_at"]
    list_filter = ["format", "source"]
    search_fields = ["file_id", "sha256", "organization__name", "source_url"]
    list_select_related = ["organization"]
    date_hierarchy = "created_at"
