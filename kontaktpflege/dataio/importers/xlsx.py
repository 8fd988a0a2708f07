"""XLSX workbooks: zip-bomb check before openpyxl, read-only row by row, first sheet."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kontaktpflege.dataio.importers import base
from kontaktpflege.dataio.importers.base import (
    MAX_COLUMNS,
    auto_mapping,
    has_name,
    rows_from_table,
)
from kontaktpflege.dataio.rows import ParseResult

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200
MAX_ROWS = 200_000
MAX_CELLS = 2_000_000
# Excel's own last row: rows numbered beyond it are not read.
MAX_SHEET_ROWS = 1_048_576


def open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValidationError(_("The file is not a valid Excel workbook (.xlsx).")) from exc


def check_sizes(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook whose members' declared sizes are not sane (a zip bomb).

    Python's zipfile never unpacks a member past its declared size, so these sizes bound
    what openpyxl can read.
    """
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_UNCOMPRESSED or (info.file_size > 10_000_000 and ratio > MAX_RATIO):
            raise ValidationError(
                _("The workbook unpacks to far more data than it holds (a “zip bomb”); refused.")
            )


def check_zip(data: bytes) -> zipfile.ZipFile:
    """Open a zip only when its members' declared sizes are sane (a zip bomb is refused)."""
    archive = open_zip(data)
    check_sizes(archive)
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


def _is_empty(values: tuple[object, ...]) -> bool:
    return values.count(None) == len(values) or not any(_cell(v).strip() for v in values)


def _header(sheet: Any) -> tuple[int, int]:
    """(row number, width) of the first non-empty row; (0, 0) for an empty sheet.

    The header's last non-empty cell sets the width every later row is cut to, so a stray
    value in column XFD of a data row costs nothing.
    """
    rows = sheet.iter_rows(max_col=MAX_COLUMNS + 1, max_row=MAX_SHEET_ROWS, values_only=True)
    for number, values in enumerate(rows, start=1):
        if _is_empty(values):
            continue
        width = max(i for i, v in enumerate(values, start=1) if _cell(v).strip())
        if width > MAX_COLUMNS:
            raise ValidationError(
                _("The sheet has more than %(max)d columns; at most %(max)d are supported.")
                % {"max": MAX_COLUMNS}
            )
        return number, width
    return 0, 0


def _too_large() -> ValidationError:
    return ValidationError(
        _(
            "The workbook has more than %(rows)s rows or %(cells)s cells; "
            "split it into smaller files."
        )
        % {
            "rows": number_format(MAX_ROWS, force_grouping=True),
            "cells": number_format(MAX_CELLS, force_grouping=True),
        }
    )


def _rows(sheet: Any, first: int, width: int) -> list[list[str]]:
    """The sheet as a table (row n at index n - 1), from row `first` on, cut to `width` cells.

    Empty rows share one empty list, and those after the last real row are never stored.
    """
    deadline = time.monotonic() + base.MAX_SECONDS
    empty: list[str] = []
    table: list[list[str]] = [empty] * (first - 1)
    pending = stored = 0
    rows = sheet.iter_rows(min_row=first, max_row=MAX_SHEET_ROWS, max_col=width, values_only=True)
    for number, values in enumerate(rows, start=1):
        if number % 1000 == 0 and time.monotonic() > deadline:
            raise base.too_slow()
        if _is_empty(values):
            pending += 1
            continue
        table.extend([empty] * pending)
        table.append([_cell(v) for v in values])
        pending, stored = 0, stored + 1
        if stored > MAX_ROWS or stored * width > MAX_CELLS:
            raise _too_large()
    return table


def read_table(data: bytes) -> list[list[str]]:
    """The rows of the first sheet as text; empty rows before the header are empty lists.

    Read row by row; the sheet's declared `<dimension>` is ignored (it may claim 16,384
    columns or omit real rows), rows and cells are bounded and so is the time.
    """
    import openpyxl

    check_zip(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise ValidationError(_("The workbook could not be opened: it seems damaged.")) from exc
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()
        first, width = _header(sheet)
        return _rows(sheet, first, width) if width else []
    finally:
        book.close()


def parse(data: bytes, mapping: dict[str, str] | None = None) -> ParseResult:
    """Read the first sheet; the first non-empty row is the header."""
    table = read_table(data)
    if not table:
        return ParseResult(format="xlsx", rows=[])
    header_index = next(i for i, r in enumerate(table) if r)
    headers = table[header_index]
    chosen = mapping or auto_mapping(headers)
    if not has_name(chosen):
        return ParseResult(
            format="xlsx", rows=[], headers=headers, needs_mapping=True, mapping=chosen
        )
    rows = rows_from_table(table, chosen, header_index=header_index, source="xlsx")
    return ParseResult(format="xlsx", rows=rows, headers=headers, mapping=chosen)
