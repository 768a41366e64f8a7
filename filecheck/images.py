"""The one image policy, for every upload path: what an image may cost to decode, and decoding it.

Decoding holds pixels in memory (and, for some JPEGs, every DCT coefficient), so a small file
that declares a huge canvas is a memory bomb. Each image is charged, from its header and before
any pixel is decoded, the bytes its decoder will hold (`decode_cost`), and refused as
TOO_MANY_PIXELS when that is over `DECODE_BUDGET`, when it has more than `MAX_PIXELS` pixels, or
when an animation declares more than `ANIMATION_PIXELS` over all its frames. The canvas size is
read from the first bytes (PNG, GIF, WebP) or the JPEG frame header before Pillow is asked
anything, then checked again on what Pillow reports. Only the first frame is decoded; a PNG's
is checked as a stream instead (`png_stream_check`: what a decode would check, no pixels held).
"""

import math
import warnings
import zlib
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
# (RGBA; every mode fits in 4; the stream check holds none, but the charge stands: it bounds the
# inflating work), GIF 1 (the first frame is decoded palette-indexed), WebP about
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
                if kind == "PNG":  # every chunk through IEND, then the pixels, never held
                    image.verify()
                    png_stream_check(fp, width, height)
                else:
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


# --- PNG, checked as a stream ------------------------------------------------------------------

_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel
# Adam7: (first column, first row, column step, row step) of each pass.
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
_PNG_FEED = 64 * 1024  # compressed bytes handed to zlib at a time
_PNG_OUT = 1024 * 1024  # the most inflated bytes held at once


class _PngCorrupt(ValueError):
    pass


def _png_rows(width: int, height: int, bit_depth: int, colour: int, interlace: int) -> list[tuple[int, int]]:
    """(rows, bytes per row including the filter byte) of each pass with pixels in it."""
    bits = bit_depth * _PNG_CHANNELS[colour]
    passes = _ADAM7 if interlace else ((0, 0, 1, 1),)
    rows = []
    for x0, y0, dx, dy in passes:
        w, h = -(-(width - x0) // dx), -(-(height - y0) // dy)
        if w > 0 and h > 0:
            rows.append((h, 1 + -(-(w * bits) // 8)))
    return rows


def _png_chunks(fp: IO[bytes]) -> Iterable[tuple[bytes, bytes]]:
    """(type, data) of each chunk after the signature (Pillow's `verify()` checks the CRCs)."""
    fp.seek(8)
    while True:
        header = fp.read(8)
        if len(header) < 8:
            raise _PngCorrupt("truncated")
        length, kind = int.from_bytes(header[:4], "big"), header[4:]
        data = fp.read(length)
        if len(data) < length or len(fp.read(4)) < 4:
            raise _PngCorrupt("truncated chunk")
        yield kind, data


def png_stream_check(fp: IO[bytes], width: int, height: int) -> None:
    """The check `Image.load()` makes of a PNG's pixels, without holding them: the first run of
    IDAT chunks inflates, in pieces of at most 1 MB, to every row the header promises, each
    starting with a valid filter type (0-4). Reversing the filters cannot fail on any bytes, so
    what passes decodes; like Pillow, inflated bytes after the last row are not read. The file's
    chunks and CRCs are Pillow's `verify()`'s to check (`_decode` runs it first). Raises
    Refused(CORRUPT)."""
    try:
        chunks = iter(_png_chunks(fp))
        kind, ihdr = next(chunks)
        if kind != b"IHDR" or len(ihdr) != 13 or ihdr[10] != 0 or ihdr[11] != 0 or ihdr[12] > 1:
            raise _PngCorrupt("header")
        bit_depth, colour = ihdr[8], ihdr[9]
        if colour not in _PNG_CHANNELS or (width, height) != (
            int.from_bytes(ihdr[:4], "big"),
            int.from_bytes(ihdr[4:8], "big"),
        ):
            raise _PngCorrupt("header")
        schedule = _png_rows(width, height, bit_depth, colour, ihdr[12])
        kind, data = next(chunks)
        while kind != b"IDAT":
            if kind == b"IEND":
                raise _PngCorrupt("no pixels")
            kind, data = next(chunks)
        _png_inflate(chunks, data, schedule)
    except (_PngCorrupt, zlib.error, StopIteration) as exc:
        raise Refused(Reason.CORRUPT, "The image is truncated or corrupt.") from exc
    finally:
        fp.seek(0)


class _Rows:
    """The rows of a PNG's passes as its inflated bytes arrive: each must start with a filter
    type 0-4; `take()` is True once the last row is complete."""

    def __init__(self, schedule: list[tuple[int, int]]) -> None:
        self._passes = iter(schedule)
        self._rows, self._stride = next(self._passes)
        self._offset = 0  # of the next filter byte (or the end of the last row), in bytes to come
        self._last = False

    def take(self, out: bytes) -> bool:
        size = len(out)
        while not self._last and self._offset < size:
            filters = out[self._offset :: self._stride][: self._rows]
            if max(filters) > 4:
                raise _PngCorrupt("filter type")
            self._rows -= len(filters)
            self._offset += len(filters) * self._stride
            if self._rows == 0:
                following = next(self._passes, None)
                if following is None:
                    self._last = True
                else:
                    self._rows, self._stride = following
        if self._last and self._offset <= size:
            return True
        self._offset -= size
        return False


def _png_inflate(chunks: Iterable[tuple[bytes, bytes]], first: bytes, schedule: list[tuple[int, int]]) -> None:
    """Inflate the IDAT run starting with `first` in bounded pieces, checking the rows as they
    arrive; stop once the last row is complete (CORRUPT if the stream or the run ends first)."""
    inflater, rows = zlib.decompressobj(), _Rows(schedule)
    chunk_iter = iter(chunks)
    data: bytes | None = first
    while data is not None:
        view = memoryview(data)
        for start in range(0, len(view), _PNG_FEED):
            pending: bytes | memoryview = view[start : start + _PNG_FEED]
            while True:
                out = inflater.decompress(pending, _PNG_OUT)
                pending = inflater.unconsumed_tail
                if out and rows.take(out):
                    return
                if not out and not pending:
                    break
            if inflater.eof:
                raise _PngCorrupt("the pixel stream ends early")
        kind, chunk = next(chunk_iter, (b"", b""))
        data = chunk if kind == b"IDAT" else None
    raise _PngCorrupt("truncated")


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
