"""The one image policy, for every upload path: what an image may cost to decode, and decoding it.

Decoding holds pixels in memory (and, for some JPEGs, every DCT coefficient), so a small file
that declares a huge canvas is a memory bomb. Each image is charged, from its header and before
any pixel is decoded, the bytes its decoder will hold (`decode_cost`), and refused as
TOO_MANY_PIXELS when that is over `DECODE_BUDGET`, when it has more than `MAX_PIXELS` pixels, or
when an animation declares more than `ANIMATION_PIXELS` over all its frames. The canvas size is
read from the first bytes (PNG, GIF, WebP) or the JPEG frame header before Pillow is asked
anything, then checked again on what Pillow reports. Only the first frame is decoded.
"""

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, NamedTuple

from PIL import Image, UnidentifiedImageError

from filecheck.magic import magic_kind
from filecheck.text import looks_like_text
from filecheck.verdict import Reason, Refused

MAX_PIXELS = 50_000_000  # any format, whatever it costs
DECODE_BUDGET = 100_000_000  # bytes of pixels and coefficients one judgement may hold
ANIMATION_PIXELS = 500_000_000  # frames x canvas: ten full-size stills

# Bytes the decoder holds per canvas pixel, measured (ru_maxrss) with Pillow 13: PNG at most 4
# (RGBA; every mode fits in 4), GIF 1 (the first frame is decoded palette-indexed), WebP about
# 17 (libwebp's animation decoder keeps two RGBA canvases, Pillow copies the frame out twice).
# JPEG is priced by `_jpeg_cost`.
BYTES_PER_PIXEL = {"PNG": 4, "GIF": 1, "WEBP": 17}
FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
HEAD_BYTES = 512

IMAGE_TYPES: dict[str, tuple[str, str]] = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}

TOO_MANY_PIXELS = "The image has too many pixels."


class ImageInfo(NamedTuple):
    format: str  # Pillow's name: PNG, JPEG, GIF, WEBP
    mime: str
    ext: str  # canonical extension, no dot
    width: int
    height: int


@dataclass(frozen=True)
class JpegFrame:
    """What a JPEG's frame header (SOF) and first scan header (SOS) declare."""

    width: int
    height: int
    sampling: tuple[tuple[int, int], ...]  # (horizontal, vertical) factor of each component
    multi_scan: bool  # progressive, or the first scan lacks a component: libjpeg buffers it all


# Typical layouts, for the caps the docs quote.
_JPEG_BASELINE = JpegFrame(0, 0, ((2, 2), (1, 1), (1, 1)), multi_scan=False)
_JPEG_420 = JpegFrame(0, 0, ((2, 2), (1, 1), (1, 1)), multi_scan=True)
_JPEG_444 = JpegFrame(0, 0, ((1, 1), (1, 1), (1, 1)), multi_scan=True)
_JPEG_GRAY = JpegFrame(0, 0, ((1, 1),), multi_scan=True)


# --- the cost model ---------------------------------------------------------------------------


def decode_cost(kind: str, width: int, height: int, jpeg: JpegFrame | None = None) -> int:
    """The bytes decoding the first frame of this image holds at its peak (the model's estimate)."""
    if kind == "JPEG":
        return _jpeg_cost(width, height, jpeg)
    return width * height * BYTES_PER_PIXEL[kind]


def _jpeg_cost(width: int, height: int, jpeg: JpegFrame | None) -> int:
    """Decoded at 1/8 scale: 4 bytes for each of 1/64 of the pixels. A progressive or multi-scan
    JPEG also keeps every DCT coefficient of the full image: 64 x 2 bytes per 8x8 block of each
    component. Without a readable frame header it is priced as a multi-scan 4:4:4 colour image."""
    output = math.ceil(width / 8) * math.ceil(height / 8) * 4
    if jpeg is not None and not jpeg.multi_scan:
        return output
    sampling = jpeg.sampling if jpeg and jpeg.sampling else ((1, 1), (1, 1), (1, 1))
    h_max = max(max(h for h, _ in sampling), 1)
    v_max = max(max(v for _, v in sampling), 1)
    blocks = 0
    for h, v in sampling:
        h, v = max(h, 1), max(v, 1)
        across = _round_up(math.ceil(width * h / (8 * h_max)), h)
        down = _round_up(math.ceil(height * v / (8 * v_max)), v)
        blocks += across * down
    return output + blocks * 128


def _round_up(n: int, multiple: int) -> int:
    return -(-n // multiple) * multiple


def pixel_cap(kind: str, jpeg: JpegFrame | None = None) -> int:
    """The most pixels an image of `kind` may have (a baseline JPEG unless `jpeg` says otherwise)."""
    if kind == "JPEG" and jpeg is None:
        jpeg = _JPEG_BASELINE
    per_pixel = decode_cost(kind, 1000, 1000, jpeg) / 1_000_000
    return min(MAX_PIXELS, int(DECODE_BUDGET / per_pixel))


def policy_check(kind: str, width: int, height: int, *, frames: int = 1, jpeg: JpegFrame | None = None) -> None:
    """Refused(TOO_MANY_PIXELS) for an image the policy does not decode; no pixel is touched."""
    pixels = width * height
    if pixels > MAX_PIXELS or decode_cost(kind, width, height, jpeg) > DECODE_BUDGET:
        raise Refused(Reason.TOO_MANY_PIXELS, TOO_MANY_PIXELS)
    if frames > 1 and pixels * frames > ANIMATION_PIXELS:
        raise Refused(Reason.TOO_MANY_PIXELS, "The animation has too many frames for its size.")


# --- headers, read without a decoder ------------------------------------------------------------


def declared_size(kind: str, head: bytes) -> tuple[int, int] | None:
    """The canvas a PNG, GIF or WebP declares in its first 30 bytes, or None when unreadable."""
    if kind == "PNG" and len(head) >= 24 and head[12:16] == b"IHDR":
        return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    if kind == "GIF" and len(head) >= 10:
        return int.from_bytes(head[6:8], "little"), int.from_bytes(head[8:10], "little")
    if kind == "WEBP" and len(head) >= 30:
        return _webp_size(head)
    return None


def _webp_size(head: bytes) -> tuple[int, int] | None:
    chunk = head[12:16]
    if chunk == b"VP8X":  # extended: the canvas, 24-bit width-1 and height-1
        return 1 + int.from_bytes(head[24:27], "little"), 1 + int.from_bytes(head[27:30], "little")
    if chunk == b"VP8L" and head[20] == 0x2F:  # lossless: 14-bit width-1 and height-1
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":  # lossy key frame
        return int.from_bytes(head[26:28], "little") & 0x3FFF, int.from_bytes(head[28:30], "little") & 0x3FFF
    return None


_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # frame headers (DHT, JPG, DAC are not)
_PROGRESSIVE = frozenset({0xC2, 0xC6, 0xCA, 0xCE})
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD9)})  # TEM, RSTn, SOI: no length
_MAX_SEGMENTS = 1000


def jpeg_frame(fp: IO[bytes]) -> JpegFrame | None:
    """The frame header and whether libjpeg will buffer the whole image, from the markers before
    the first scan; None when they cannot be read (then Pillow decides, priced conservatively)."""
    fp.seek(2)
    frame: tuple[int, int, tuple[tuple[int, int], ...], bool] | None = None
    try:
        for _ in range(_MAX_SEGMENTS):
            marker = _next_marker(fp)
            if marker is None or marker == 0xD9:
                return None
            if marker in _STANDALONE:
                continue
            length = int.from_bytes(fp.read(2), "big")
            body = fp.read(max(length - 2, 0))
            if marker in _SOF and len(body) >= 6:
                frame = _sof(body, progressive=marker in _PROGRESSIVE)
            elif marker == 0xDA and frame is not None and body:
                width, height, sampling, progressive = frame
                return JpegFrame(width, height, sampling, multi_scan=progressive or body[0] < len(sampling))
    finally:
        fp.seek(0)
    return None


def _next_marker(fp: IO[bytes]) -> int | None:
    """The next marker code, skipping junk and fill bytes as libjpeg does; None at the end."""
    byte = fp.read(1)
    while byte:
        if byte == b"\xff":
            while byte == b"\xff":
                byte = fp.read(1)
            if byte and byte != b"\x00":
                return byte[0]
        byte = fp.read(1)
    return None


def _sof(body: bytes, *, progressive: bool) -> tuple[int, int, tuple[tuple[int, int], ...], bool]:
    height, width, count = int.from_bytes(body[1:3], "big"), int.from_bytes(body[3:5], "big"), body[5]
    sampling = tuple((body[7 + 3 * i] >> 4, body[7 + 3 * i] & 0x0F) for i in range(count) if 8 + 3 * i < len(body))
    return width, height, sampling, progressive


# --- the judgement ----------------------------------------------------------------------------


def image_judge(fp: IO[bytes], *, formats: Iterable[str]) -> ImageInfo:
    """Decode the first frame of the image in `fp` as one of `formats` (Pillow names) under the
    image policy, or raise Refused: EMPTY, TEXT or UNRECOGNISED (no image signature), OTHER_KIND
    (an image kind not in `formats`), TOO_MANY_PIXELS (before decoding), CORRUPT."""
    fp.seek(0)
    head = fp.read(HEAD_BYTES)
    fp.seek(0)
    kind = _accepted_kind(head, tuple(formats))
    if size := declared_size(kind, head):
        policy_check(kind, *size)
    jpeg = jpeg_frame(fp) if kind == "JPEG" else None
    if jpeg is not None:
        policy_check(kind, jpeg.width, jpeg.height, jpeg=jpeg)
    try:
        width, height = _decode(fp, kind, jpeg)
    finally:
        fp.seek(0)
    mime, ext = IMAGE_TYPES[kind]
    return ImageInfo(format=kind, mime=mime, ext=ext, width=width, height=height)


def _accepted_kind(head: bytes, formats: tuple[str, ...]) -> str:
    if not head:
        raise Refused(Reason.EMPTY, "The file is empty.")
    kind = magic_kind(head)
    if kind is None and looks_like_text(head):
        raise Refused(Reason.TEXT, "The file is text, not an image.")
    if kind is None:
        raise Refused(Reason.UNRECOGNISED, "The file is not a readable image.")
    if kind not in formats or kind not in IMAGE_TYPES:
        raise Refused(Reason.OTHER_KIND, f"{kind} files are not accepted here.")
    return kind


def _decode(fp: IO[bytes], kind: str, jpeg: JpegFrame | None) -> tuple[int, int]:
    """Open with Pillow restricted to `kind`, check the policy on what it reports, decode."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fp, formats=[kind]) as image:
                width, height = image.size
                policy_check(kind, width, height, frames=getattr(image, "n_frames", 1), jpeg=jpeg)
                if kind == "JPEG":  # decode every scan, at 1/8 scale: 1/64 of the memory
                    image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Refused(Reason.TOO_MANY_PIXELS, TOO_MANY_PIXELS) from exc
    except UnidentifiedImageError as exc:
        raise Refused(Reason.CORRUPT, "The image could not be decoded.") from exc
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise Refused(Reason.CORRUPT, "The image is truncated or corrupt.") from exc
    return width, height


def policy_text(formats: Iterable[str]) -> str:
    """The policy in a sentence, for API descriptions (the numbers come from the constants)."""
    caps = {
        "JPEG": f"JPEG {pixel_cap('JPEG') / 1e6:g} MP (progressive or multi-scan: "
        f"{pixel_cap('JPEG', _JPEG_420) / 1e6:.0f} MP for 4:2:0 colour, {pixel_cap('JPEG', _JPEG_444) / 1e6:.0f} "
        f"for 4:4:4, {pixel_cap('JPEG', _JPEG_GRAY) / 1e6:.0f} for greyscale)",
        "PNG": f"PNG {pixel_cap('PNG') / 1e6:g} MP",
        "GIF": f"GIF {pixel_cap('GIF') / 1e6:g} MP",
        "WEBP": f"WebP {pixel_cap('WEBP') / 1e6:.1f} MP",
    }
    return (
        f"at most {', '.join(caps[f] for f in formats)} (a decoding-memory budget of "
        f"{DECODE_BUDGET // 1_000_000} MB per image), and an animation at most {ANIMATION_PIXELS // 1_000_000} "
        "MP over all its frames; only the first frame is decoded"
    )
