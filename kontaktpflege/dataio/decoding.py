"""Turning uploaded bytes into text: BOM → strict UTF-8 → CHARSET → cp1252 / detection."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_CHARSET = re.compile(rb"CHARSET=([A-Za-z0-9_\-]+)", re.IGNORECASE)
# Bytes that never occur in a text file (NUL aside, which UTF-16 uses).
_BINARY = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM shows as NUL bytes on every other position."""
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if even > half * 0.3 and odd < half * 0.05:
        return data.decode("utf-16-be", errors="strict")
    if odd > half * 0.3 and even < half * 0.05:
        return data.decode("utf-16-le", errors="strict")
    return None


def _looks_binary(data: bytes) -> bool:
    sample = data[:8000]
    if not sample:
        return False
    return len(_BINARY.findall(sample)) > max(2, len(sample) // 200)


def decode_bytes(data: bytes) -> str:
    """Decode a text file the way real exports need it; raise a clear error for binaries."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[2:].decode(codec, errors="replace")
    try:
        text = _utf16_without_bom(data)
    except UnicodeDecodeError:
        text = None
    if text is not None:
        return text
    if _looks_binary(data):
        raise ValidationError(
            _("This file is not a text file (it looks like a program, image or archive).")
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _CHARSET.search(data[:200000])
    if match:
        try:
            return data.decode(match.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    return _guess(data)


_LATIN = {"utf_8", "ascii", "cp1252", "latin_1", "cp1250", "iso8859_15", "mac_roman", "cp850"}


def _mixed(data: bytes) -> str | None:
    """Files pasted together from several sources: decode line by line."""
    lines = data.split(b"\n")
    utf8_lines = 0
    for line in lines:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if any(b > 0x7F for b in line):
            utf8_lines += 1
    if not utf8_lines:
        return None
    out = []
    for line in lines:
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(line.decode("cp1252", errors="replace"))
    return "\n".join(out)


def _guess(data: bytes) -> str:
    """cp1252 covers German exports; charset-normalizer only when cp1252 looks implausible.

    Cyrillic or Greek single-byte text read as cp1252 is nearly all accented Latin letters;
    German text has a few umlauts among plain letters.
    """
    mixed = _mixed(data)
    if mixed is not None:
        return mixed
    text = data.decode("cp1252", errors="replace")
    letters = [c for c in text[:20000] if c.isalpha()]
    accented = sum(1 for c in letters if "\xc0" <= c <= "\xff")
    if letters and accented / len(letters) > 0.3:
        best = from_bytes(data[:200000]).best()
        if best is not None and best.encoding not in _LATIN:
            try:
                return data.decode(best.encoding)
            except (LookupError, UnicodeDecodeError):
                pass
    return text


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
