"""The common row model every importer produces."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field


@dataclass
class ImportRow:
    """One contact read from a file, before validation and matching.

    `line` is the row's number in the source (1-based, as a spreadsheet shows it);
    `problems` collects what the parser already knows is wrong, in plain words.
    """

    line: int
    first_name: str = ""
    last_name: str = ""
    academic_title: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    organisation: str = ""
    job_title: str = ""
    connected_on: dt.date | None = None
    birthday_day: int | None = None
    birthday_month: int | None = None
    birthday_year: int | None = None
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    location: str = ""
    linkedin_url: str = ""
    xing_url: str = ""
    website: str = ""
    # Web addresses beyond the one LinkedIn, Xing and website each hold (kept in the notes).
    more_urls: list[str] = field(default_factory=list)
    # A company card (vCard N:;;;; with FN equal to ORG): it becomes an organisation.
    is_organisation: bool = False
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    source: str = ""

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def key(self) -> str:
        """A stable fingerprint of the row's content, for idempotent re-imports."""
        parts = [
            self.source,
            self.first_name,
            self.last_name,
            self.organisation,
            ",".join(sorted(e.lower() for e in self.emails)),
            ",".join(sorted(self.phones)),
            self.linkedin_url.lower(),
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    def add_url(self, url: str) -> None:
        """Sort a web address into the LinkedIn, Xing or website field; keep the others."""
        url = url.strip()
        if not url or url in (self.linkedin_url, self.xing_url, self.website, *self.more_urls):
            return
        low = url.lower()
        if "linkedin.com/" in low and not self.linkedin_url:
            self.linkedin_url = url
        elif "xing.com/" in low and not self.xing_url:
            self.xing_url = url
        elif not self.website:
            self.website = url
        else:
            self.more_urls.append(url)


@dataclass
class ParseResult:
    """What a parser read from a file: the rows, the format and file-level problems."""

    format: str
    rows: list[ImportRow]
    headers: list[str] = field(default_factory=list)
    needs_mapping: bool = False
    mapping: dict[str, str] = field(default_factory=dict)
    # The first data rows' cells, shown next to each column on the mapping screen.
    samples: list[list[str]] = field(default_factory=list)
