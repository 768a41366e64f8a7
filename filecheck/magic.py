"""The kind a file's first bytes announce (never its name or Content-Type)."""

HEAD_BYTES = 16

# First bytes of the kinds we recognise, most specific first. Values are short kind names.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "ZIP"),
    (b"MZ", "EXE"),
    (b"\x7fELF", "ELF"),
    (b"\x1f\x8b", "GZIP"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)


def magic_kind(head: bytes) -> str | None:
    """The kind the first bytes announce (PNG, JPEG, GIF, WEBP, PDF, ZIP, ...), or None."""
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    for signature, kind in _MAGIC:
        if head.startswith(signature):
            return kind
    return None
