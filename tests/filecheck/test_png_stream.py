"""A PNG's pixels are checked as a stream (filecheck.images.png_stream_check), never held: the
verdict is Pillow's full decode's, for every PNG layout, and for broken pixel streams."""

import io
import os
import random
import struct
import zlib

import pytest
from PIL import Image

from filecheck import Reason, Refused, image_judge
from filecheck.images import FORMATS, png_stream_check
from tests.support.bombs import png_chunk

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _judge(data: bytes):
    return image_judge(io.BytesIO(data), formats=FORMATS)


def _pillow_decodes(data: bytes) -> bool:
    """Pillow's verdict: the full decode (`load()`) the stream check stands in for."""
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.load()
    except (OSError, SyntaxError, ValueError, EOFError):
        return False
    return True


def _ours_decodes(data: bytes) -> bool:
    try:
        _judge(data)
    except Refused as refused:
        assert refused.reason is Reason.CORRUPT
        return False
    return True


def _saved(mode: str, size: tuple[int, int], **save: object) -> bytes:
    rng = random.Random(7)
    image = Image.frombytes("L", size, bytes(rng.randrange(256) for _ in range(size[0] * size[1])))
    out = io.BytesIO()
    image.convert(mode).save(out, "PNG", **save)
    return out.getvalue()


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        chunks.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return chunks


def _png(chunks: list[tuple[bytes, bytes]]) -> bytes:
    return SIGNATURE + b"".join(png_chunk(kind, body) for kind, body in chunks)


def _interlaced(width: int, height: int, *, filters: int = 0) -> bytes:
    """A hand-built Adam7 RGB PNG: each pass's rows, filter type `filters`, random pixels."""
    passes = (
        (0, 0, 8, 8),
        (4, 0, 8, 8),
        (0, 4, 4, 8),
        (2, 0, 4, 4),
        (0, 2, 2, 4),
        (1, 0, 2, 2),
        (0, 1, 1, 2),
    )
    raw = b""
    for x0, y0, dx, dy in passes:
        w, h = -(-(width - x0) // dx), -(-(height - y0) // dy)
        if w > 0 and h > 0:
            raw += b"".join(bytes([filters]) + os.urandom(3 * w) for _ in range(h))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 1)
    return _png([(b"IHDR", ihdr), (b"IDAT", zlib.compress(raw)), (b"IEND", b"")])


LAYOUTS = {
    "1-bit": lambda: _saved("1", (37, 11)),
    "grey": lambda: _saved("L", (40, 30)),
    "grey-alpha": lambda: _saved("LA", (40, 30)),
    "palette": lambda: _saved("P", (33, 17)),
    "palette-4-bit": lambda: _saved("P", (33, 17), bits=4),
    "rgb": lambda: _saved("RGB", (40, 30)),
    "rgba": lambda: _saved("RGBA", (40, 30)),
    "16-bit": lambda: _saved("I;16", (25, 9)),
    "many-idat-chunks": lambda: _png(
        [c for c in _chunks(_saved("RGB", (300, 200))) if c[0] != b"IDAT"][:1]
        + [(b"IDAT", piece) for piece in _split(_idat(_saved("RGB", (300, 200))), 97)]
        + [(b"IEND", b"")]
    ),
    "interlaced": lambda: _interlaced(29, 23),
    "interlaced-3x2": lambda: _interlaced(3, 2),
    "1x1": lambda: _saved("RGB", (1, 1)),
}


def _idat(data: bytes) -> bytes:
    return b"".join(body for kind, body in _chunks(data) if kind == b"IDAT")


def _split(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_png_layout_is_accepted_as_pillow_decodes_it(layout):
    data = LAYOUTS[layout]()
    assert _pillow_decodes(data)
    info = _judge(data)
    with Image.open(io.BytesIO(data)) as image:
        assert (info.width, info.height) == image.size


@pytest.mark.parametrize("layout", ["rgb", "interlaced", "many-idat-chunks", "palette-4-bit"])
def test_a_pixel_stream_cut_short_gets_pillows_verdict(layout):
    """Cut before the last row: refused. Cut inside zlib's trailer, once every row is out:
    Pillow decodes it, and so does the stream check."""
    data = LAYOUTS[layout]()
    idat = _idat(data)
    header = [c for c in _chunks(data) if c[0] not in (b"IDAT", b"IEND")]
    for cut in range(1, len(idat), max(1, len(idat) // 40)):
        short = _png([*header, (b"IDAT", idat[:cut]), (b"IEND", b"")])
        assert _ours_decodes(short) == _pillow_decodes(short), cut
    assert not _ours_decodes(_png([*header, (b"IDAT", idat[: len(idat) // 2]), (b"IEND", b"")]))
    assert _ours_decodes(_png([*header, (b"IDAT", idat[:-1]), (b"IEND", b"")]))  # only adler32 cut


def test_an_unknown_filter_type_is_refused():
    data = _interlaced(16, 16, filters=5)
    assert not _pillow_decodes(data)
    assert not _ours_decodes(data)


def test_a_corrupted_idat_crc_is_refused():
    data = bytearray(_saved("RGB", (40, 30)))
    pos = data.index(b"IDAT")
    (length,) = struct.unpack(">I", data[pos - 4 : pos])
    data[pos + 4 + length] ^= 0xFF  # the first byte of the IDAT's CRC
    with pytest.raises(Refused) as refused:
        _judge(bytes(data))
    assert refused.value.reason is Reason.CORRUPT


def test_bytes_after_the_last_row_are_not_read_as_pillow_ignores_them():
    data = _saved("RGB", (40, 30))
    header = [c for c in _chunks(data) if c[0] not in (b"IDAT", b"IEND")]
    raw = zlib.decompress(_idat(data)) + b"\x07" * 500  # an invalid filter byte in the surplus
    extra = _png([*header, (b"IDAT", zlib.compress(raw)), (b"IEND", b"")])
    assert _pillow_decodes(extra)
    assert _ours_decodes(extra)


def test_mutated_pixel_streams_get_pillows_verdict():
    """Bytes of the compressed stream changed at random (CRCs fixed up): whatever Pillow's full
    decode says of each, the stream check says too."""
    rng = random.Random(20261202)
    data = _saved("RGB", (64, 48))
    header = [c for c in _chunks(data) if c[0] not in (b"IDAT", b"IEND")]
    idat = _idat(data)
    verdicts = set()
    for _ in range(300):
        mutated = bytearray(idat)
        for _ in range(rng.randint(1, 3)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        png = _png([*header, (b"IDAT", bytes(mutated)), (b"IEND", b"")])
        pillow = _pillow_decodes(png)
        assert _ours_decodes(png) == pillow
        verdicts.add(pillow)
    assert verdicts == {True, False}  # both kinds of mutation were tried


def test_the_check_leaves_the_file_at_its_start():
    fp = io.BytesIO(_saved("RGB", (40, 30)))
    png_stream_check(fp, 40, 30)
    assert fp.tell() == 0
