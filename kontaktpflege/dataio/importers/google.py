"""Google Contacts CSV, current and legacy headers (` ::: ` multi-values, system labels)."""

from __future__ import annotations

from kontaktpflege.dataio.importers.base import (
    auto_mapping,
    check_columns,
    rows_from_table,
    sniff_rows,
)
from kontaktpflege.dataio.rows import ParseResult

_MARKERS = ("E-mail 1 - Value", "Phone 1 - Value", "Given Name", "Organization Name", "File As")


def looks_like(text: str) -> bool:
    head = text[:5000]
    return sum(marker in head for marker in _MARKERS) >= 2 or "Group Membership" in head


def parse(text: str) -> ParseResult:
    """Read a Google export; numbered groups are read by name, however many there are."""
    table = sniff_rows(text)
    if not table:
        return ParseResult(format="google", rows=[])
    headers = table[0]
    check_columns(headers)
    mapping = auto_mapping(headers)
    names = set(mapping.values())
    if {"first_name", "last_name"} & names:
        # The legacy "Name" column repeats given + family name; the parts win.
        mapping = {k: v for k, v in mapping.items() if v != "full_name"}
    rows = rows_from_table(table, mapping, header_index=0, source="google")
    return ParseResult(format="google", rows=rows, headers=headers, mapping=mapping)
