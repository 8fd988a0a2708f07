"""Shared CSV reading: delimiter sniffing, header aliases, dates, cell clean-up."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from contextvars import ContextVar

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kontaktpflege.core.text import strip_invisible
from kontaktpflege.dataio.rows import ImportRow

MAX_COLUMNS = 500
MAX_CELL = 100_000
# Backstop for parsers that are slow per item (openpyxl, vobject): the file is refused.
MAX_SECONDS = 60
MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
# Bidi, zero-width and BOM marks: invisible formatting at the edges of a value.
_EDGE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_FORMULA = re.compile(r"^=\s*[A-Za-z_][A-Za-z0-9_.]*\s*[(!]|^=\s*[A-Z]{1,3}\d+|^=\s*[-+\d]")
# The exporters' formula guard (see exporters.neutralise): one apostrophe is removed again.
_NEUTRALISED = re.compile(r"^'(?='*[=+\-@\t\r])")
_INNER_NEUTRALISED = re.compile(r"([;,|\t\r\n])'(?='*[=+\-@])")

# The local date, read once per table rather than once per cell (see rows_from_table).
_TABLE_DAY: ContextVar[dt.date | None] = ContextVar("table_day", default=None)


def _today() -> dt.date:
    return _TABLE_DAY.get() or timezone.localdate()


def tidy(value: str | None) -> str:
    """Remove surrounding whitespace and invisible marks; real text inside stays byte-exact."""
    text = (value or "").strip()
    if not text or (text[0] not in _EDGE and text[-1] not in _EDGE and text[0] != "'"):
        return text
    while text and (text[0] in _EDGE or text[0].isspace()):
        text = text[1:]
    while text and (text[-1] in _EDGE or text[-1].isspace()):
        text = text[:-1]
    return _NEUTRALISED.sub("", text)


def is_formula(value: str) -> bool:
    """A spreadsheet formula (=SUM(A1), =HYPERLINK(…)) rather than text."""
    return value[:1] == "=" and bool(_FORMULA.match(value))


def norm_header(value: str) -> str:
    """Header for alias matching: casefolded, without punctuation, parentheses and spaces."""
    text = unicodedata.normalize("NFKC", strip_invisible(value)).casefold()
    return re.sub(r"[\W_]+", "", text)


class Table(list[list[str]]):
    """CSV records with `lines`: the file line on which each record starts.

    A quoted cell may span lines and a `sep=` hint is dropped, so a record's index is not its
    line; messages name the line a spreadsheet or editor shows.
    """

    lines: list[int]

    def line_of(self, index: int) -> int:
        return self.lines[index] if index < len(getattr(self, "lines", ())) else index + 1


def sniff_rows(text: str) -> Table:
    """Parse CSV text: drop an Excel `sep=` hint, sniff the delimiter among , ; TAB."""
    lines = text.split("\n", 1)
    delimiter, skipped = "", 0
    first = lines[0].strip().lower()
    if first.startswith("sep=") and len(first) <= 6:
        delimiter = lines[0].strip()[4:5] or ","
        text = lines[1] if len(lines) > 1 else ""
        skipped = 1
    if not delimiter:
        delimiter = guess_delimiter(text)
    csv.field_size_limit(MAX_CELL * 10)
    table = Table()
    table.lines = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
        read = 0
        for record in reader:
            table.append(record)
            table.lines.append(read + 1 + skipped)
            read = reader.line_num
    except csv.Error as exc:
        raise ValidationError(_("The file could not be read as CSV: %(e)s") % {"e": exc}) from exc
    return table


def guess_delimiter(text: str) -> str:
    """The delimiter whose most common per-line count (above zero) occurs most often."""
    sample = [line for line in text[:20000].split("\n")[:30] if line.strip()]
    best, best_score = ",", 0
    for delim in (",", ";", "\t"):
        counts = Counter(line.count(delim) for line in sample if delim in line)
        if not counts:
            continue
        mode, freq = counts.most_common(1)[0]
        score = freq * 1000 + mode
        if score > best_score:
            best, best_score = delim, score
    return best


def unwrap_row(row: list[str], width: int, delimiter: str = ",") -> list[str]:
    """A spreadsheet round trip can wrap a whole row into one quoted field: re-parse it.

    Such rows may have a space before an inner quoted value (`,, "Acme, Inc",`), which only
    reads as one cell when initial spaces are skipped.
    """
    if len(row) == 1 and width > 1 and delimiter in row[0]:
        reader = csv.reader([row[0]], delimiter=delimiter, skipinitialspace=True)
        inner = next(reader, row)
        if len(inner) > 1:
            return inner
    return row


def too_slow() -> ValidationError:
    """The error of a file whose reading passed MAX_SECONDS."""
    return ValidationError(
        _("Reading the file took longer than %(s)d seconds, so it was stopped; split it up.")
        % {"s": MAX_SECONDS}
    )


def check_columns(header: list[str]) -> None:
    if len(header) > MAX_COLUMNS:
        raise ValidationError(
            _("The file has %(n)d columns; at most %(max)d are supported.")
            % {"n": len(header), "max": MAX_COLUMNS}
        )


def parse_date(value: str, formats: tuple[str, ...] = ()) -> dt.date | None:
    """Parse a date with an explicit list of formats (never the locale); None if empty."""
    text = tidy(value)
    if not text or text in ("0.0.00", "1/0/00", "00.00.0000"):
        return None
    match = re.fullmatch(r"(\d{1,2})[ -]([A-Za-z]{3})[a-z]*[ -](\d{4})", text)
    if match and match.group(2).lower() in MONTHS:
        return dt.date(int(match.group(3)), MONTHS[match.group(2).lower()], int(match.group(1)))
    for fmt in (*formats, "%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%m/%d/%Y", "%m/%d/%y", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text.split(",")[0].split(" ")[0], fmt).date()  # noqa: DTZ007
        except ValueError:
            continue
    raise ValueError(text)


def parse_birthday(value: str, row: ImportRow) -> None:
    """Fill a row's birthday from the many spellings in the wild; no year stays no year."""
    text = tidy(value)
    if not text or text in ("0.0.00", "1/0/00"):
        return
    match = re.fullmatch(r"--(\d{2})-?(\d{2})", text)
    if match:
        row.birthday_month, row.birthday_day = int(match.group(1)), int(match.group(2))
        return
    try:
        date = parse_date(text.split("T")[0])
    except ValueError:
        row.problems.append(_("The birthday “%(v)s” is not a date.") % {"v": text[:40]})
        return
    if date is None:
        return
    row.birthday_day, row.birthday_month = date.day, date.month
    # 1604 is Apple's "no year"; other years outside the plausible range are dropped too.
    row.birthday_year = date.year if 1900 <= date.year <= _today().year else None


def split_multi(value: str) -> list[str]:
    """Google's ` ::: ` multi-values (and our own export's)."""
    return [v for v in (tidy(p) for p in value.split(":::")) if v]


FieldSetter = Callable[[ImportRow, str], None]


def _append(attr: str) -> FieldSetter:
    def setter(row: ImportRow, value: str) -> None:
        for part in split_multi(value):
            if part not in getattr(row, attr):
                getattr(row, attr).append(part)

    return setter


def _text(attr: str) -> FieldSetter:
    def setter(row: ImportRow, value: str) -> None:
        if value and not getattr(row, attr):
            setattr(row, attr, tidy(value))

    return setter


def _title(row: ImportRow, value: str) -> None:
    # Outlook's "Title" is the salutation; only academic titles are worth keeping.
    text = tidy(value)
    if re.search(r"\b(dr|prof|dipl)\b", text, re.IGNORECASE) and not row.academic_title:
        row.academic_title = text


# Groups Google and Android add to every contact or to favourites: not the user's tags.
SYSTEM_GROUPS = {"mycontacts", "starred", "starredinandroid"}


def is_system_group(name: str) -> bool:
    """Google's "* myContacts", "* starred", Android's "My Contacts", "Starred in Android"."""
    return name.startswith("*") or norm_header(name) in SYSTEM_GROUPS


def _tags(row: ImportRow, value: str) -> None:
    parts = value.split(":::") if ":::" in value else re.split(r"[;,]", value)
    for part in (tidy(p) for p in parts):
        if part and not is_system_group(part) and part not in row.tags:
            row.tags.append(part[:60])


def _notes(row: ImportRow, value: str) -> None:
    text = _NEUTRALISED.sub("", value.strip())
    if text:
        row.notes = f"{row.notes}\n\n{text}" if row.notes else text


def _url(row: ImportRow, value: str) -> None:
    for part in split_multi(value):
        row.add_url(part)


def _birthday(row: ImportRow, value: str) -> None:
    parse_birthday(value, row)


def _connected(row: ImportRow, value: str) -> None:
    # One bad "Connected On" cell costs the date, never the contact (issue #10, point 1).
    try:
        date = parse_date(value, ("%m/%d/%y", "%d %b %Y"))
    except ValueError:
        row.warnings.append(
            _("“Connected on” “%(v)s” is not a date; the date was left out.")
            % {"v": tidy(value)[:40]}
        )
        return
    if date is not None and not (dt.date(1900, 1, 1) <= date <= _today() + dt.timedelta(days=1)):
        row.warnings.append(
            _("“Connected on” %(d)s lies in the future or before 1900; the date was left out.")
            % {"d": date.isoformat()}
        )
        return
    row.connected_on = date


def _full_name(row: ImportRow, value: str) -> None:
    text = tidy(value)
    if text and not (row.first_name or row.last_name):
        first, _sep, last = text.rpartition(" ")
        row.first_name, row.last_name = (first, last) if first else ("", last)


# LinkedIn writes " -" for members without a company; a dash is no organisation.
_PLACEHOLDERS = {"-", "--", "---", "–", "—", "n/a"}


_set_organisation = _text("organisation")


def _organisation(row: ImportRow, value: str) -> None:
    text = tidy(value)
    if text.casefold() not in _PLACEHOLDERS:
        _set_organisation(row, text)


SETTERS: dict[str, FieldSetter] = {
    "first_name": _text("first_name"),
    "last_name": _text("last_name"),
    "full_name": _full_name,
    "academic_title": _title,
    "organisation": _organisation,
    "job_title": _text("job_title"),
    "emails": _append("emails"),
    "phones": _append("phones"),
    "birthday": _birthday,
    "notes": _notes,
    "tags": _tags,
    "url": _url,
    "location": _text("location"),
    "connected_on": _connected,
}
FIELD_LABELS = {
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "full_name": gettext_lazy("Full name"),
    "academic_title": gettext_lazy("Academic title"),
    "organisation": gettext_lazy("Organisation"),
    "job_title": gettext_lazy("Job title"),
    "emails": gettext_lazy("Email"),
    "phones": gettext_lazy("Phone"),
    "birthday": gettext_lazy("Birthday"),
    "notes": gettext_lazy("Notes"),
    "tags": gettext_lazy("Tags"),
    "url": gettext_lazy("Web address / profile"),
    "location": gettext_lazy("Location"),
    "connected_on": gettext_lazy("Connected on"),
}

ALIASES: dict[str, str] = {
    norm_header(k): v
    for k, v in {
        # English (LinkedIn, Google, Outlook, our own export)
        "First Name": "first_name",
        "Given Name": "first_name",
        "Last Name": "last_name",
        "Family Name": "last_name",
        "Surname": "last_name",
        "Name": "full_name",
        "Full Name": "full_name",
        "Title": "academic_title",
        "Name Prefix": "academic_title",
        "Academic title": "academic_title",
        "Company": "organisation",
        "Organization": "organisation",
        "Organisation": "organisation",
        "Organization Name": "organisation",
        "Organization 1 - Name": "organisation",
        "Position": "job_title",
        "Job Title": "job_title",
        "Organization Title": "job_title",
        "Organization 1 - Title": "job_title",
        "Email": "emails",
        "Emails": "emails",
        "E-mail": "emails",
        "Email Address": "emails",
        "E-mail Address": "emails",
        "E-mail 2 Address": "emails",
        "E-mail 3 Address": "emails",
        "Phone": "phones",
        "Phones": "phones",
        "Mobile": "phones",
        "Mobile Phone": "phones",
        "Business Phone": "phones",
        "Business Phone 2": "phones",
        "Home Phone": "phones",
        "Home Phone 2": "phones",
        "Primary Phone": "phones",
        "Company Main Phone": "phones",
        "Other Phone": "phones",
        "Birthday": "birthday",
        "Notes": "notes",
        "Labels": "tags",
        "Group Membership": "tags",
        "Categories": "tags",
        "Tags": "tags",
        "URL": "url",
        "Web Page": "url",
        "Website": "url",
        "Personal Web Page": "url",
        "LinkedIn": "url",
        "Xing": "url",
        "Location": "location",
        "City": "location",
        "Business City": "location",
        "Home City": "location",
        "Ort geschäftlich": "location",
        "Ort privat": "location",
        "Connected On": "connected_on",
        # German (Outlook, LinkedIn alias, Excel lists)
        "Vorname": "first_name",
        "Nachname": "last_name",
        "Anrede": "academic_title",
        "Titel": "academic_title",
        "Firma": "organisation",
        "Unternehmen": "organisation",
        "Organisation ": "organisation",
        "Funktion": "job_title",
        "Berufsbezeichnung": "job_title",
        "E-Mail-Adresse": "emails",
        "E-Mail": "emails",
        "E-Mail 2: Adresse": "emails",
        "E-Mail 3: Adresse": "emails",
        "Telefon": "phones",
        "Mobiltelefon": "phones",
        "Handy": "phones",
        "Telefon geschäftlich": "phones",
        "Telefon geschäftlich 2": "phones",
        "Telefon privat": "phones",
        "Telefon privat 2": "phones",
        "Haupttelefon": "phones",
        "Geburtstag": "birthday",
        "Notizen": "notes",
        "Bemerkung": "notes",
        "Kategorien": "tags",
        "Webseite": "url",
        "Ort": "location",
        "Stadt": "location",
        "Verbunden am": "connected_on",
    }.items()
}
_NUMBERED = [
    (re.compile(r"^email\d+value$"), "emails"),
    (re.compile(r"^phone\d+value$"), "phones"),
    (re.compile(r"^website\d+value$"), "url"),
    (re.compile(r"^organization\d+name$"), "organisation"),
    (re.compile(r"^address\d+city$"), "location"),
    (re.compile(r"^organization\d+title$"), "job_title"),
]


def alias_for(header: str) -> str:
    """The field a header maps to by the alias table, or ''."""
    key = norm_header(header)
    if key in ALIASES:
        return ALIASES[key]
    for pattern, target in _NUMBERED:
        if pattern.match(key):
            return target
    return ""


def auto_mapping(headers: list[str]) -> dict[str, str]:
    """Column index (as text) → field for every header the alias table knows."""
    return {str(i): f for i, h in enumerate(headers) if (f := alias_for(h))}


_DATA_CELL = re.compile(
    r"[^@\s]+@[^@\s]+\.\w+|https?://|www\."  # an address or a link
    r"|\d{1,2} [A-Za-z]{3} \d{4}|\d{1,4}[./-]\d{1,2}[./-]\d{2,4}"  # a date
    r"|\+?\d[\d ()/-]{5,}"  # a phone number
)


def looks_like_data(cells: list[str]) -> bool:
    """A first row that holds an address, a link, a date or a number is data, not a header."""
    return any(_DATA_CELL.search(cell) for cell in cells)


def samples_of(rows: list[list[str]]) -> list[list[str]]:
    """The first three rows, cut short, to show next to each column on the mapping screen."""
    return [[cell[:80] for cell in cells[:MAX_COLUMNS]] for cells in rows[:3]]


def has_name(mapping: dict[str, str]) -> bool:
    return bool({"first_name", "last_name", "full_name"} & set(mapping.values()))


def row_from_cells(
    cells: list[str], mapping: dict[str, str], *, line: int, source: str, headers: list[str]
) -> ImportRow:
    """Build an ImportRow from cells through a column → field mapping."""
    row = ImportRow(line=line, source=source)
    for index_text, field in mapping.items():
        index = int(index_text)
        value = cells[index] if index < len(cells) else ""
        if not value or field not in SETTERS:
            continue
        if len(value) > MAX_CELL:
            row.problems.append(_("A cell is longer than 100,000 characters."))
            continue
        if is_formula(value.strip()):
            row.problems.append(
                _("The column “%(c)s” holds a spreadsheet formula (%(v)s), not a value.")
                % {"c": headers[index][:40] if index < len(headers) else index, "v": value[:30]}
            )
            continue
        if "'" in value:
            value = _INNER_NEUTRALISED.sub(r"\1", value)
        SETTERS[field](row, value)
    return row


def rows_from_table(
    table: list[list[str]],
    mapping: dict[str, str],
    *,
    header_index: int,
    source: str,
    delimiter: str = ",",
    headers: list[str] | None = None,
) -> list[ImportRow]:
    """Every non-empty data row below the header, through the mapping.

    `header_index=-1` reads a file without a header row; `headers` then names its columns.
    Row numbers are the file's own lines when the table knows them (see Table).
    """
    if headers is None:
        headers = table[header_index]
    rows = []
    day = _TABLE_DAY.set(timezone.localdate())
    try:
        for index in range(header_index + 1, len(table)):
            cells = unwrap_row(table[index], len(headers), delimiter)
            if not any(c.strip() for c in cells):
                continue
            line = table.line_of(index) if isinstance(table, Table) else index + 1
            rows.append(row_from_cells(cells, mapping, line=line, source=source, headers=headers))
    finally:
        _TABLE_DAY.reset(day)
    return rows
