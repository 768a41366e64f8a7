"""Files API objects: reference files an organization stores (`/api/v1/upload`, `/api/v1/files`)."""

from django.db import models
from django.utils import timezone

from thrad.models import ApiKey, Organization


class StoredFileQuerySet(models.QuerySet["StoredFile"]):
    def for_org(self, org: Organization) -> "StoredFileQuerySet":
        return self.filter(organization=org)


class StoredFile(models.Model):
    """A Files API object stored at `key` (`files/<org public_id>/<uuid>_<safe name>`)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="stored_files")
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    key = models.CharField(max_length=255, unique=True)
    filename = models.CharField(max_length=255, help_text="The name the client sent.")
    mime_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField()
    is_image = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    objects = StoredFileQuerySet.as_manager()

    class Meta:
        # The table was created when this model lived in `uploads`; it keeps its name and rows.
        db_table = "uploads_storedfile"
        ordering = ["-created_at", "-key"]
        indexes = [models.Index(fields=["organization", "-created_at", "-key"], name="storedfile_org_newest")]

    def __str__(self) -> str:
        return self.key

    @property
    def stored_name(self) -> str:
        """The safe name the key ends with (ASCII letters, digits and `._-`)."""
        return self.key.rsplit("/", 1)[-1].split("_", 1)[-1]
