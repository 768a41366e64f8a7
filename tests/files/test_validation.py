import io

import pytest

from files.validation import PartRejected, blocked_extension, expected_mime, judge, safe_name
from tests.files.samples import EXE, PDF, image_bytes


@pytest.mark.parametrize(
    ("name", "blocked"),
    [
        ("tool.exe", "exe"),
        ("TOOL.ExE", "exe"),
        ("tool.exe.", "exe"),
        ("tool.exe . .", "exe"),
        ("tool.exe\x00.jpg", "exe"),  # NUL: the name a C library would see ends at .exe
        ("photo\u202egpj.exe", "exe"),  # right-to-left override: shows as photoexe.jpg
        ("photo.jpg\u200b.exe", "exe"),  # zero-width space
        ("photo.jpg.exe", "exe"),
        ("invoice.pdf.exe", "exe"),
        ("shell.php.jpg", "php"),
        ("evil.exe::$DATA", "exe"),  # NTFS alternate data stream
        ("page.HTML", "html"),
        ("x.svg", "svg"),
        ("a.tar.gz", "tar"),
        ("archive.7z", "7z"),
        ("run.ps1", "ps1"),
        ("app.mjs", "mjs"),
        ("photo\uff0eexe", "exe"),  # fullwidth full stop, NFKC-normalised to "."
        ("shell.asp;.jpg", "asp"),  # IIS reads up to the semicolon
        ("photo.exe%00.jpg", "exe"),  # a percent-encoded NUL
        ("backup.php~", "php"),
        ("photo.jpg", None),
        ("my.project.notes.txt", None),
        ("exe", None),  # a bare name, no extension
        (".bashrc.md", None),
    ],
)
def test_blocked_extensions_are_found_through_case_dots_spaces_and_invisible_characters(name, blocked):
    assert blocked_extension(name) == blocked


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("a.JPG", "image/jpeg"),
        ("a.jpeg", "image/jpeg"),
        ("a.markdown", "text/markdown"),
        ("a.txt.", "text/plain"),
        ("a.pdf ", "application/pdf"),
        ("a.docx", None),
        ("noext", None),
        ("a.", None),
    ],
)
def test_the_last_extension_promises_a_type(name, mime):
    assert expected_mime(name) == mime


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("anchor.jpg", "anchor.jpg"),
        ("My Photo (1).PNG", "My_Photo_1.PNG"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("..", "file"),
        (".hidden.txt", "hidden.txt"),
        ("a\x00b\r\n.txt", "ab.txt"),
        ("日本語.png", "file.png"),
        ("résumé.md", "resume.md"),
        ("a..b...c.txt", "a.b.c.txt"),
        ("x" * 300 + ".json", "x" * 95 + ".json"),
        ("y" * 300, "y" * 100),
    ],
)
def test_safe_names_keep_only_ascii_letters_digits_and_dot_dash_underscore(name, safe):
    assert safe_name(name) == safe
    assert len(safe_name(name)) <= 100


def _judge(name: str, data: bytes):
    return judge(io.BytesIO(data), name=name, size=len(data))


def test_judge_accepts_matching_bytes_and_names():
    assert _judge("a.png", image_bytes("PNG")).mime == "image/png"
    assert _judge("a.png", image_bytes("PNG")).is_image is True
    assert _judge("a.pdf", PDF).is_image is False
    assert _judge("a.json", b'\xef\xbb\xbf{"bom": true}').mime == "application/json"


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("a.jpg", EXE, "type_mismatch"),
        ("a.pdf", image_bytes("PNG"), "type_mismatch"),
        ("a.json", b"[1, 2", "invalid_file"),
        ("a.json", b"[1] [2]", "invalid_file"),
        ("a.csv", b"a\x00", "invalid_file"),
        ("a.exe", b"", "blocked_extension"),
        ("a.txt", b"", "invalid_file"),
    ],
)
def test_judge_refuses_with_the_contract_code(name, data, code):
    with pytest.raises(PartRejected) as refused:
        _judge(name, data)
    assert refused.value.error.code == code


def test_the_size_cap_is_checked_before_the_bytes_are_read():
    with pytest.raises(PartRejected) as refused:
        judge(None, name="a.txt", size=10 * 1024 * 1024 + 1)  # type: ignore[arg-type]
    assert refused.value.error.code == "file_too_large"
