"""Sample files for the Files API tests, made on the spot (real encoders, no fixtures on disk)."""

import io
import struct
import zlib

from PIL import Image

from files.models import StoredFile
from thrad.models import Organization

UPLOAD = "/api/v1/upload"
FILES = "/api/v1/files"


def image_bytes(fmt: str, size: tuple[int, int] = (8, 6), color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def png_bomb_header(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid PNG signature and IHDR announcing 900 megapixels, with a tiny IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 64
    + b"This program cannot be run in DOS mode."
)
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def org_used(org: Organization) -> int:
    return Organization.objects.values_list("storage_used_bytes", flat=True).get(pk=org.pk)


def stored_sizes(org: Organization) -> int:
    return sum(StoredFile.objects.filter(organization=org).values_list("size", flat=True))


def stored_objects(org: Organization) -> list[str]:
    """The objects in the organization's storage folder (either backend)."""
    from django.core.files.storage import default_storage

    try:
        _, files = default_storage.listdir(f"files/{org.public_id}")
    except FileNotFoundError:
        return []
    return files
