"""Advertiser creative uploads (`/v1/upload`)."""

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
