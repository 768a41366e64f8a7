"""What a Files API part is: its type from the bytes, double-checked against its name.

No database, no storage. The name rules (blocked extensions, safe names) are the Files API's
own; the bytes are judged by `filecheck` (magic numbers, the one image policy, text and JSON),
whose reasons map to this contract's codes in `FILES_REASONS`. The order of the checks decides
the error code: blocked extension, size, empty, extension not accepted, content (type from the
bytes), then the bytes and the extension must agree.
"""

import re
import unicodedata
from dataclasses import dataclass
from typing import IO

import filecheck
from filecheck import Reason
from thrad.errors import FilesError

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
MAX_REQUEST_BYTES = 50 * 1024 * 1024
MAX_STORED_NAME = 100

IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
TEXT_TYPES = frozenset({"text/csv", "text/markdown", "text/plain"})

# Accepted extension -> the MIME type the bytes must turn out to be.
ACCEPTED: dict[str, str] = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "json": "application/json",
    "csv": "text/csv",
    "md": "text/markdown",
    "markdown": "text/markdown",
    "txt": "text/plain",
}

# Refused whatever the bytes, wherever they stand among the name's dotted parts.
BLOCKED = frozenset(
    # executables, installers, libraries
    "exe dll com scr pif cpl msi msp msc mst bat cmd sys drv ocx app apk ipa deb rpm dmg pkg "
    "bin elf so dylib run out "
    # scripts and code a machine runs
    "sh bash zsh csh ksh fish ps1 psm1 psd1 ps1xml vbs vbe vb js jse mjs cjs wsf wsh wsc ws hta "
    "php php3 php4 php5 php7 phtml phar pl pm cgi py pyc pyo pyw rb jar war ear class jsp jspx "
    "asp aspx ashx asmx cer lnk inf reg scf url application gadget "
    # markup a browser runs
    "html htm xhtml xht shtml mht mhtml svg svgz xml xsl xslt "
    # archives
    "zip tar gz tgz bz2 tbz tbz2 xz txz lz lzma zst z 7z rar cab arj lzh iso img vhd vhdx".split()
)

# Characters that must never reach a stored name: controls, format characters (bidi
# overrides, zero-width joiners), line and paragraph separators, surrogates, private use.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_TRAILING = ". \t\r\n\x00\u00a0\u3000"
_NOT_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_LEADING_ALNUM = re.compile(r"[0-9a-z]*")


# Every filecheck reason, as this contract's per-file code.
FILES_REASONS: dict[Reason, FilesError] = {
    Reason.EMPTY: FilesError.INVALID_FILE,
    Reason.TOO_LARGE: FilesError.FILE_TOO_LARGE,
    Reason.UNRECOGNISED: FilesError.INVALID_FILE,
    Reason.TEXT: FilesError.INVALID_FILE,
    Reason.OTHER_KIND: FilesError.TYPE_MISMATCH,
    Reason.CORRUPT: FilesError.INVALID_FILE,
    Reason.TOO_MANY_PIXELS: FilesError.INVALID_FILE,
    Reason.NOT_TEXT: FilesError.INVALID_FILE,
    Reason.NOT_JSON: FilesError.INVALID_FILE,
}


class PartRejected(Exception):
    """A part that is not stored; `error` is the contract's per-file code, `message` says why."""

    def __init__(self, error: FilesError, message: str | None = None) -> None:
        self.error = error
        self.message = message or error.message
        super().__init__(self.message)

    @classmethod
    def from_refused(cls, refused: filecheck.Refused) -> "PartRejected":
        return cls(FILES_REASONS[refused.reason], refused.message)


@dataclass(frozen=True)
class Accepted:
    mime: str
    is_image: bool


def _visible_base(name: str) -> str:
    """The last path component, NFKC-normalised, without invisible or control characters and
    without trailing dots/spaces."""
    name = unicodedata.normalize("NFKC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _UNSAFE_CATEGORIES)
    return name.rstrip(_TRAILING).replace("\\", "/").rsplit("/", 1)[-1]


def name_extensions(name: str) -> list[str]:
    """Every dotted part after the first, lowercased (`a.JPG.exe ` -> ["jpg", "exe"]).

    `:` counts as a separator too, so NTFS stream names (`x.exe::$DATA`) give up their `exe`.
    """
    parts = re.split(r"[.:]", _visible_base(name))[1:]
    return [p.strip(_TRAILING).lower() for p in parts if p.strip(_TRAILING)]


def blocked_extension(name: str) -> str | None:
    """The first blocked extension among the name's dotted parts, or None. A part also counts by
    its leading letters and digits, so `asp;`, `exe%00` or `php~` hide nothing.
    """
    for ext in name_extensions(name):
        for candidate in (ext, _LEADING_ALNUM.match(ext).group()):  # type: ignore[union-attr]
            if candidate in BLOCKED:
                return candidate
    return None


def expected_mime(name: str) -> str | None:
    """The MIME type the last extension promises, or None when it is not an accepted one."""
    extensions = name_extensions(name)
    return ACCEPTED.get(extensions[-1]) if extensions else None


def safe_name(name: str) -> str:
    """A stored name: ASCII letters, digits, `._-` only, no leading dot, at most 100 characters."""
    stem, dot, ext = _visible_base(name).rpartition(".")
    if not dot:
        stem, ext = ext, ""
    stem = _ascii(stem)
    stem = re.sub(r"\.{2,}", ".", _NOT_SAFE.sub("_", stem)).strip("._-") or "file"
    ext = re.sub(r"[^A-Za-z0-9]", "", _ascii(ext))[:16]
    stem = stem[: MAX_STORED_NAME - (len(ext) + 1 if ext else 0)].rstrip("._-") or "file"
    return f"{stem}.{ext}" if ext else stem


def _ascii(text: str) -> str:
    """Accents dropped (`é` -> `e`); other non-ASCII characters are left for the caller to replace."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def check_name_and_size(name: str, size: int, *, oversized: bool = False) -> str:
    """The MIME type the name promises; raises PartRejected for the checks that need no bytes."""
    if ext := blocked_extension(name):
        raise PartRejected(FilesError.BLOCKED_EXTENSION, f".{ext} files are never accepted.")
    try:
        filecheck.size_check(size, limit=MAX_FILE_BYTES, oversized=oversized)
    except filecheck.Refused as refused:
        raise PartRejected.from_refused(refused) from refused
    mime = expected_mime(name)
    if mime is None:
        accepted = " ".join(f".{e}" for e in ACCEPTED)
        raise PartRejected(FilesError.UNSUPPORTED_TYPE, f"This type of file is not accepted ({accepted}).")
    return mime


def detect(fp: IO[bytes], expected: str) -> str:
    """The MIME type of the bytes in `fp`, for a file whose name promises `expected`.

    Known binary signatures decide (images must decode under the image policy); bytes with no
    signature are held to the text rule of the promised type.
    """
    fp.seek(0)
    kind = filecheck.magic_kind(fp.read(16))
    fp.seek(0)
    try:
        if kind in IMAGE_FORMATS:
            return filecheck.image_judge(fp, formats=IMAGE_FORMATS).mime
        if kind == "PDF":
            return "application/pdf"
        if kind is not None:
            raise PartRejected(FilesError.TYPE_MISMATCH, f"The bytes are {kind}, not what the file name says.")
        if expected == "application/json":
            filecheck.json_check(fp)
            return expected
        if expected in TEXT_TYPES:
            filecheck.text_check(fp)
            return expected
    except filecheck.Refused as refused:
        raise PartRejected.from_refused(refused) from refused
    raise PartRejected(FilesError.INVALID_FILE, "The bytes are not a readable file of the type its name says.")


def judge(fp: IO[bytes], *, name: str, size: int, oversized: bool = False) -> Accepted:
    """Accept a part (its MIME type) or raise PartRejected with the contract's code."""
    expected = check_name_and_size(name, size, oversized=oversized)
    detected = detect(fp, expected)
    if detected != expected:
        raise PartRejected(FilesError.TYPE_MISMATCH, f"The bytes are {detected} but the file name says {expected}.")
    return Accepted(mime=detected, is_image=detected.startswith("image/"))
