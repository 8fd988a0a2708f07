"""Decoding uploaded bytes: BOMs, strict UTF-8, CHARSET, cp1252, UTF-16, mixed lines."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kontaktpflege.dataio.decoding import decode_bytes


def test_it_drops_a_utf8_bom():
    assert decode_bytes(b"\xef\xbb\xbfM\xc3\xbcller") == "Müller"


def test_it_reads_cp1252_when_utf8_fails():
    assert decode_bytes("Jürgen Weiß".encode("cp1252")) == "Jürgen Weiß"


def test_it_reads_utf16_with_and_without_bom():
    text = "BEGIN:VCARD\r\nN:Åberg;Björn\r\nEND:VCARD\r\n"
    assert decode_bytes(b"\xff\xfe" + text.encode("utf-16-le")) == text
    assert decode_bytes(text.encode("utf-16-be")) == text
    assert decode_bytes(text.encode("utf-16-le")) == text


def test_it_honours_a_charset_parameter():
    data = "N;CHARSET=ISO-8859-7:Παπαδόπουλος".encode("iso-8859-7")
    assert "Παπαδόπουλος" in decode_bytes(data)


def test_it_decodes_mixed_encodings_line_by_line():
    data = "Zoë,Åström\n".encode() + "Jürgen,Weiß\n".encode("cp1252")
    assert decode_bytes(data) == "Zoë,Åström\nJürgen,Weiß\n"


def test_it_refuses_a_binary_file_with_a_clear_message():
    with pytest.raises(ValidationError, match="not a text file"):
        decode_bytes(bytes(range(256)) * 20)
