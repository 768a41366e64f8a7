"""The S3 bucket a test session or benchmark writes to."""

from django.conf import settings


def ensure_bucket() -> None:
    """Create the configured bucket on the real S3 server when S3 storage is configured."""
    if settings.STORAGE_BACKEND != "s3":
        return
    from django.core.files.storage import default_storage

    client = default_storage.connection.meta.client  # type: ignore[attr-defined]
    try:
        client.head_bucket(Bucket=settings.AWS_STORAGE_BUCKET_NAME)
    except Exception:  # noqa: BLE001 - missing bucket: create it
        client.create_bucket(Bucket=settings.AWS_STORAGE_BUCKET_NAME)
