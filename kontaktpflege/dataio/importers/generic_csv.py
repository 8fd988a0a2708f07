"""Any CSV: columns matched by the alias table, or by a mapping the user chose."""

from __future__ import annotations

import hashlib

from kontaktpflege.dataio.importers.base import (
    auto_mapping,
    check_columns,
    guess_delimiter,
    has_name,
    looks_like_data,
    norm_header,
    rows_from_table,
    samples_of,
    sniff_rows,
)
from kontaktpflege.dataio.rows import ParseResult


def header_signature(headers: list[str]) -> str:
    """The same columns in the same order give the same signature (a remembered mapping)."""
    return hashlib.sha256("\x1f".join(norm_header(h) for h in headers).encode()).hexdigest()


def first_row(table: list[list[str]]) -> int:
    for index, cells in enumerate(table):
        if any(c.strip() for c in cells):
            return index
    return 0


def parse(
    text: str, mapping: dict[str, str] | None = None, *, source: str = "generic_csv"
) -> ParseResult:
    """Read a CSV; without a usable mapping the result asks for the mapping screen.

    A first row whose cells match no known column and hold an address, a link, a date or a
    number is data: the file has no header, its columns are named by number ("") and the
    first row is imported like every other.
    """
    table = sniff_rows(text)
    if not table:
        return ParseResult(format=source, rows=[])
    header_index = first_row(table)
    headers = table[header_index]
    check_columns(headers)
    if not auto_mapping(headers) and looks_like_data(headers):
        header_index -= 1
        headers = [""] * max(len(r) for r in table[header_index + 1 : header_index + 31])
        check_columns(headers)
    chosen = mapping or auto_mapping(headers)
    samples = samples_of(table[header_index + 1 : header_index + 4])
    if not has_name(chosen):
        return ParseResult(
            format=source,
            rows=[],
            headers=headers,
            needs_mapping=True,
            mapping=chosen,
            samples=samples,
        )
    delimiter = guess_delimiter(text)
    rows = rows_from_table(
        table,
        chosen,
        header_index=header_index,
        source=source,
        delimiter=delimiter,
        headers=headers,
    )
    return ParseResult(format=source, rows=rows, headers=headers, mapping=chosen, samples=samples)
