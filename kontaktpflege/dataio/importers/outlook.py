"""Outlook CSV in English and German (desktop ~92 columns, Outlook.com 61), cp1252."""

from __future__ import annotations

from kontaktpflege.dataio.importers.base import (
    auto_mapping,
    check_columns,
    norm_header,
    rows_from_table,
    sniff_rows,
)
from kontaktpflege.dataio.rows import ParseResult

_MARKERS = {
    norm_header(h)
    for h in (
        "E-mail Display Name",
        "Business Street",
        "E-Mail: Angezeigter Name",
        "Straße geschäftlich",
        "Mobiltelefon",
        "Weitere Vornamen",
        "Middle Name",
    )
}


def looks_like(headers: list[str]) -> bool:
    return len({norm_header(h) for h in headers} & _MARKERS) >= 2


def parse(text: str) -> ParseResult:
    """Read an Outlook export; X.500 addresses of Exchange contacts are dropped later."""
    table = sniff_rows(text)
    if not table:
        return ParseResult(format="outlook", rows=[])
    headers = table[0]
    check_columns(headers)
    mapping = auto_mapping(headers)
    rows = rows_from_table(table, mapping, header_index=0, source="outlook")
    return ParseResult(format="outlook", rows=rows, headers=headers, mapping=mapping)
