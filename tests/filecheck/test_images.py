"""The one image policy: caps from the decoding-memory budget, bombs refused from their headers."""

import io
import math
import struct

import pytest
from PIL import Image

from filecheck import Reason, Refused, image_judge, pixel_cap
from filecheck.images import (
    ANIMATION_PIXELS,
    DECODE_BUDGET,
    FORMATS,
    MAX_PIXELS,
    JpegFrame,
    declared_size,
    decode_cost,
    jpeg_frame,
)
from tests.support import bombs
from tests.support.bombs import BOMBS


def _judge(data: bytes, formats: tuple[str, ...] = FORMATS):
    return image_judge(io.BytesIO(data), formats=formats)


def _refusal(data: bytes, formats: tuple[str, ...] = FORMATS) -> Reason:
    with pytest.raises(Refused) as refused:
        _judge(data, formats)
    return refused.value.reason


def _image(fmt: str, size: tuple[int, int] = (40, 30), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 90)).save(out, fmt, **save)
    return out.getvalue()


def test_each_format_has_one_pixel_cap_derived_from_the_memory_budget():
    assert {fmt: pixel_cap(fmt) for fmt in FORMATS} == {
        "PNG": 25_000_000,
        "JPEG": 50_000_000,
        "GIF": 50_000_000,
        "WEBP": 5_882_352,
    }
    baseline = JpegFrame(0, 0, ((2, 2), (1, 1), (1, 1)), multi_scan=False)
    for fmt in FORMATS:
        side = math.isqrt(pixel_cap(fmt))
        assert pixel_cap(fmt) <= MAX_PIXELS
        assert decode_cost(fmt, side, side, baseline) <= DECODE_BUDGET


def test_a_progressive_jpeg_is_charged_for_every_coefficient():
    baseline = JpegFrame(7000, 7000, ((2, 2), (1, 1), (1, 1)), multi_scan=False)
    progressive = JpegFrame(7000, 7000, ((2, 2), (1, 1), (1, 1)), multi_scan=True)
    full_colour = JpegFrame(7000, 7000, ((1, 1), (1, 1), (1, 1)), multi_scan=True)
    assert decode_cost("JPEG", 7000, 7000, baseline) < 4_000_000  # decoded at 1/8 scale
    assert decode_cost("JPEG", 7000, 7000, progressive) > 3 * 49_000_000  # 2 bytes x 1.5 samples
    assert decode_cost("JPEG", 7000, 7000, full_colour) > 6 * 49_000_000
    assert pixel_cap("JPEG", progressive) < 33_000_000 < pixel_cap("JPEG", baseline)


@pytest.mark.parametrize(("fmt", "ext"), [("PNG", "png"), ("JPEG", "jpg"), ("GIF", "gif"), ("WEBP", "webp")])
def test_a_real_image_of_each_format_is_accepted_with_its_size(fmt, ext):
    info = _judge(_image(fmt))
    assert (info.format, info.ext, info.width, info.height) == (fmt, ext, 40, 30)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(bombs.apng(100, 100, 10), id="apng"),
        pytest.param(bombs.gif(100, 100, frames=10), id="gif"),
        pytest.param(bombs.webp_animated(100, 100, frames=10), id="webp"),
    ],
)
def test_a_modest_animation_is_accepted(data):
    assert (_judge(data).width, _judge(data).height) == (100, 100)


@pytest.mark.parametrize("case", BOMBS)
def test_a_small_file_declaring_a_huge_canvas_or_many_frames_is_too_many_pixels(case):
    data = BOMBS[case]()
    assert len(data) < 100_000
    assert _refusal(data) is Reason.TOO_MANY_PIXELS


def test_an_animation_is_charged_every_frame_at_full_canvas_size():
    side = 1000
    frames_allowed = ANIMATION_PIXELS // (side * side)
    assert _judge(bombs.gif(side, side, frames=frames_allowed)).width == side
    assert _refusal(bombs.gif(side, side, frames=frames_allowed + 1)) is Reason.TOO_MANY_PIXELS


@pytest.mark.parametrize(
    ("data", "size"),
    [
        pytest.param(bombs.png_declared(123, 45), (123, 45), id="png"),
        pytest.param(bombs.gif(321, 54), (321, 54), id="gif"),
        pytest.param(bombs.webp_animated(7000, 6000), (7000, 6000), id="webp-vp8x"),
        pytest.param(bombs.webp_still(77, 66), (77, 66), id="webp-vp8l"),
        pytest.param(bombs.webp_still(77, 66, lossless=False), (77, 66), id="webp-vp8"),
    ],
)
def test_the_canvas_is_read_from_the_first_bytes_before_any_decoder(data, size):
    from filecheck import magic_kind

    assert declared_size(magic_kind(data[:16]) or "", data[:512]) == size


def _segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def test_jpeg_frame_tells_progressive_and_multi_scan_from_single_scan():
    assert jpeg_frame(io.BytesIO(_image("JPEG"))) == JpegFrame(40, 30, ((2, 2), (1, 1), (1, 1)), multi_scan=False)
    assert jpeg_frame(io.BytesIO(_image("JPEG", progressive=True))).multi_scan is True  # type: ignore[union-attr]
    # A baseline frame whose first scan carries one of three components: libjpeg buffers it all.
    sof0 = _segment(0xC0, struct.pack(">BHHB", 8, 7000, 7000, 3) + b"\x01\x11\x00\x02\x11\x00\x03\x11\x00")
    sos = _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    junk = b"\x00\x00\xff\xff"  # junk and fill bytes before a marker are skipped, as libjpeg does
    header = b"\xff\xd8" + _segment(0xE0, b"JFIF\x00" + b"\x00" * 9) + junk + sof0 + sos
    frame = jpeg_frame(io.BytesIO(header))
    assert frame == JpegFrame(7000, 7000, ((1, 1), (1, 1), (1, 1)), multi_scan=True)
    assert _refusal(header + b"\xff\xd9") is Reason.TOO_MANY_PIXELS


@pytest.mark.parametrize(
    ("data", "formats", "reason"),
    [
        pytest.param(b"", FORMATS, Reason.EMPTY, id="empty"),
        pytest.param(b"\x01\x02garbage\xff\xfe" * 10, FORMATS, Reason.UNRECOGNISED, id="garbage"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", FORMATS, Reason.TEXT, id="svg"),
        pytest.param(_image("GIF"), ("PNG", "JPEG", "WEBP"), Reason.OTHER_KIND, id="gif-where-not-accepted"),
        pytest.param(_image("BMP"), FORMATS, Reason.OTHER_KIND, id="bmp"),
        pytest.param(b"%PDF-1.4\n", FORMATS, Reason.OTHER_KIND, id="pdf"),
        pytest.param(_image("PNG", (300, 200))[:200], FORMATS, Reason.CORRUPT, id="truncated-png"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, FORMATS, Reason.CORRUPT, id="png-signature-then-zeros"),
        pytest.param(_image("WEBP", (300, 200))[:60], FORMATS, Reason.CORRUPT, id="truncated-webp"),
    ],
)
def test_what_is_not_a_decodable_image_gets_its_reason(data, formats, reason):
    assert _refusal(data, formats) is reason


def test_the_file_position_is_back_at_the_start_after_judging():
    fp = io.BytesIO(_image("PNG"))
    image_judge(fp, formats=FORMATS)
    assert fp.tell() == 0
