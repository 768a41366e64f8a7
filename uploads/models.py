"""Stored files: advertiser creative uploads (`/v1/upload`) and Files API objects."""

import uuid

from django.db import models
from django.utils import timezone

from thrad.models import ApiKey, Organization


class UploadedFileQuerySet(models.QuerySet["UploadedFile"]):
    def for_org(self, org: Organization) -> "UploadedFileQuerySet":
        return self.filter(organization=org)


class UploadedFile(models.Model):
    """An advertiser image stored at `file_id` (`uploads/YYYY/MM/<hex>.<ext>`)."""

    class Format(models.TextChoices):
        PNG = "png"
        JPEG = "jpeg"
        WEBP = "webp"

    class Source(models.TextChoices):
        UPLOAD = "upload"
        URL = "url"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="uploads")
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    file_id = models.CharField(max_length=100, unique=True)
    format = models.CharField(max_length=8, choices=Format.choices)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    source = models.CharField(max_length=8, choices=Source.choices)
    source_url = models.URLField(max_length=2048, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = UploadedFileQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return self.file_id


class StoredFileQuerySet(models.QuerySet["StoredFile"]):
    def for_org(self, org: Organization) -> "StoredFileQuerySet":
        return self.filter(organization=org)


class StoredFile(models.Model):
    """A Files API object stored at `key` (`files/<org public_id>/<uuid>_<safe name>`)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="stored_files")  # fmt: skip
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")  # fmt: skip
    key = models.CharField(max_length=255, unique=True)
    filename = models.CharField(max_length=255, help_text="The name the client sent.")
    mime_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField()
    is_image = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    objects = StoredFileQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-key"]
        indexes = [models.Index(fields=["organization", "-created_at", "-key"], name="storedfile_org_newest")]

    def __str__(self) -> str:
        return self.key

    @property
    def stored_name(self) -> str:
        """The safe name the key ends with (ASCII letters, digits and `._-`)."""
        return self.key.rsplit("/", 1)[-1].split("_", 1)[-1]
