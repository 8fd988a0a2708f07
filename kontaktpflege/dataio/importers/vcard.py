"""vCard 2.1, 3.0 and 4.0: decoded as a whole, split card by card, parsed with vobject.

One broken card (no END, unreadable lines) becomes one invalid row; the others import.
"""

from __future__ import annotations

import logging
import quopri
import re

import vobject
from django.utils.translation import gettext as _

from kontaktpflege.dataio.importers.base import parse_birthday, tidy
from kontaktpflege.dataio.rows import ImportRow, ParseResult

logging.getLogger("vobject.base").setLevel(logging.CRITICAL)
_QP = re.compile(r"ENCODING=QUOTED-PRINTABLE|;QUOTED-PRINTABLE", re.IGNORECASE)
_CHARSET = re.compile(r"CHARSET=([\w\-]+)", re.IGNORECASE)
# Photos are not stored; dropping them early keeps vobject away from odd base64 and data URIs.
_PHOTO = re.compile(r"^(?:[\w-]+\.)?(PHOTO|LOGO|SOUND|KEY)[;:]", re.IGNORECASE)


def looks_like(text: str) -> bool:
    return "BEGIN:VCARD" in text[:2000].upper()


def _join_soft_breaks(lines: list[str]) -> list[str]:
    """Quoted-printable soft line breaks (`=` at the end) continue on the next line."""
    out: list[str] = []
    joining = False
    for line in lines:
        if joining and out:
            out[-1] = out[-1][:-1] + line
        else:
            out.append(line)
        joining = bool(_QP.search(out[-1].split(":", 1)[0])) and out[-1].endswith("=")
    return out


def _unfold(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if line[:1] in (" ", "\t") and out:
            out[-1] += line[1:]
        elif line.strip():
            out.append(line)
    return out


def _decode_qp(line: str) -> str:
    """Decode a quoted-printable value ourselves, honouring its CHARSET (cp1252 if none)."""
    head, _sep, value = line.partition(":")
    if not _QP.search(head):
        return line
    charset = _CHARSET.search(head)
    raw = quopri.decodestring(value.encode("latin-1", errors="replace"))
    codec = charset.group(1) if charset else "utf-8"
    try:
        text = raw.decode(codec)
    except (LookupError, UnicodeDecodeError):
        text = raw.decode("cp1252", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    head = _QP.sub("", head)
    head = _CHARSET.sub("", head).replace(";;", ";").rstrip(";")
    return f"{head}:{text}"


def split_cards(text: str) -> list[tuple[int, list[str] | None]]:
    """(line number, lines) per card; lines is None for a card that never ends."""
    cards: list[tuple[int, list[str] | None]] = []
    current: list[str] | None = None
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            if current is not None:
                cards.append((start, None))
            current, start = [line.rstrip()], number
        elif upper == "END:VCARD" and current is not None:
            current.append("END:VCARD")
            cards.append((start, current))
            current = None
        elif current is not None:
            current.append(line.rstrip("\r"))
    if current is not None:
        cards.append((start, None))
    return cards


_SINGLE_TEXT = re.compile(r"^(?:[\w-]+\.)?(NOTE|FN|TITLE|ROLE|ORG)[;:]", re.IGNORECASE)
_BARE_COMMA = re.compile(r"(?<!\\),")


def _escape_commas(line: str) -> str:
    """vobject cuts NOTE, ORG … at a bare comma (common in the wild): escape it first."""
    if not _SINGLE_TEXT.match(line):
        return line
    head, sep, value = line.partition(":")
    return head + sep + _BARE_COMMA.sub(lambda _m: "\\,", value)


def _prepare(lines: list[str]) -> str:
    lines = _unfold(_join_soft_breaks(lines))
    kept = [_escape_commas(_decode_qp(line)) for line in lines if not _PHOTO.match(line)]
    return "\r\n".join(kept) + "\r\n"


def _values(card: vobject.base.Component, name: str) -> list[vobject.base.ContentLine]:
    return list(card.contents.get(name, []))


def _text(value: object) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return tidy(str(value or "").replace("\\,", ",").replace("\\;", ";"))


def _fill_names(row: ImportRow, card: vobject.base.Component) -> None:
    for line in _values(card, "n")[:1]:
        name = line.value
        if isinstance(name, vobject.vcard.Name):
            row.first_name, row.last_name = _text(name.given), _text(name.family)
            prefix = _text(name.prefix)
            if re.search(r"\b(dr|prof)\b", prefix, re.IGNORECASE):
                row.academic_title = prefix
    if not row.display_name:
        for line in _values(card, "fn")[:1]:
            first, _sep, last = _text(line.value).rpartition(" ")
            row.first_name, row.last_name = first, last


def _fill_org(row: ImportRow, card: vobject.base.Component) -> None:
    for line in _values(card, "org")[:1]:
        value = line.value
        row.organisation = _text(value[0] if isinstance(value, list) and value else value)
    for line in _values(card, "title")[:1]:
        row.job_title = _text(line.value)


def _fill_birthday(row: ImportRow, card: vobject.base.Component) -> None:
    for line in _values(card, "bday")[:1]:
        value = _text(line.value)
        before = len(row.problems)
        parse_birthday(value, row)
        if len(row.problems) > before:  # a text birthday ("circa 1800") is noted, not fatal
            row.warnings.append(row.problems.pop())
        if row.birthday_year == 1604 or line.params.get("X-APPLE-OMIT-YEAR"):
            row.birthday_year = None


def _fill_rest(row: ImportRow, card: vobject.base.Component) -> None:
    for line in _values(card, "email"):
        if (value := _text(line.value)) and value not in row.emails:
            row.emails.append(value)
    for line in _values(card, "tel"):
        if (value := _text(line.value)) and value not in row.phones:
            row.phones.append(value.removeprefix("tel:"))
    for name in ("url", "x-socialprofile"):
        for line in _values(card, name):
            row.add_url(_text(line.value).replace("\\:", ":"))
    for line in _values(card, "note")[:1]:
        row.notes = str(line.value or "").strip()
    for line in _values(card, "categories"):
        values = line.value if isinstance(line.value, list) else str(line.value).split(",")
        row.tags.extend(t for v in values if (t := _text(v)) and t not in row.tags)
    for line in _values(card, "adr")[:1]:
        city = getattr(line.value, "city", "")
        row.location = _text(city)


def parse_card(lines: list[str], line_number: int) -> ImportRow:
    """One card → one row; an unreadable card becomes a row with its problem."""
    row = ImportRow(line=line_number, source="vcard")
    try:
        card = vobject.readOne(_prepare(lines), ignoreUnreadable=True)
    except Exception as exc:  # vobject raises a zoo of errors for broken input
        row.problems.append(_("This card could not be read: %(e)s") % {"e": str(exc)[:120]})
        return row
    _fill_names(row, card)
    _fill_org(row, card)
    _fill_birthday(row, card)
    _fill_rest(row, card)
    return row


def parse(text: str) -> ParseResult:
    """Every card of the file, in order."""
    rows = []
    for line_number, lines in split_cards(text):
        if lines is None:
            row = ImportRow(line=line_number, source="vcard")
            row.problems.append(
                _("The card starting on line %(n)d has no END:VCARD line, so it was not read.")
                % {"n": line_number}
            )
            rows.append(row)
        else:
            rows.append(parse_card(lines, line_number))
    return ParseResult(format="vcard", rows=rows)
