"""Duplicate detection: same email, phone or profile URL; fuzzy name + organisation.

`PeopleIndex` holds a workspace's matching keys in memory so an import of 30k rows checks
each row with dictionary look-ups; `possible_duplicates` scans a workspace for the standing
list, blocking by folded last name so it never compares everyone with everyone.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz, process

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.contacts.models import EmailAddress, Organisation, Person, PhoneNumber
from kontaktpflege.core.text import fold

FUZZY_THRESHOLD = 85
MAX_BLOCK = 400
# Reasons are built once (lazily translated), not per row.
SAME_EMAIL = gettext_lazy("same email address")
SAME_PHONE = gettext_lazy("same phone number")
SAME_URL = gettext_lazy("same profile URL")
SAME_NAME_ORG = gettext_lazy("same name and organisation")
IMPORTED_BEFORE = gettext_lazy("imported before")
SIMILAR_AT_ORG = gettext_lazy("similar name at the same organisation")
SIMILAR_FIRST = gettext_lazy("same last name, similar first name")
# Names and organisations repeat across an import: fold each distinct text once.
cached_fold = lru_cache(maxsize=262_144)(fold)


@lru_cache(maxsize=262_144)
def profile_key(url: str) -> str:
    """A profile URL reduced for matching: no scheme, www, query, trailing slash; decoded."""
    if not url:
        return ""
    parts = urlsplit(url.strip() if "://" in url else "https://" + url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    host = host.split(".", 1)[1] if host.count(".") > 1 and host.endswith(".com") else host
    return f"{host}{unquote(parts.path).rstrip('/')}".casefold()


def name_key(first: str, last: str) -> str:
    """Folded "first last" for exact matching."""
    return " ".join(p for p in (cached_fold(first), cached_fold(last)) if p)


@dataclass(frozen=True)
class Candidate:
    """A possible duplicate: the other person, a score from 0 to 100 and the reason."""

    person_id: int
    score: int
    reason: str


@dataclass
class PeopleIndex:
    """Matching keys of one workspace's people (and of rows planned in this import)."""

    by_key: dict[str, int] = field(default_factory=dict)
    by_email: dict[str, int] = field(default_factory=dict)
    by_phone: dict[str, int] = field(default_factory=dict)
    by_url: dict[str, int] = field(default_factory=dict)
    by_name_org: dict[str, int] = field(default_factory=dict)
    by_org: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    # folded last name → folded first name → [(person id, folded organisation)]
    by_last: dict[str, dict[str, list[tuple[int, str]]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    orgs: dict[str, int] = field(default_factory=dict)
    _sorted: dict[str, list[str]] = field(default_factory=dict)  # sorted first names per block

    def add_person(self, pk: int, first: str, last: str, org: str, urls: list[str]) -> None:
        name, org_f, last_f = name_key(first, last), cached_fold(org), cached_fold(last)
        self.by_name_org.setdefault(f"{name}|{org_f}", pk)
        if org_f:
            self.by_org[org_f].append((pk, name))
        if last_f:
            self.by_last[last_f].setdefault(cached_fold(first), []).append((pk, org_f))
            self._sorted.pop(last_f, None)
        for url in urls:
            if key := profile_key(url):
                self.by_url.setdefault(key, pk)

    def exact(
        self, *, key: str, emails: list[str], phones: list[str], urls: list[str], name_org: str
    ) -> tuple[int | None, Any]:
        """The person a row certainly is, and why (import key, email, phone, URL, name+org)."""
        if key in self.by_key:
            return self.by_key[key], IMPORTED_BEFORE
        for email in emails:
            if email in self.by_email:
                return self.by_email[email], SAME_EMAIL
        for phone in phones:
            if phone in self.by_phone:
                return self.by_phone[phone], SAME_PHONE
        for url in urls:
            if (url_key := profile_key(url)) and url_key in self.by_url:
                return self.by_url[url_key], SAME_URL
        if name_org in self.by_name_org:
            return self.by_name_org[name_org], SAME_NAME_ORG
        return None, ""

    def fuzzy(self, first: str, last: str, org: str) -> Candidate | None:
        """The most similar person by name and organisation, if similar enough."""
        name, org_f = name_key(first, last), cached_fold(org)
        best: Candidate | None = None
        members = self.by_org.get(org_f) if org_f else None
        if members:
            found = process.extractOne(
                name,
                [other for _pk, other in members[:MAX_BLOCK]],
                scorer=fuzz.token_sort_ratio,
                score_cutoff=FUZZY_THRESHOLD,
            )
            if found:
                score = round(found[1])
                best = Candidate(members[found[2]][0], score, str(SIMILAR_AT_ORG))
        last_f = cached_fold(last)
        block = self.by_last.get(last_f)
        if block:
            names = self._sorted.get(last_f)
            if names is None:
                names = self._sorted[last_f] = sorted(block)
            for pk, score in _similar_first_names(cached_fold(first), org_f, block, names):
                if best is None or score > best.score:
                    best = Candidate(pk, score, str(SIMILAR_FIRST))
        return best


def _similar_first_names(
    first: str, org: str, block: dict[str, list[tuple[int, str]]], names: list[str]
) -> list[tuple[int, int]]:
    """(person id, score) of people in a last-name block whose first name is similar.

    `names` is the block's first names, sorted, so nicknames (Tom / Thomas) are found by
    prefix with a binary search instead of a scan.
    """
    if not first:
        return []
    found = process.extract(
        first, names[:MAX_BLOCK], scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD, limit=None
    )
    scores = {m[0]: m[1] for m in found}
    if len(first) >= 3:
        start = bisect_left(names, first)
        for other in names[start : start + 20]:
            if not other.startswith(first):
                break
            if other != first:
                scores[other] = max(scores.get(other, 0), 90)  # Tom → Thomas
        for size in range(3, len(first)):
            if first[:size] in block:
                scores[first[:size]] = max(scores.get(first[:size], 0), 90)  # Thomas → Tom
    out = []
    for other, score in scores.items():
        for pk, other_org in block[other]:
            final = round(score) - (15 if org and other_org and org != other_org else 0)
            if final >= FUZZY_THRESHOLD:
                out.append((pk, final))
    return out


def _first_name_score(a: str, b: str) -> int:
    if not a or not b:
        return 0
    if a == b:
        return 100
    if len(a) >= 3 and len(b) >= 3 and (a.startswith(b) or b.startswith(a)):
        return 90  # Tom / Thomas, Alex / Alexander
    return round(fuzz.ratio(a, b))


def build_index(workspace: Workspace) -> PeopleIndex:
    """Load every matching key of a workspace in a handful of queries."""
    index = PeopleIndex()
    orgs = dict(Organisation.objects.filter(workspace=workspace).values_list("id", "name_folded"))
    index.orgs = {folded: pk for pk, folded in orgs.items()}
    people = Person.objects.filter(workspace=workspace).values_list(
        "id", "first_name", "last_name", "organisation_id", "linkedin_url", "xing_url"
    )
    for pk, first, last, org_id, linkedin, xing in people.iterator(chunk_size=5000):
        index.add_person(pk, first, last, orgs.get(org_id, "") if org_id else "", [linkedin, xing])
    for email, pk in EmailAddress.objects.filter(workspace=workspace).values_list(
        "email", "person_id"
    ):
        index.by_email.setdefault(email, pk)
    for number, pk in PhoneNumber.objects.filter(workspace=workspace).values_list(
        "number", "person_id"
    ):
        index.by_phone.setdefault(number, pk)
    from kontaktpflege.dataio.models import ImportKey

    for key, pk in ImportKey.objects.filter(workspace=workspace).values_list("key", "person_id"):
        index.by_key[key] = pk
    return index


@dataclass(frozen=True)
class DuplicatePair:
    """Two people who may be the same, with a score and the reason."""

    a: int
    b: int
    score: int
    reason: str


def _exact_pairs(workspace: Workspace) -> dict[tuple[int, int], DuplicatePair]:
    pairs: dict[tuple[int, int], DuplicatePair] = {}
    sources: list[tuple[Any, str, str]] = [
        (EmailAddress, "email", _("same email address")),
        (PhoneNumber, "number", _("same phone number")),
        (Person, "linkedin_url", _("same profile URL")),
    ]
    for model, column, reason in sources:
        qs = model.objects.filter(workspace=workspace).exclude(**{column: ""})
        shared = (
            qs.values(column).annotate(n=Count("id")).filter(n__gt=1).values_list(column, flat=True)
        )
        owners: dict[str, list[int]] = defaultdict(list)
        id_field = "id" if model is Person else "person_id"
        for value, pk in qs.filter(**{f"{column}__in": list(shared[:500])}).values_list(
            column, id_field
        ):
            owners[value].append(pk)
        for ids in owners.values():
            ids = sorted(set(ids))
            for i, a in enumerate(ids):
                for b in ids[i + 1 :]:
                    pairs.setdefault((a, b), DuplicatePair(a, b, 100, reason))
    return pairs


def possible_duplicates(*, workspace: Workspace, limit: int = 200) -> list[DuplicatePair]:
    """The standing list: exact shared contact points first, then similar names."""
    from kontaktpflege.dataio.models import DuplicateDismissal

    pairs = _exact_pairs(workspace)
    index = build_index(workspace)
    for block in index.by_last.values():
        members = [(pk, first, org) for first, people in block.items() for pk, org in people]
        for i, (a, first_a, org_a) in enumerate(members[:MAX_BLOCK]):
            for b, first_b, org_b in members[i + 1 : MAX_BLOCK]:
                score = _first_name_score(first_a, first_b)
                if org_a and org_b and org_a != org_b:
                    score -= 15
                low, high = min(a, b), max(a, b)
                if score >= FUZZY_THRESHOLD and (low, high) not in pairs:
                    reason = _("same last name, similar first name")
                    pairs[(low, high)] = DuplicatePair(low, high, score, reason)
    dismissed = set(
        DuplicateDismissal.objects.filter(workspace=workspace).values_list("person_a", "person_b")
    )
    found = [p for key, p in pairs.items() if key not in dismissed]
    found.sort(key=lambda p: (-p.score, p.a, p.b))
    return found[:limit]
