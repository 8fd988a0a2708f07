"""Download names: a Content-Disposition no file name can break out of, readable in every
browser (an ASCII name beside the RFC 5987 UTF-8 one)."""

from __future__ import annotations

import pytest

from kontaktpflege.core.downloads import attachment, safe_filename


def test_a_plain_name_is_one_quoted_ascii_filename():
    assert attachment("cv.pdf") == 'attachment; filename="cv.pdf"'


def test_a_german_name_comes_as_utf8_with_an_ascii_fallback():
    header = attachment("Lebenslauf Jürgen Öztürk.pdf")
    assert header == (
        'attachment; filename="Lebenslauf Jurgen Ozturk.pdf"; '
        "filename*=UTF-8''Lebenslauf%20J%C3%BCrgen%20%C3%96zt%C3%BCrk.pdf"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\jana\\cv.pdf", "cv.pdf"),
        ('a"b\r\nSet-Cookie: x=1.pdf', "a_bSet-Cookie_ x=1.pdf"),
        ("cv\u202efdp.exe", "cvfdp.exe.pdf"),
        ("cv.html", "cv.html.pdf"),
        ("CV.PDF", "CV.PDF"),
        ("   ", "download.pdf"),
        ("..", "download.pdf"),
        ("..cv.pdf", "cv.pdf"),
        ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
    ],
)
def test_a_hostile_or_odd_name_is_made_safe_and_keeps_the_files_suffix(name, expected):
    assert safe_filename(name, suffix=".pdf") == expected


def test_no_header_ever_carries_a_line_break_a_bare_quote_or_a_semicolon_of_the_name():
    header = attachment(safe_filename('ä"\r\n; filename="evil.html', suffix=".pdf"))
    assert "\r" not in header and "\n" not in header
    assert header.count('"') == 2 and header.count(";") == 2
    assert header.endswith(".pdf")
