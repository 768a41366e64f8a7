"""File judgement with no Django in it (plain Python and Pillow), shared by both upload paths.

- `magic`: the kind a file's first bytes announce.
- `images`: the one image policy (per-format pixel caps from a decoding-memory budget, an
  animation bound) and the image decode.
- `text`: strict UTF-8 text and JSON checks.
- `verdict`: `Refused(reason, message)` with filecheck's own `Reason` enum, and the size rule.
- `streaming`: the streaming body cap (`BodyTooLarge`, `CountingStream`).

Nothing here imports Django or `thrad`; each app maps a `Reason` to its contract's error.
"""

from filecheck.images import ImageInfo, image_judge, pixel_cap
from filecheck.magic import magic_kind
from filecheck.text import json_check, looks_like_text, text_check
from filecheck.verdict import Reason, Refused, size_check

__all__ = [
    "ImageInfo",
    "Reason",
    "Refused",
    "image_judge",
    "json_check",
    "looks_like_text",
    "magic_kind",
    "pixel_cap",
    "size_check",
    "text_check",
]
