"""Importers, one module per format, and the dispatcher that detects the format."""

from __future__ import annotations

import io
import zipfile
import zlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kontaktpflege.dataio.decoding import decode_bytes, normalise_newlines
from kontaktpflege.dataio.importers import (
    excel_csv,
    generic_csv,
    google,
    linkedin,
    outlook,
    vcard,
    xlsx,
)
from kontaktpflege.dataio.importers.base import sniff_rows
from kontaktpflege.dataio.rows import ParseResult

CHUNK = 1024 * 1024


def decompressed_limit() -> int:
    """The most a zipped Connections.csv may unpack to: the import limit itself
    (KP_IMPORT_MAX_BYTES, default the upload limit), so zipping never widens it."""
    return int(getattr(settings, "IMPORT_MAX_BYTES", settings.DATA_UPLOAD_MAX_MEMORY_SIZE))


def _member_too_large(name: str, limit: int) -> ValidationError:
    return ValidationError(
        _("%(name)s in the archive unpacks to more than %(limit)s MB; imports take at most that.")
        % {"name": name.rsplit("/", 1)[-1], "limit": round(limit / 1024 / 1024, 1)}
    )


def read_member(archive: zipfile.ZipFile, name: str, *, limit: int) -> bytes:
    """One member, unpacked chunk by chunk and never past `limit` bytes.

    The declared size is checked first; counting while unpacking keeps the bound even where
    a header lies.
    """
    if archive.getinfo(name).file_size > limit:
        raise _member_too_large(name, limit)
    chunks, total = [], 0
    try:
        with archive.open(name) as member:
            while chunk := member.read(CHUNK):
                total += len(chunk)
                if total > limit:
                    raise _member_too_large(name, limit)
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise ValidationError(
            _("%(name)s in the archive is damaged and could not be unpacked.")
            % {"name": name.rsplit("/", 1)[-1]}
        ) from exc
    return b"".join(chunks)


def _from_zip(data: bytes) -> tuple[str, bytes]:
    """A LinkedIn archive (Connections.csv at its root) or an XLSX workbook."""
    archive = xlsx.open_zip(data)
    names = archive.namelist()
    if "xl/workbook.xml" in names:
        xlsx.check_sizes(archive)
        return "xlsx", data
    for name in names:
        if name.rsplit("/", 1)[-1].lower() == "connections.csv":
            return "linkedin", read_member(archive, name, limit=decompressed_limit())
    raise ValidationError(
        _(
            "This archive holds neither an Excel workbook nor LinkedIn’s Connections.csv. "
            "LinkedIn sends two archives: upload the second, larger one."
        )
    )


def detect_text_format(text: str) -> str:
    """Guess the format of a decoded text file from its content."""
    if vcard.looks_like(text):
        return "vcard"
    if linkedin.looks_like(text):
        return "linkedin"
    if google.looks_like(text):
        return "google"
    first_rows = sniff_rows(text[:20000])
    if first_rows and outlook.looks_like(first_rows[0]):
        return "outlook"
    if excel_csv.looks_like(text):
        return "excel_csv"
    return "generic_csv"


def parse_file(
    data: bytes, *, filename: str = "", fmt: str = "auto", mapping: dict[str, str] | None = None
) -> ParseResult:
    """Parse uploaded bytes in the given (or detected) format; file-level errors raise."""
    if not data.strip():
        raise ValidationError(_("The file is empty."))
    if data[:4] == b"PK\x03\x04":
        zipped_format, data = _from_zip(data)
        if zipped_format == "xlsx":
            return xlsx.parse(data, mapping)
        fmt = "linkedin"
    elif fmt == "xlsx" or filename.lower().endswith(".xlsx"):
        raise ValidationError(_("The file is not a valid Excel workbook (.xlsx)."))
    text = normalise_newlines(decode_bytes(data)).lstrip("\ufeff")
    if not text.strip():
        raise ValidationError(_("The file is empty."))
    if fmt in ("auto", ""):
        fmt = detect_text_format(text)
    return _parse_text(text, fmt, mapping)


def _parse_text(text: str, fmt: str, mapping: dict[str, str] | None) -> ParseResult:
    if fmt == "vcard":
        return vcard.parse(text)
    if fmt == "linkedin":
        return linkedin.parse(text, mapping)
    if fmt == "google":
        return google.parse(text)
    if fmt == "outlook":
        return outlook.parse(text)
    if fmt == "excel_csv":
        return excel_csv.parse(text, mapping)
    return generic_csv.parse(text, mapping)


def read_headers(data: bytes) -> list[str]:
    """The header row of a CSV or XLSX upload, for the mapping screen."""
    return parse_file(data, fmt="generic_csv", mapping={}).headers


__all__ = ["ParseResult", "detect_text_format", "io", "parse_file", "read_headers", "zipfile"]
