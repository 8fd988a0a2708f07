"""XLSX workbooks: zip-bomb check before openpyxl, read-only, first sheet."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kontaktpflege.dataio.importers.base import (
    auto_mapping,
    check_columns,
    has_name,
    rows_from_table,
)
from kontaktpflege.dataio.rows import ParseResult

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200
MAX_ROWS = 200_000


def check_zip(data: bytes) -> zipfile.ZipFile:
    """Open a zip only when its members' declared sizes are sane (a zip bomb is refused)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValidationError(_("The file is not a valid Excel workbook (.xlsx).")) from exc
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_UNCOMPRESSED or (info.file_size > 10_000_000 and ratio > MAX_RATIO):
            raise ValidationError(
                _("The workbook unpacks to far more data than it holds (a “zip bomb”); refused.")
            )
    return archive


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_table(data: bytes) -> list[list[str]]:
    """Every row of the first sheet as text."""
    import openpyxl

    check_zip(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise ValidationError(_("The workbook could not be opened: it seems damaged.")) from exc
    try:
        sheet = book.worksheets[0]
        table = []
        for values in sheet.iter_rows(values_only=True):
            table.append([_cell(v) for v in values])
            if len(table) > MAX_ROWS:
                raise ValidationError(_("The workbook has more than 200,000 rows."))
        return table
    finally:
        book.close()


def parse(data: bytes, mapping: dict[str, str] | None = None) -> ParseResult:
    """Read the first sheet; the first non-empty row is the header."""
    table = read_table(data)
    header_index = next((i for i, r in enumerate(table) if any(c.strip() for c in r)), 0)
    if not table:
        return ParseResult(format="xlsx", rows=[])
    headers = table[header_index]
    while headers and not headers[-1]:
        headers = headers[:-1]
    check_columns(headers)
    chosen = mapping or auto_mapping(headers)
    if not has_name(chosen):
        return ParseResult(
            format="xlsx", rows=[], headers=headers, needs_mapping=True, mapping=chosen
        )
    rows = rows_from_table(table, chosen, header_index=header_index, source="xlsx")
    return ParseResult(format="xlsx", rows=rows, headers=headers, mapping=chosen)
