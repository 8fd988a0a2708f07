"""LinkedIn Connections.csv: current export with the Notes preamble, older variants, and
files that lost their header."""

from __future__ import annotations

import re
from collections import Counter

from django.utils.translation import gettext as _

from kontaktpflege.dataio.importers.base import (
    Table,
    auto_mapping,
    check_columns,
    norm_header,
    rows_from_table,
    samples_of,
    sniff_rows,
    unwrap_row,
)
from kontaktpflege.dataio.rows import ParseResult

CURRENT = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
OLD = ["First Name", "Last Name", "Email Address", "Company", "Position", "Connected On"]
_MARKERS = {norm_header(h) for h in ("First Name", "Vorname")}
_DATE_MARKERS = {norm_header(h) for h in ("Connected On", "Verbunden am")}
# "07 Oct 2024" (2019 on) or "1/8/18, 6:14 PM" (2018): the last cell of every export row.
_CONNECTED = re.compile(r"\d{1,2} [A-Za-z]{3} \d{4}|\d{1,2}/\d{1,2}/\d{2,4}(, .*)?")
_SAMPLE = 30
_ONE_LINE = ("first_name", "last_name", "organisation", "job_title")
_NEWLINES = re.compile(r"[ \t]*\n\s*")


def find_header(table: list[list[str]]) -> int | None:
    """The header row, found by its content within the first lines (never a fixed skip)."""
    for index, cells in enumerate(table[:15]):
        names = {norm_header(c) for c in cells}
        if names & _MARKERS and names & _DATE_MARKERS:
            return index
    return None


def headerless_columns(table: list[list[str]]) -> list[str] | None:
    """The columns of an export whose preamble and header were stripped, or None.

    The first row and most of the following ones (wrapped rows unwrapped) must have the
    export's 6 or 7 cells and end in a LinkedIn date; the 7-cell layout holds a profile
    address or nothing third. A header row in front of such rows is no match.
    """
    sample = [r for r in table[:_SAMPLE] if any(c.strip() for c in r)]
    widths = [_export_width(cells) for cells in sample]
    if not widths or not widths[0]:
        return None
    width, count = Counter(w for w in widths if w).most_common(1)[0]
    if count * 2 <= len(sample):
        return None
    return CURRENT if width == 7 else OLD


def _export_width(cells: list[str]) -> int:
    """6 or 7 if the row has the shape of an export row, else 0."""
    cells = unwrap_row(cells, 6)
    if len(cells) not in (6, 7) or not _CONNECTED.fullmatch(cells[-1].strip()):
        return 0
    url = cells[2].strip().lower()
    return len(cells) if len(cells) == 6 or not url or "linkedin.com/" in url else 0


def looks_like(text: str) -> bool:
    head = text[:3000]
    if ("Connected On" in head or "Verbunden am" in head) and (
        "First Name" in head or "Vorname" in head
    ):
        return True
    return headerless_columns(sniff_rows(text[:20000].rsplit("\n", 1)[0])) is not None


def parse(text: str, mapping: dict[str, str] | None = None) -> ParseResult:
    """Read Connections.csv; without a header the column order of the export is assumed,
    and every row (the first one too) is data."""
    table = sniff_rows(text)
    header_index = find_header(table)
    if header_index is not None:
        headers = table[header_index]
    else:
        header_index = -1
        headers = headerless_columns(table) or _widest(table)
    check_columns(headers)
    chosen = mapping or auto_mapping(headers)
    rows = rows_from_table(
        table, chosen, header_index=header_index, source="linkedin", headers=headers
    )
    for row in rows:
        for name in _ONE_LINE:  # a cell wrapped over lines in a spreadsheet is one value
            setattr(row, name, _NEWLINES.sub(" ", getattr(row, name)))
        if not row.display_name and row.connected_on:
            row.problems.append(
                _("No name: LinkedIn leaves hidden or deleted members empty except for the date.")
            )
    data = [r for r in table[header_index + 1 :] if any(c.strip() for c in r)][:3]
    samples = samples_of([unwrap_row(r, len(headers)) for r in data])
    return ParseResult(
        format="linkedin", rows=rows, headers=headers, mapping=chosen, samples=samples
    )


def _widest(table: Table) -> list[str]:
    width = max((len(unwrap_row(r, 6)) for r in table), default=0)
    return CURRENT if width >= 7 else OLD
