"""LinkedIn Connections.csv: current export with the Notes preamble, and older variants."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kontaktpflege.dataio.importers.base import (
    auto_mapping,
    check_columns,
    norm_header,
    rows_from_table,
    sniff_rows,
)
from kontaktpflege.dataio.rows import ParseResult

CURRENT = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
OLD = ["First Name", "Last Name", "Email Address", "Company", "Position", "Connected On"]
_MARKERS = {norm_header(h) for h in ("First Name", "Vorname")}
_DATE_MARKERS = {norm_header(h) for h in ("Connected On", "Verbunden am")}


def find_header(table: list[list[str]]) -> int | None:
    """The header row, found by its content within the first lines (never a fixed skip)."""
    for index, cells in enumerate(table[:15]):
        names = {norm_header(c) for c in cells}
        if names & _MARKERS and names & _DATE_MARKERS:
            return index
    return None


def looks_like(text: str) -> bool:
    head = text[:3000]
    return ("Connected On" in head or "Verbunden am" in head) and (
        "First Name" in head or "Vorname" in head
    )


def parse(text: str) -> ParseResult:
    """Read Connections.csv; without a header the column order of the export is assumed."""
    table = sniff_rows(text)
    header_index = find_header(table)
    if header_index is None:
        # Users sometimes strip preamble and header: fall back to the known column orders.
        width = max((len(r) for r in table), default=0)
        table = [CURRENT if width >= 7 else OLD, *table]
        header_index = 0
    headers = table[header_index]
    check_columns(headers)
    mapping = auto_mapping(headers)
    rows = rows_from_table(table, mapping, header_index=header_index, source="linkedin")
    for row in rows:
        if not row.display_name and row.connected_on:
            row.problems.append(
                _("No name: LinkedIn leaves hidden or deleted members empty except for the date.")
            )
    return ParseResult(format="linkedin", rows=rows, headers=headers, mapping=mapping)
