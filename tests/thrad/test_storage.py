"""thrad.storage writes: every object reads back byte for byte at exactly its name, with its
content type; on S3 an object of up to 64 MB is one PUT (not a multipart upload)."""

import io
import os

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from thrad import storage

SIZES = [1, 300 * 1024, 9 * 1024 * 1024]  # 9 MB: past boto3's 8 MB multipart threshold


@pytest.mark.parametrize("size", SIZES)
def test_a_saved_object_reads_back_exactly_at_its_name(size):
    data = os.urandom(size)
    name = f"files/test-storage/{size}_{os.urandom(4).hex()}.png"
    try:
        assert storage.save(name, ContentFile(data)) == name
        stream = storage.open_stream(name)
        try:
            assert stream.read() == data
        finally:
            stream.close()
    finally:
        storage.delete_quietly(name)


@pytest.mark.skipif(settings.STORAGE_BACKEND != "s3", reason="STORAGE_BACKEND is not s3 in this run")
def test_on_s3_an_object_is_one_private_put_with_its_content_type():
    client = default_storage.connection.meta.client  # type: ignore[attr-defined]
    bucket = settings.AWS_STORAGE_BUCKET_NAME
    name = f"files/test-storage/big_{os.urandom(4).hex()}.png"
    try:
        storage.save(name, io.BytesIO(os.urandom(9 * 1024 * 1024)))
        head = client.head_object(Bucket=bucket, Key=name)
        assert "-" not in head["ETag"].strip('"')  # a multipart upload's ETag ends in -<parts>
        assert head["ContentType"] == "image/png"
        grants = client.get_object_acl(Bucket=bucket, Key=name)["Grants"]
        assert all("AllUsers" not in str(grant.get("Grantee", {})) for grant in grants)
    finally:
        storage.delete_quietly(name)
