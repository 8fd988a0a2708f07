"""From parsed rows to a plan: validate each row, match it, decide new / update / duplicate.

The same plan drives the preview (nothing written) and the import (written in chunks).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kontaktpflege.contacts.services import PERSON_TEXT_FIELDS
from kontaktpflege.contacts.validation import (
    check_date,
    clean_text,
    normalise_email,
    read_phone,
)
from kontaktpflege.dataio.duplicates import Candidate, PeopleIndex, cached_fold, name_key
from kontaktpflege.dataio.rows import ImportRow

_EXCEL_NUMBER = re.compile(r"^\d+[,.]\d+E\+\d+$", re.IGNORECASE)
_VALIDATE_URL = URLValidator(schemes=["http", "https"])
_SIMPLE_URL = re.compile(r"^https?://(?:[\w-]+\.)+[a-z]{2,}(?:/[\w%./~+-]*)?$", re.IGNORECASE)
FIELD_NAMES = {
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "academic_title": gettext_lazy("Academic title"),
    "job_title": gettext_lazy("Job title"),
    "location": gettext_lazy("Location"),
    "notes": gettext_lazy("Notes"),
    "organisation": gettext_lazy("Organisation"),
    "tags": gettext_lazy("Tags"),
}
# Labels of web address fields, translated only when a warning names them (not per row).
WEBSITE = gettext_lazy("Website")
WEB_ADDRESS = gettext_lazy("Web address")


@dataclass
class CleanRow:
    """A validated row: person fields, contact points and how it matched."""

    line: int
    key: str
    fields: dict[str, Any]
    emails: list[str]
    phones: list[str]
    organisation: str
    tags: list[str]
    connected_on: dt.date | None
    warnings: list[str] = field(default_factory=list)
    action: str = "new"  # new | update | duplicate
    person_id: int | None = None
    match_reason: str = ""
    candidate: Candidate | None = None
    merged_into: int | None = None  # index of an earlier row of the same file
    extra_keys: list[str] = field(default_factory=list)
    change: Any = None  # bulk.Change for updates
    is_organisation: bool = False  # a company card: written as an organisation, no person

    @property
    def name_org(self) -> str:
        first, last = self.fields["first_name"], self.fields["last_name"]
        return f"{name_key(first, last)}|{cached_fold(self.organisation)}"

    @property
    def urls(self) -> list[str]:
        return [u for u in (self.fields.get("linkedin_url"), self.fields.get("xing_url")) if u]


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        out: list[str] = []
        for name, errors in exc.error_dict.items():
            label = FIELD_NAMES.get(name, name.replace("_", " ").capitalize())
            out.extend(f"{label}: {m}" for e in errors for m in e.messages)
        return out
    return list(exc.messages)


def _text_fields(row: ImportRow) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, (max_length, multiline) in PERSON_TEXT_FIELDS.items():
        value = getattr(row, name, "")
        fields[name] = clean_text(value, field=name, max_length=max_length, multiline=multiline)
    return fields


def _url(value: str, label: Any, warnings: list[str]) -> str:
    if not value:
        return ""
    url = value if "://" in value else "https://" + value
    try:
        if not (_SIMPLE_URL.match(url) and len(url) <= 300):  # the common case, checked fast
            _VALIDATE_URL(url)
    except ValidationError:
        warnings.append(
            _("%(label)s “%(v)s” is not a web address; left out.")
            % {"label": label, "v": value[:60]}
        )
        return ""
    if len(url) > 300:
        warnings.append(_("%(label)s is longer than 300 characters; left out.") % {"label": label})
        return ""
    return url


def _emails(values: list[str], warnings: list[str]) -> list[str]:
    """Every valid address; one that is not an address is left out with a warning."""
    out = []
    for value in values:
        if value.lower().startswith(("urn:li:", "/o=")) or value.upper().startswith("EX:"):
            warnings.append(
                _("“%(v)s” is an internal address, not an email; left out.") % {"v": value[:60]}
            )
            continue
        try:
            email = normalise_email(value)
        except ValidationError:
            warnings.append(
                _("“%(v)s” is not a valid email address; left out.") % {"v": value[:60]}
            )
            continue
        if email not in out:
            out.append(email)
    return out


def _phones(values: list[str], warnings: list[str], region: str) -> list[str]:
    """Every number, in E.164 only when certain; the others as written, with a warning."""
    out = []
    for value in values:
        if _EXCEL_NUMBER.match(value.strip()):
            warnings.append(
                _(
                    "The phone number “%(v)s” was shortened by Excel and cannot be "
                    "restored; left out."
                )
                % {"v": value[:30]}
            )
            continue
        try:
            reading = read_phone(value, region=region or None)
        except ValidationError as exc:
            warnings.extend(f"{m} {_('Left out.')}" for m in _messages(exc))
            continue
        if reading.kind:
            warnings.append(_phone_warning(reading.number, reading.kind, region))
        if reading.number not in out:
            out.append(reading.number)
    return out


def _phone_warning(number: str, kind: str, region: str) -> str:
    values = {"v": number, "country": region}
    if kind == "no_prefix":
        return _("The phone number “%(v)s” has no country code; kept as written.") % values
    if region:
        return (
            _("The phone number “%(v)s” is not a valid number (in %(country)s); kept as written.")
            % values
        )
    return _("The phone number “%(v)s” is not a valid number; kept as written.") % values


def _more_urls(row: ImportRow, warnings: list[str]) -> str:
    """Web addresses beyond the three fields, as lines for the notes."""
    if not row.more_urls:
        return ""
    urls = [u for value in row.more_urls if (u := _url(value, WEB_ADDRESS, warnings))]
    return "\n".join(_("Web address: %(url)s") % {"url": u} for u in urls)


def _birthday(row: ImportRow) -> dict[str, int | None]:
    day, month, year = row.birthday_day, row.birthday_month, row.birthday_year
    if day is None and month is None:
        return {"birthday_day": None, "birthday_month": None, "birthday_year": None}
    try:
        dt.date(year or 2000, month or 0, day or 0)
    except ValueError as exc:
        raise ValidationError({"birthday": _("The birthday does not exist.")}) from exc
    return {"birthday_day": day, "birthday_month": month, "birthday_year": year}


def _name_from_email(fields: dict[str, Any], emails: list[str], warnings: list[str]) -> bool:
    """A card with only an email is named after the address's local part (flagged)."""
    if fields["first_name"] or fields["last_name"] or not emails:
        return False
    fields["first_name"] = emails[0].partition("@")[0][:100]
    warnings.append(
        _("Name missing: named “%(name)s” after the email address; please add the name.")
        % {"name": fields["first_name"]}
    )
    return True


def _as_organisation(row: ImportRow, clean: CleanRow) -> CleanRow:
    """A company card's values on its organisation: phones and emails go into its notes."""
    lines = [_("Phone: %(v)s") % {"v": p} for p in clean.phones]
    lines += [_("Email: %(v)s") % {"v": e} for e in clean.emails]
    notes = [clean.fields["notes"], "\n".join(lines)]
    clean.fields = {"notes": "\n\n".join(n for n in notes if n), "website": clean.fields["website"]}
    clean.emails, clean.phones, clean.tags = [], [], []
    clean.is_organisation = True
    clean.warnings.append(
        _("A company card: imported as the organisation “%(name)s”, not as a person.")
        % {"name": clean.organisation}
    )
    return clean


def clean_row(
    row: ImportRow, *, phone_country: str = "", today: dt.date | None = None
) -> CleanRow | list[str]:
    """Validate one row completely; a list of problems in plain words if it is invalid.

    One bad value (an email that is not an address, a phone number that fits no plan)
    never rejects the row: it is left out or kept as written, with a warning.
    """
    if row.problems:
        return list(row.problems)
    warnings = list(row.warnings)
    try:
        fields = _text_fields(row)
        emails = _emails(row.emails, warnings)
        named = fields["first_name"] or fields["last_name"] or row.is_organisation
        if not (named or _name_from_email(fields, emails, warnings)):
            return [_("No name: a row needs a first or a last name.")]
        organisation = clean_text(row.organisation, field="organisation", max_length=200)
        tags = [clean_text(t, field="tags", max_length=60) for t in row.tags]
        phones = _phones(row.phones, warnings, phone_country)
        fields.update(_birthday(row))
        check_date(row.connected_on, field="connected_on")
    except ValidationError as exc:
        return _messages(exc)
    latest = (today or timezone.localdate()) + dt.timedelta(days=1)
    if row.connected_on and row.connected_on > latest:
        return [_("The date %(d)s lies in the future.") % {"d": row.connected_on.isoformat()}]
    fields["linkedin_url"] = _url(row.linkedin_url, "LinkedIn", warnings)
    fields["xing_url"] = _url(row.xing_url, "Xing", warnings)
    fields["website"] = _url(row.website, WEBSITE, warnings)
    if more := _more_urls(row, warnings):
        fields["notes"] = f"{fields['notes']}\n\n{more}" if fields["notes"] else more
    clean = CleanRow(
        line=row.line,
        key=row.key(),
        fields=fields,
        emails=emails,
        phones=phones,
        organisation=organisation,
        tags=[t for t in dict.fromkeys(tags) if t],
        connected_on=row.connected_on,
        warnings=warnings,
    )
    return _as_organisation(row, clean) if row.is_organisation else clean


@dataclass
class Plan:
    """Every row's fate: clean rows with their action, and invalid rows with problems."""

    rows: list[CleanRow] = field(default_factory=list)
    invalid: list[tuple[int, list[str]]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = {"new": 0, "updated": 0, "duplicate": 0, "invalid": len(self.invalid)}
        for row in self.rows:
            counts[{"new": "new", "update": "updated", "duplicate": "duplicate"}[row.action]] += 1
        counts["possible_duplicate"] = sum(1 for r in self.rows if r.candidate)
        counts["organisations"] = sum(1 for r in self.rows if r.is_organisation)
        return counts


def plan_rows(rows: list[ImportRow], index: PeopleIndex, *, phone_country: str = "") -> Plan:
    """Validate and match every row; rows of the same person in one file fold together.

    Matched rows get the action "update"; bulk.resolve_plan turns those that would change
    nothing into "duplicate". `phone_country` is the country the user chose for numbers
    without a country code (none: they are kept as written).
    """
    plan = Plan()
    planned: dict[str, int] = {}  # matching key → index in plan.rows, for in-file duplicates
    today = timezone.localdate()
    for row in rows:
        result = clean_row(row, phone_country=phone_country, today=today)
        if isinstance(result, list):
            plan.invalid.append((row.line, result))
            continue
        if not result.is_organisation:  # an organisation is found by its name when written
            _match(result, index, planned, plan)
        plan.rows.append(result)
    return plan


def _match(row: CleanRow, index: PeopleIndex, planned: dict[str, int], plan: Plan) -> None:
    person_id, reason = index.exact(
        key=row.key, emails=row.emails, phones=row.phones, urls=row.urls, name_org=row.name_org
    )
    if person_id is not None:
        row.person_id, row.match_reason = person_id, reason
        row.action = "update"
        return
    keys = [f"k:{row.key}", f"n:{row.name_org}"] + [f"e:{e}" for e in row.emails]
    keys += [f"p:{p}" for p in row.phones]
    for key in keys:
        if key in planned:
            row.action, row.merged_into = "duplicate", planned[key]
            row.match_reason = _("appears earlier in this file")
            fold_into(plan.rows[planned[key]], row)
            return
    for key in keys:
        planned[key] = len(plan.rows)
    row.candidate = index.fuzzy(row.fields["first_name"], row.fields["last_name"], row.organisation)


def fold_into(first: CleanRow, later: CleanRow) -> None:
    """A person listed twice in one file: the later row fills what the first one lacks."""
    first.extra_keys.append(later.key)
    for name, value in later.fields.items():
        if value not in ("", None) and first.fields.get(name) in ("", None):
            first.fields[name] = value
    first.emails += [e for e in later.emails if e not in first.emails]
    first.phones += [p for p in later.phones if p not in first.phones]
    first.tags += [t for t in later.tags if t not in first.tags]
    first.organisation = first.organisation or later.organisation
    if later.connected_on and (not first.connected_on or later.connected_on < first.connected_on):
        first.connected_on = later.connected_on
