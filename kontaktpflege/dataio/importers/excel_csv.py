"""German Excel CSV: semicolons, cp1252 or UTF-8 with BOM, a `sep=;` first line."""

from __future__ import annotations

from kontaktpflege.dataio.importers import generic_csv
from kontaktpflege.dataio.rows import ParseResult


def looks_like(text: str) -> bool:
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    return first.strip().lower() == "sep=;" or first.count(";") > first.count(",")


def parse(text: str, mapping: dict[str, str] | None = None) -> ParseResult:
    """Delimiter, `sep=` and header aliases are handled by the shared CSV reader."""
    return generic_csv.parse(text, mapping, source="excel_csv")
