from django.contrib import admin

from uploads.models import UploadedFile


@admin.register(UploadedFile)
class UploadedFileAdmin(admin.ModelAdmin):
    """Read-only: uploads are written only by POST /v1/upload (bytes and row together)."""

    list_display = ["file_id", "organization", "format", "size", "width", "height", "source", "created_at"]
    list_filter = ["format", "source"]
    search_fields = ["file_id", "sha256", "organization__name", "source_url"]
    list_select_related = ["organization"]
    readonly_fields = [f.name for f in UploadedFile._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
