"""vCard 2.1, 3.0 and 4.0: decoded as a whole, split card by card, parsed with vobject.

One broken card (no END, unreadable lines, larger than MAX_CARD) becomes one invalid row;
the others import. Lines are read one at a time and unfolded in linear time.
"""

from __future__ import annotations

import logging
import quopri
import re
import time
from collections.abc import Iterator

import vobject
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kontaktpflege.dataio.importers import base
from kontaktpflege.dataio.importers.base import parse_birthday, tidy
from kontaktpflege.dataio.rows import ImportRow, ParseResult

logging.getLogger("vobject.base").setLevel(logging.CRITICAL)
_QP = re.compile(r"ENCODING=QUOTED-PRINTABLE|;QUOTED-PRINTABLE", re.IGNORECASE)
_CHARSET = re.compile(r"CHARSET=([\w\-]+)", re.IGNORECASE)
# Photos are not stored; dropping them early keeps vobject away from odd base64 and data URIs.
_PHOTO = re.compile(r"^(?:[\w-]+\.)?(PHOTO|LOGO|SOUND|KEY)[;:]", re.IGNORECASE)
# One card's text without photos; a longer one (a NOTE folded millions of times) is refused.
MAX_CARD = 100_000


def looks_like(text: str) -> bool:
    return "BEGIN:VCARD" in text[:2000].upper()


def _join_soft_breaks(lines: list[str]) -> list[str]:
    """Quoted-printable soft line breaks (`=` at the end) continue on the next line."""
    out: list[str] = []
    parts: list[str] = []  # pieces of the line being joined: one join, never a quadratic +=
    quoted = False
    for line in lines:
        if parts:
            parts[-1] = parts[-1][:-1]
            parts.append(line)
        else:
            parts = [line]
            quoted = bool(_QP.search(line.split(":", 1)[0]))
        if not (quoted and line.endswith("=")):
            out.append("".join(parts))
            parts = []
    if parts:
        out.append("".join(parts))
    return out


def _unfold(lines: list[str]) -> list[str]:
    """A line starting with a space or TAB continues the previous one (RFC 6350 3.2)."""
    out: list[str] = []
    parts: list[str] = []
    for line in lines:
        if line[:1] in (" ", "\t") and parts:
            parts.append(line[1:])
        elif line.strip():
            if parts:
                out.append("".join(parts))
            parts = [line]
    if parts:
        out.append("".join(parts))
    return out


def _card_charset(lines: list[str]) -> str:
    """The first CHARSET a property of the card declares: the card's charset."""
    for line in lines:
        if match := _CHARSET.search(line.split(":", 1)[0]):
            return match.group(1)
    return ""


def _decode_qp(line: str, card_charset: str, guesses: list[str]) -> str:
    """Decode a quoted-printable value ourselves, honouring its CHARSET or the card's.

    Without either, valid UTF-8 is read as UTF-8; other bytes are read as Windows-1252
    and the value is added to `guesses`, so the preview can show it.
    """
    head, _sep, value = line.partition(":")
    if not _QP.search(head):
        return line
    charset = _CHARSET.search(head)
    raw = quopri.decodestring(value.encode("latin-1", errors="replace"))
    codec = charset.group(1) if charset else card_charset or "utf-8"
    try:
        text = raw.decode(codec)
    except (LookupError, UnicodeDecodeError):
        text = raw.decode("cp1252", errors="replace")
        if not (charset or card_charset):
            guesses.append(" ".join(text.replace(";", " ").split())[:60])
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    head = _QP.sub("", head)
    head = _CHARSET.sub("", head).replace(";;", ";").rstrip(";")
    return f"{head}:{text}"


_MARKER = re.compile(r"^[^\S\n]*(BEGIN|END):VCARD[^\S\n]*$", re.IGNORECASE | re.MULTILINE)


def _lines(text: str, start: int, end: int) -> Iterator[str]:
    """The lines of text[start:end] one by one, without a list of them all."""
    if start > end:
        return
    while (stop := text.find("\n", start, end)) >= 0:
        yield text[start:stop]
        start = stop + 1
    yield text[start:end]


def _card_lines(text: str, start: int, end: int) -> list[str] | None:
    """The lines between BEGIN and END without photos; None past MAX_CARD characters."""
    lines: list[str] = []
    size, in_photo = 0, False
    for line in _lines(text, start, end):
        # A photo's data (folded, or base64 lines without a colon) is never kept.
        if in_photo and (line[:1] in (" ", "\t") or ":" not in line):
            continue
        in_photo = bool(_PHOTO.match(line))
        if in_photo:
            continue
        size += len(line) + 1
        if size > MAX_CARD:
            return None
        lines.append(line.rstrip("\r"))
    return lines


def split_cards(text: str) -> Iterator[tuple[int, list[str] | None, str]]:
    """(line number, lines, problem) per card; lines is None for a card that is not read.

    BEGIN and END are found by a regular expression, so a huge card costs no per-line work
    beyond MAX_CARD characters.
    """
    begin: re.Match[str] | None = None
    number, begin_line, counted = 1, 0, 0
    for marker in _MARKER.finditer(text):
        number += text.count("\n", counted, marker.start())
        counted = marker.start()
        if marker.group(1).upper() == "BEGIN":
            if begin is not None:
                yield begin_line, None, _no_end(begin_line)
            begin, begin_line = marker, number
        elif begin is not None:
            lines = _card_lines(text, begin.end() + 1, marker.start() - 1)
            if lines is None:
                yield begin_line, None, _too_large(begin_line)
            else:
                yield begin_line, [begin.group().rstrip(), *lines, "END:VCARD"], ""
            begin = None
    if begin is not None:
        yield begin_line, None, _no_end(begin_line)


def _no_end(line_number: int) -> str:
    return _("The card starting on line %(n)d has no END:VCARD line, so it was not read.") % {
        "n": line_number
    }


def _too_large(line_number: int) -> str:
    return _(
        "The card starting on line %(n)d is longer than %(max)s characters without its "
        "photo, so it was not read."
    ) % {"n": line_number, "max": number_format(MAX_CARD, force_grouping=True)}


_SINGLE_TEXT = re.compile(r"^(?:[\w-]+\.)?(NOTE|FN|TITLE|ROLE|ORG)[;:]", re.IGNORECASE)
_BARE_COMMA = re.compile(r"(?<!\\),")


def _escape_commas(line: str) -> str:
    """vobject cuts NOTE, ORG … at a bare comma (common in the wild): escape it first."""
    if not _SINGLE_TEXT.match(line):
        return line
    head, sep, value = line.partition(":")
    return head + sep + _BARE_COMMA.sub(lambda _m: "\\,", value)


def _prepare(lines: list[str]) -> tuple[str, list[str]]:
    """The card's text for vobject, and the values whose charset had to be guessed."""
    lines = _unfold(_join_soft_breaks(lines))
    charset, guesses = _card_charset(lines), list[str]()
    kept = [
        _escape_commas(_decode_qp(line, charset, guesses))
        for line in lines
        if not _PHOTO.match(line)
    ]
    return "\r\n".join(kept) + "\r\n", guesses


def _guess_warning(guesses: list[str]) -> str:
    return _(
        "Quoted-printable text on this card declares no character set; it was read as "
        "Windows-1252: %(values)s. Check the spelling before importing."
    ) % {"values": ", ".join(f"“{g}”" for g in guesses)}


def _values(card: vobject.base.Component, name: str) -> list[vobject.base.ContentLine]:
    return list(card.contents.get(name, []))


def _text(value: object) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return tidy(str(value or "").replace("\\,", ",").replace("\\;", ";"))


def _n_parts(card: vobject.base.Component) -> tuple[str, str, str]:
    """(given, family, prefix) of the first N, empty when there is none."""
    for line in _values(card, "n")[:1]:
        name = line.value
        if isinstance(name, vobject.vcard.Name):
            return _text(name.given), _text(name.family), _text(name.prefix)
    return "", "", ""


def _org_name(card: vobject.base.Component) -> str:
    for line in _values(card, "org")[:1]:
        value = line.value
        return _text(value[0] if isinstance(value, list) and value else value)
    return ""


def _is_company(card: vobject.base.Component, organisation: str, full_name: str) -> bool:
    """A company card: no personal name, and FN empty or equal to ORG (or X-ABShowAs)."""
    given, family, _prefix = _n_parts(card)
    if not organisation or given or family:
        return False
    show_as = {_text(line.value).upper() for line in _values(card, "x-abshowas")}
    return "COMPANY" in show_as or full_name in ("", organisation)


def _fill_names(row: ImportRow, card: vobject.base.Component) -> None:
    row.first_name, row.last_name, prefix = _n_parts(card)
    if re.search(r"\b(dr|prof)\b", prefix, re.IGNORECASE):
        row.academic_title = prefix
    full_name = next((_text(line.value) for line in _values(card, "fn")[:1]), "")
    if _is_company(card, _org_name(card), full_name):
        row.is_organisation = True
    elif not row.display_name:
        first, _sep, last = full_name.rpartition(" ")
        row.first_name, row.last_name = first, last


def _fill_org(row: ImportRow, card: vobject.base.Component) -> None:
    row.organisation = _org_name(card)
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
        # A tel: URI's ";ext=102" stays; it becomes "… ext. 102" when the number is read.
        if (value := _text(line.value).removeprefix("tel:")) and value not in row.phones:
            row.phones.append(value)
    for name in ("url", "x-socialprofile"):
        for line in _values(card, name):
            row.add_url(_text(line.value).replace("\\:", ":"))
    notes = [str(line.value or "").strip() for line in _values(card, "note")]
    row.notes = "\n\n".join(n for n in notes if n)
    for line in _values(card, "categories"):
        values = line.value if isinstance(line.value, list) else str(line.value).split(",")
        for value in values:
            tag = _text(value).replace('\\"', '"')
            if tag and tag not in row.tags and not base.is_system_group(tag):
                row.tags.append(tag)
    for line in _values(card, "adr")[:1]:
        city = getattr(line.value, "city", "")
        row.location = _text(city)


def parse_card(lines: list[str], line_number: int) -> ImportRow:
    """One card → one row; an unreadable card becomes a row with its problem."""
    row = ImportRow(line=line_number, source="vcard")
    try:
        text, guesses = _prepare(lines)
        card = vobject.readOne(text, ignoreUnreadable=True)
    except Exception as exc:  # vobject raises a zoo of errors for broken input
        row.problems.append(_("This card could not be read: %(e)s") % {"e": str(exc)[:120]})
        return row
    if guesses:
        row.warnings.append(_guess_warning(guesses))
    _fill_names(row, card)
    _fill_org(row, card)
    _fill_birthday(row, card)
    _fill_rest(row, card)
    return row


def parse(text: str) -> ParseResult:
    """Every card of the file, in order (vobject is slow: the time is bounded)."""
    rows = []
    deadline = time.monotonic() + base.MAX_SECONDS
    for line_number, lines, problem in split_cards(text):
        if time.monotonic() > deadline:
            raise base.too_slow()
        if lines is None:
            row = ImportRow(line=line_number, source="vcard")
            row.problems.append(problem)
            rows.append(row)
        else:
            rows.append(parse_card(lines, line_number))
    return ParseResult(format="vcard", rows=rows)
