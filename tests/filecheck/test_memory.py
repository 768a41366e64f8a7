"""Judging an image stays within the decoding-memory budget: measured, in a fresh process.

Bombs are refused from their headers, so judging one costs next to nothing; real images close to
their format's cap do decode, and the process grows by about what the cost model charges them,
never past the budget (the positive control: the measure does see decoding memory).
"""

import math

import pytest

from filecheck.images import DECODE_BUDGET, JpegFrame, decode_cost, pixel_cap
from tests.support import bombs
from tests.support.bombs import BOMBS, ext_of
from tests.support.judge_memory import measure


@pytest.mark.parametrize("case", BOMBS)
def test_judging_a_bomb_costs_under_a_hundredth_of_the_budget(case):
    data = BOMBS[case]()
    result = measure(data, ext_of(data), "filecheck")
    assert result["outcome"] == "too_many_pixels"
    assert result["growth"] < DECODE_BUDGET // 100, result


def _side(fmt: str, jpeg: JpegFrame | None = None) -> int:
    """The side of a square image with 90% of the format's pixel cap."""
    return math.isqrt(pixel_cap(fmt, jpeg) * 9 // 10)


PROGRESSIVE = JpegFrame(0, 0, ((2, 2), (1, 1), (1, 1)), multi_scan=True)
NEAR_THE_CAP = {
    "png": lambda: ("PNG", None, bombs.png_full(_side("PNG"), _side("PNG"))),
    "webp-animated": lambda: ("WEBP", None, bombs.webp_animated(_side("WEBP"), _side("WEBP"))),
    "webp-lossy": lambda: ("WEBP", None, bombs.webp_still(_side("WEBP"), _side("WEBP"), lossless=False)),
    "gif": lambda: ("GIF", None, bombs.gif_full(_side("GIF"), _side("GIF"))),
    "jpeg-progressive": lambda: (
        "JPEG",
        PROGRESSIVE,
        bombs.jpeg(_side("JPEG", PROGRESSIVE), _side("JPEG", PROGRESSIVE), progressive=True),
    ),
}


@pytest.mark.parametrize("case", NEAR_THE_CAP)
def test_an_image_near_its_cap_decodes_within_the_budget(case):
    fmt, jpeg, data = NEAR_THE_CAP[case]()
    side = _side(fmt, jpeg)
    result = measure(data, ext_of(data), "filecheck")
    assert result["outcome"] == "accepted"
    charged = decode_cost(fmt, side, side, jpeg and JpegFrame(side, side, jpeg.sampling, jpeg.multi_scan))
    assert 0.8 * charged < result["growth"] < DECODE_BUDGET, (charged, result)
