"""Image bombs: small files that declare huge canvases or many frames, built byte by byte (or with
Pillow where it makes them small), for the filecheck tests and both upload paths."""

import io
import struct
import zlib
from collections.abc import Callable

from PIL import Image


def _riff(chunks: bytes) -> bytes:
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks


def _webp_chunk(tag: bytes, data: bytes) -> bytes:
    return tag + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")


def _u24(n: int) -> bytes:
    return struct.pack("<I", n)[:3]


def _vp8l_pixel() -> bytes:
    """The VP8L chunk of a 1x1 lossless WebP."""
    out = io.BytesIO()
    Image.new("RGBA", (1, 1), (200, 30, 90, 255)).save(out, "WEBP", lossless=True)
    data = out.getvalue()
    assert data[12:16] == b"VP8L"
    return data[12:]


def webp_animated(width: int, height: int, frames: int = 1) -> bytes:
    """An animated lossless WebP: a `width` x `height` canvas and `frames` frames of one pixel.
    At 7000 x 7000 this is the ~100-byte file that cost a worker 729 MB to judge."""
    vp8x = _webp_chunk(b"VP8X", bytes([0x12, 0, 0, 0]) + _u24(width - 1) + _u24(height - 1))
    anim = _webp_chunk(b"ANIM", b"\0\0\0\0" + struct.pack("<H", 0))
    frame = _webp_chunk(b"ANMF", _u24(0) * 4 + _u24(100) + b"\0" + _vp8l_pixel())
    return _riff(vp8x + anim + frame * frames)


def webp_still(width: int, height: int, **save: object) -> bytes:
    """A real one-colour WebP (lossless unless told otherwise): a few hundred bytes at any size."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 90)).save(out, "WEBP", **({"lossless": True} | save))
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declared(width: int, height: int) -> bytes:
    """A PNG signature and IHDR declaring `width` x `height` RGBA, with one tiny IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def png_full(width: int, height: int) -> bytes:
    """A real, complete RGBA PNG of zeros (it compresses about 1000:1)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    packer = zlib.compressobj(9)
    row = b"\0" * (1 + 4 * width)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def apng(width: int, height: int, frames: int) -> bytes:
    """A real animated PNG: a full `width` x `height` first frame, then `frames - 1` one-pixel frames."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)

    def fctl(seq: int, w: int, h: int) -> bytes:
        return png_chunk(b"fcTL", struct.pack(">IIIIIHHBB", seq, w, h, 0, 0, 1, 10, 0, 0))

    packer = zlib.compressobj(9)
    row = b"\0" * (1 + 4 * width)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    pixel = zlib.compress(b"\0" * 5)
    body = png_chunk(b"acTL", struct.pack(">II", frames, 0)) + fctl(0, width, height) + png_chunk(b"IDAT", idat)
    for i in range(1, frames):
        body += fctl(2 * i - 1, 1, 1) + png_chunk(b"fdAT", struct.pack(">I", 2 * i) + pixel)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + body + png_chunk(b"IEND", b"")


def gif(width: int, height: int, frames: int = 1, frame_size: tuple[int, int] = (1, 1)) -> bytes:
    """A GIF with a `width` x `height` logical screen and `frames` frames of `frame_size`, each
    carrying one pixel of image data."""
    head = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    frame = (
        b"\x21\xf9\x04\x00\x01\x00\x00\x00"  # graphic control: 1/100 s
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, *frame_size, 0)
        + b"\x02\x02\x44\x01\x00"  # LZW, minimum code size 2: one pixel
    )
    return head + frame * frames + b"\x3b"


def gif_full(width: int, height: int) -> bytes:
    """A real one-colour GIF whose single frame covers the whole canvas."""
    out = io.BytesIO()
    Image.new("P", (width, height), 1).save(out, "GIF")
    return out.getvalue()


def jpeg(width: int, height: int, **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 90)).save(out, "JPEG", **save)
    return out.getvalue()


def jpeg_declared(width: int, height: int, *, progressive: bool = True) -> bytes:
    """A small real JPEG whose frame header is rewritten to declare `width` x `height`."""
    data = bytearray(jpeg(64, 64, progressive=progressive))
    sof = data.index(b"\xff\xc2" if progressive else b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def ext_of(data: bytes) -> str:
    """The extension matching the file's signature."""
    return {b"\x89P": "png", b"GI": "gif", b"RI": "webp", b"\xff\xd8": "jpg"}[data[:2]]


BOMBS: dict[str, Callable[[], bytes]] = {
    # the file of issue 12 item 9: 94 bytes; judged at the old 50 MP cap the process grew 729-791 MB
    "webp-animated-7000x7000": lambda: webp_animated(7000, 7000),
    "webp-animated-16384x16384": lambda: webp_animated(16384, 16384),
    "webp-lossless-2600x2600": lambda: webp_still(2600, 2600),
    "webp-lossy-2600x2600": lambda: webp_still(2600, 2600, lossless=False),
    "webp-600-frames-of-1000x1000": lambda: webp_animated(1000, 1000, frames=600),
    "png-declaring-30000x30000": lambda: png_declared(30_000, 30_000),
    "png-declaring-5001x5000": lambda: png_declared(5_001, 5_000),
    "apng-600-frames-of-1000x1000": lambda: apng(1000, 1000, 600),
    "gif-screen-65535x65535": lambda: gif(65_535, 65_535),
    "gif-screen-8000x8000": lambda: gif(8_000, 8_000),
    "gif-1x1-screen-with-a-10000x10000-frame": lambda: gif(1, 1, frame_size=(10_000, 10_000)),
    "gif-200-frames-of-2000x2000": lambda: gif(2000, 2000, frames=200),
    "jpeg-progressive-7000x7000": lambda: jpeg_declared(7000, 7000),
    "jpeg-baseline-10000x10000": lambda: jpeg_declared(10_000, 10_000, progressive=False),
}
