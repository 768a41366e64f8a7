"""What a file really is, judged from its bytes alone (never its name or Content-Type).

Shared by the advertiser upload (`/v1/upload`) and the Files API. Images are fully decoded
by Pillow restricted to the formats the caller accepts, after a pixel-count check on the
header so a decompression bomb is refused before any pixel is decoded.
"""

import warnings
from collections.abc import Iterable
from typing import IO, NamedTuple

from PIL import Image, UnidentifiedImageError

MAX_PIXELS = 50_000_000  # 50 megapixels


class SniffError(Exception):
    """`code` is `invalid_file` (empty, unreadable, undecodable) or `unsupported` (another type)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ImageInfo(NamedTuple):
    format: str  # Pillow's name: PNG, JPEG, GIF, WEBP
    mime: str
    ext: str  # canonical extension, no dot
    width: int
    height: int


IMAGE_TYPES: dict[str, tuple[str, str]] = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}

# First bytes of types we recognise, most specific first. Values are short kind names.
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


def image_info(fp: IO[bytes], *, formats: Iterable[str], max_pixels: int = MAX_PIXELS) -> ImageInfo:
    """Decode the whole image in `fp` as one of `formats` (Pillow names) or raise SniffError.

    The announced kind must be one of `formats` (else `unsupported`); the image must then
    decode completely as that kind and have at most `max_pixels` pixels (else `invalid_file`).
    """
    allowed = tuple(formats)
    fp.seek(0)
    head = fp.read(16)
    if not head:
        raise SniffError("invalid_file", "The file is empty.")
    kind = magic_kind(head)
    if kind is None:
        raise SniffError("invalid_file", "The file is not a readable image.")
    if kind not in allowed:
        raise SniffError("unsupported", f"{kind} files are not accepted here.")
    fp.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fp, formats=[kind]) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise SniffError("invalid_file", "The image has too many pixels.")
                if kind == "JPEG":  # decode every scan, at 1/8 scale: 1/64 of the memory
                    image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()
    except SniffError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise SniffError("invalid_file", "The image could not be decoded.") from exc
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise SniffError("invalid_file", "The image is truncated or corrupt.") from exc
    finally:
        fp.seek(0)
    mime, ext = IMAGE_TYPES[kind]
    return ImageInfo(format=kind, mime=mime, ext=ext, width=width, height=height)
