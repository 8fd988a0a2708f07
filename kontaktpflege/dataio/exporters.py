"""Exports of a (filtered) people list: CSV, XLSX and vCard 4.0 / 3.0.

Spreadsheet cells that start with = + - @ TAB or CR are prefixed with an apostrophe so no
spreadsheet runs them as formulas (CSV injection), and so is every = + - @ that follows a
; , | TAB CR or LF inside a cell (a spreadsheet splitting on `;` would otherwise start a new,
live cell there). CSV cells are always quoted. The importers remove those prefixes again.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from kontaktpflege.contacts.models import EmailAddress, Person, PhoneNumber, Tag
from kontaktpflege.contacts.validation import split_extension

COLUMNS = [
    "First Name",
    "Last Name",
    "Academic title",
    "Organisation",
    "Job Title",
    "Emails",
    "Phones",
    "LinkedIn",
    "Xing",
    "Website",
    "Birthday",
    "Location",
    "Tags",
    "Notes",
]
# A run of apostrophes before a formula start gets one more, so the importers' "remove one"
# gives back exactly what was exported (a note may itself hold "'=").
_LEADING = re.compile(r"^(?='*[=+\-@\t\r])")
_INNER = re.compile(r"([;,|\t\r\n])(?='*[=+\-@])")


def neutralise(value: str) -> str:
    """Make a cell inert for spreadsheets (OWASP CSV injection advice), also after separators."""
    return _LEADING.sub("'", _INNER.sub(r"\1'", value), count=1)


def people_for_export(qs: QuerySet[Person]) -> QuerySet[Person]:
    """The list's queryset with everything an export row needs, in a fixed number of queries."""
    qs = qs.select_related("organisation").prefetch_related(
        Prefetch("emails", queryset=EmailAddress.objects.order_by("-is_primary", "id")),
        Prefetch("phones", queryset=PhoneNumber.objects.order_by("-is_primary", "id")),
    )
    lookups = getattr(qs, "_prefetch_related_lookups", ())
    seen = {getattr(p, "prefetch_through", p) for p in lookups}
    if "tags" not in seen:  # person_list prefetches them already
        qs = qs.prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    return qs


def _birthday(p: Person) -> str:
    if not (p.birthday_day and p.birthday_month):
        return ""
    if p.birthday_year:
        return f"{p.birthday_year:04d}-{p.birthday_month:02d}-{p.birthday_day:02d}"
    return f"--{p.birthday_month:02d}-{p.birthday_day:02d}"


def person_row(p: Person) -> list[str]:
    """One person as the export's cells (multi-values joined with ` ::: ` like Google)."""
    return [
        p.first_name,
        p.last_name,
        p.academic_title,
        p.organisation.name if p.organisation else "",
        p.job_title,
        " ::: ".join(e.email for e in p.emails.all()),
        " ::: ".join(n.number for n in p.phones.all()),
        p.linkedin_url,
        p.xing_url,
        p.website,
        _birthday(p),
        p.location,
        " ::: ".join(t.name for t in p.tags.all()),
        p.notes,
    ]


def export_csv(people: Iterable[Person]) -> Iterator[str]:
    """CSV text in pieces (UTF-8 with BOM so Excel reads umlauts), for streaming."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(COLUMNS)
    yield "\ufeff" + buffer.getvalue()
    for person in people:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(c) for c in person_row(person)])
        yield buffer.getvalue()


def export_xlsx(people: Iterable[Person]) -> bytes:
    """An XLSX workbook; every cell is a string, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("People")
    sheet.append(COLUMNS)
    for person in people:
        cells = []
        for value in person_row(person):
            cell = WriteOnlyCell(sheet, value=neutralise(value))
            cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_csv(header: list[str], rows: Iterable[list[str]]) -> str:
    """Any table as CSV (BOM, every cell quoted and neutralised like the people export)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow([neutralise(c) for c in header])
    for row in rows:
        writer.writerow([neutralise(c) for c in row])
    return "\ufeff" + buffer.getvalue()


def table_xlsx(header: list[str], rows: Iterable[list[str]], *, title: str) -> bytes:
    """Any table as an XLSX sheet; every cell is a neutralised string, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    for row in [header, *rows]:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=neutralise(value))
            cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace("\n", "\\n")
        .replace("\r", "")
        .replace(",", "\\,")
        .replace(";", "\\;")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out: list[str] = []
    current = ""
    for ch in line:
        limit = 75 if not out else 74
        if len((current + ch).encode()) > limit:
            out.append(current)
            current = ""
        current += ch
    out.append(current)
    return "\r\n ".join(out)


def _vcard_lines(p: Person, version: str) -> list[str]:
    v4 = version == "4.0"
    lines = ["BEGIN:VCARD", f"VERSION:{version}", f"FN:{_escape(p.full_name)}"]
    names = [p.last_name, p.first_name, "", p.academic_title, ""]
    lines.append("N:" + ";".join(_escape(n) for n in names))
    if p.organisation:
        lines.append(f"ORG:{_escape(p.organisation.name)}")
    if p.job_title:
        lines.append(f"TITLE:{_escape(p.job_title)}")
    for i, e in enumerate(p.emails.all()):
        pref = (";PREF=1" if v4 else ";TYPE=INTERNET,pref") if i == 0 else ""
        lines.append(f"EMAIL{pref}:{e.email}")
    for i, n in enumerate(p.phones.all()):
        pref = (";PREF=1" if v4 else ";TYPE=pref") if i == 0 else ""
        lines.append(_tel_line(n.number, pref, v4))
    for url, kind in ((p.linkedin_url, "linkedin"), (p.xing_url, "xing"), (p.website, "home")):
        if url:
            lines.append(f"URL;TYPE={kind}:{url}")
    lines += _vcard_birthday(p, v4)
    if p.notes:
        lines.append(f"NOTE:{_escape(p.notes)}")
    tags = [t.name for t in p.tags.all()]
    if tags:
        lines.append("CATEGORIES:" + ",".join(_escape(t) for t in tags))
    if p.location:
        lines.append(f"ADR:;;;{_escape(p.location)};;;")
    lines.append("END:VCARD")
    return lines


def _tel_line(number: str, pref: str, v4: bool) -> str:
    """A TEL line; in 4.0 a tel: URI for an international number, text for one kept as
    written (a tel: URI without country code would need a phone-context)."""
    if not v4:
        return f"TEL{pref}:{_escape(number)}"
    main, ext = split_extension(number)
    if not main.startswith("+"):
        return f"TEL;VALUE=text{pref}:{_escape(number)}"
    dial = "".join(c for c in main if c.isdigit() or c == "+")
    return f"TEL;VALUE=uri{pref}:tel:{dial}" + (f";ext={ext}" if ext else "")


def _vcard_birthday(p: Person, v4: bool) -> list[str]:
    if not (p.birthday_day and p.birthday_month):
        return []
    if p.birthday_year:
        return [f"BDAY:{p.birthday_year:04d}{p.birthday_month:02d}{p.birthday_day:02d}"]
    if v4:
        return [f"BDAY:--{p.birthday_month:02d}{p.birthday_day:02d}"]
    # 3.0 has no "no year": Apple's convention, which Google and Android read too.
    return [f"BDAY;X-APPLE-OMIT-YEAR=1604:1604-{p.birthday_month:02d}-{p.birthday_day:02d}"]


def export_vcard(people: Iterable[Person], version: str = "4.0") -> Iterator[str]:
    """vCards (4.0, or 3.0 for old phones), CRLF line ends, folded at 75 octets."""
    for person in people:
        yield "".join(_fold(line) + "\r\n" for line in _vcard_lines(person, version))


EXPORT_FORMATS = ("csv", "xlsx", "vcard", "vcard3")


@dataclass(frozen=True)
class ExportFile:
    """An export ready to serve: its content (whole or in chunks), type and file name."""

    content: bytes | Iterator[str]
    content_type: str
    filename: str


def export_people(people: Iterable[Person], fmt: str, stamp: str) -> ExportFile:
    """People as CSV (default), XLSX or vCard 4.0 / 3.0, named `people-<stamp>.<ext>`."""
    if fmt == "xlsx":
        return ExportFile(
            export_xlsx(people),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"people-{stamp}.xlsx",
        )
    if fmt in ("vcard", "vcard3"):
        version = "3.0" if fmt == "vcard3" else "4.0"
        return ExportFile(
            export_vcard(people, version), "text/vcard; charset=utf-8", f"people-{stamp}.vcf"
        )
    return ExportFile(export_csv(people), "text/csv; charset=utf-8", f"people-{stamp}.csv")
