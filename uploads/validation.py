"""What `/v1/upload` accepts: a PNG, JPEG or WebP of at most 5 MB, judged from its bytes alone by
`filecheck` (magic numbers and the one image policy), and filecheck's reasons as this contract's
codes (`V1_REASONS`).
"""

import hashlib
from typing import IO

import filecheck
from filecheck import ImageInfo, Reason
from thrad.errors import ApplicationError, V1Error

MAX_BYTES = 5 * 1024 * 1024
FORMATS = ("PNG", "JPEG", "WEBP")
EXTENSIONS = ("png", "jpg", "webp")

# Every filecheck reason, as this contract's code. GIF, BMP, PDF or text is a real file of
# another type (`unsupported_mimetype`); anything that is not a decodable image is `invalid_file`.
V1_REASONS: dict[Reason, V1Error] = {
    Reason.EMPTY: V1Error.INVALID_FILE,
    Reason.TOO_LARGE: V1Error.FILE_TOO_LARGE,
    Reason.UNRECOGNISED: V1Error.INVALID_FILE,
    Reason.TEXT: V1Error.UNSUPPORTED_MIMETYPE,
    Reason.OTHER_KIND: V1Error.UNSUPPORTED_MIMETYPE,
    Reason.CORRUPT: V1Error.INVALID_FILE,
    Reason.TOO_MANY_PIXELS: V1Error.INVALID_FILE,
    Reason.NOT_TEXT: V1Error.INVALID_FILE,
    Reason.NOT_JSON: V1Error.INVALID_FILE,
}


def v1_error(refused: filecheck.Refused, *, param: str | None = None) -> ApplicationError:
    """The contract's error for a refusal. `invalid_file` says why; the other codes keep their
    contract message (the size cap, the accepted formats)."""
    error = V1_REASONS[refused.reason]
    return error(refused.message if error is V1Error.INVALID_FILE else None, param=param)


def image_check(fp: IO[bytes], *, oversized: bool = False) -> tuple[ImageInfo, int, str]:
    """Judge `fp` by its bytes alone: (image info, size, sha256 hex) or the contract's error
    (`invalid_file`, `unsupported_mimetype`, `file_too_large`) with param None."""
    size, digest = _size_and_digest(fp) if not oversized else (0, "")
    try:
        filecheck.size_check(size, limit=MAX_BYTES, oversized=oversized)
        info = filecheck.image_judge(fp, formats=FORMATS)
    except filecheck.Refused as refused:
        raise v1_error(refused) from refused
    return info, size, digest


def _size_and_digest(fp: IO[bytes]) -> tuple[int, str]:
    fp.seek(0)
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: fp.read(64 * 1024), b""):
        size += len(chunk)
        digest.update(chunk)
    fp.seek(0)
    return size, digest.hexdigest()
