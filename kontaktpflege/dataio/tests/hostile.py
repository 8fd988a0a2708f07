"""Hostile uploads built byte by byte, for the bad-input and bounded-resources tests.

Each builder reproduces one denial-of-service report of issue #8 with a real file: a small
XLSX that declares a huge sheet, a vCard folded millions of times, a LinkedIn archive whose
Connections.csv unpacks past the import limit, and zip bombs.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

HEADER = ["First Name", "Last Name", "Email"]
PEOPLE = [["Anna", "Muster", "anna@example.org"], ["Ben", "Beispiel", "ben@example.org"]]


def _workbook(rows: list[list[str]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for cells in rows:
        book.active.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _replace_member(data: bytes, name: str, edit) -> bytes:
    """The same zip with one member's text changed by `edit`."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == name:
                content = edit(content.decode()).encode()
            target.writestr(info.filename, content)
    return out.getvalue()


def xlsx_with_huge_dimension(far_row: int = 20_000) -> bytes:
    """Two real rows, `<dimension ref="A1:XFD…"/>` and an empty `<row r="far_row"/>`."""

    def edit(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:XFD{far_row}"/>', xml)
        return xml.replace("</sheetData>", f'<row r="{far_row}"/></sheetData>')

    return _replace_member(_workbook([HEADER, *PEOPLE]), "xl/worksheets/sheet1.xml", edit)


def xlsx_with_far_cells(rows: int = 5_000) -> bytes:
    """A header of three columns, then rows that each hold one value in the last column XFD."""

    def edit(xml: str) -> str:
        far = "".join(
            f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>P{n}</t></is></c>'
            f'<c r="XFD{n}"><v>1</v></c></row>'
            for n in range(4, rows + 4)
        )
        return xml.replace("</sheetData>", far + "</sheetData>")

    return _replace_member(_workbook([HEADER, *PEOPLE]), "xl/worksheets/sheet1.xml", edit)


def xlsx_with_wide_header(columns: int = 600) -> bytes:
    """A header row of `columns` named columns and one person."""
    header = [f"Column {i}" for i in range(columns)]
    return _workbook([["First Name", *header], ["Anna", *["x"] * columns]])


def vcard_with_folded_note(folds: int = 3_000_000) -> bytes:
    """A good card, a card whose NOTE is folded `folds` times (about 4 bytes each), a good card."""
    good = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:{last};{first};;;\r\nFN:{first} {last}\r\nEND:VCARD\r\n"
    parts = [good.format(first="Anna", last="Vorher")]
    parts.append("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lang;Nora;;;\r\nFN:Nora Lang\r\nNOTE:x")
    parts.append("\r\n ab" * folds)
    parts.append("\r\nEND:VCARD\r\n")
    parts.append(good.format(first="Ben", last="Nachher"))
    return "".join(parts).encode()


LINKEDIN_HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"


def linkedin_csv(size: int) -> bytes:
    """A Connections.csv of about `size` bytes (distinct rows, as a real export has)."""
    rows = [LINKEDIN_HEADER]
    total, n = len(LINKEDIN_HEADER), 0
    while total < size:
        line = (
            f"Vorname{n},Nachname{n},https://www.linkedin.com/in/person-{n},"
            f"p{n}@example.org,Firma {n % 997} GmbH,Beraterin,07 Oct 2024\r\n"
        )
        rows.append(line)
        total += len(line)
        n += 1
    return "".join(rows).encode()


def linkedin_zip(csv: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Connections.csv", csv)
        archive.writestr("Invitations.csv", "From,To\r\n")
    return buffer.getvalue()


def linkedin_zip_bomb(size: int = 1024 * 1024 * 1024) -> bytes:
    """Connections.csv of `size` bytes: a header, then one row repeated (about 1 MB zipped)."""
    buffer = io.BytesIO()
    row = b"Anna,Muster,,,,,07 Oct 2024\r\n" * 4096
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("Connections.csv", "w") as member,
    ):
        member.write(LINKEDIN_HEADER.encode())
        for _ in range(size // len(row)):
            member.write(row)
    return buffer.getvalue()


def understate_sizes(data: bytes, declared: int) -> bytes:
    """The zip with every member's uncompressed size rewritten to `declared` bytes.

    The headers then lie: a reader that trusts them and inflates without a bound would
    unpack far more than it checked.
    """
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            # Local file header: uncompressed size at offset 22.
            struct.pack_into("<I", out, info.header_offset + 22, declared)
    start = 0
    while (start := out.find(b"PK\x01\x02", start)) >= 0:
        # Central directory entry: uncompressed size at offset 24.
        struct.pack_into("<I", out, start + 24, declared)
        start += 4
    return bytes(out)
