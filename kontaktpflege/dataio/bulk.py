"""The bulk write path: a chunk of planned rows in one transaction, row by row on failure.

It writes the same rows the contacts services would (Person, EmailAddress, PhoneNumber,
Employment, tags, search text), but with bulk_create, so 30k rows import in seconds.
LinkedIn's "Connected On" is when we connected, not a conversation: it becomes the person's
"known since", never a touchpoint, and new people arrive unsorted (no circle, no cadence).
A chunk that fails is retried row by row, so one bad row costs only itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.contacts.models import (
    Circle,
    EmailAddress,
    Employment,
    Organisation,
    Origin,
    Person,
    PhoneNumber,
    Tag,
)
from kontaktpflege.contacts.search import build_search_text, index_people
from kontaktpflege.contacts.services import person_reindex
from kontaktpflege.core.bulksql import select_rows
from kontaktpflege.core.facts import graph_changed
from kontaktpflege.dataio.duplicates import PeopleIndex, cached_fold
from kontaktpflege.dataio.fastsql import fast_insert, fast_update, reserve_ids
from kontaktpflege.dataio.models import ImportKey
from kontaktpflege.dataio.pipeline import CleanRow, Plan

# Rows per transaction. A chunk on SQLite holds the database's one write lock, so it stays
# short; PostgreSQL locks only the rows written, and each transaction costs its commit, the
# follow-up refresh it queues and a few statements, so its chunks are larger.
CHUNK = 2000
CHUNK_POSTGRESQL = 5000
QUERY_CHUNK = 900  # below SQLite's bound-parameter limit
FILLABLE = [
    "first_name",
    "last_name",
    "academic_title",
    "job_title",
    "location",
    "notes",
    "linkedin_url",
    "xing_url",
    "website",
    "birthday_day",
    "birthday_month",
    "birthday_year",
]
PersonTags = Person.tags.through


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rows_per_chunk() -> int:
    """Rows per transaction on the current database."""
    return CHUNK_POSTGRESQL if connection.vendor == "postgresql" else CHUNK


def _among(ids: list[int], field: str = "id") -> Iterable[Q]:
    """Filters for `field` among `ids`: on PostgreSQL one, the ids as one array parameter
    (an IN list of thousands is formatted into the statement value by value, which cost
    more than the query); elsewhere one IN list per QUERY_CHUNK ids. None for no ids."""
    if not ids:
        return
    if connection.vendor == "postgresql":
        yield Q(**{f"{field}__in": RawSQL("SELECT unnest(%s::bigint[])", (list(ids),))})
        return
    for part in _chunks(ids, QUERY_CHUNK):
        yield Q(**{f"{field}__in": part})


@dataclass
class PersonState:
    """What an existing person already has, to fill only the blanks."""

    fields: dict[str, Any]
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)


@dataclass
class Change:
    """What a row adds to an existing person."""

    fields: dict[str, Any] = field(default_factory=dict)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    organisation: str = ""

    def __bool__(self) -> bool:
        return bool(self.fields or self.emails or self.phones or self.tags or self.organisation)


def load_states(ids: list[int]) -> dict[int, PersonState]:
    """The current data of matched people, in four queries (per 900 ids on SQLite)."""
    states: dict[int, PersonState] = {}
    for people, of_people in zip(
        _among(sorted(ids)), _among(sorted(ids), "person_id"), strict=True
    ):
        columns = ("id", "organisation_id", "known_since", *FILLABLE)
        for row in Person.objects.filter(people).values(*columns):
            states[row["id"]] = PersonState(fields=row)
        for pk, email in EmailAddress.objects.filter(of_people).values_list("person_id", "email"):
            states[pk].emails.add(email)
        for pk, number in PhoneNumber.objects.filter(of_people).values_list("person_id", "number"):
            states[pk].phones.add(number)
        for pk, name in PersonTags.objects.filter(of_people).values_list("person_id", "tag__name"):
            states[pk].tags.add(name)
    return states


def changes_for(row: CleanRow, state: PersonState, index: PeopleIndex, pk: int) -> Change:
    """Fill blanks only, never overwrite; the state is updated so later rows see it."""
    change = Change()
    for name in FILLABLE:
        value = row.fields.get(name)
        if value not in ("", None) and state.fields.get(name) in ("", None):
            change.fields[name] = state.fields[name] = value
    for email in row.emails:
        if email not in state.emails and index.by_email.get(email, pk) == pk:
            change.emails.append(email)
            state.emails.add(email)
    for number in row.phones:
        if number not in state.phones and index.by_phone.get(number, pk) == pk:
            change.phones.append(number)
            state.phones.add(number)
    change.tags = [t for t in row.tags if t not in state.tags]
    state.tags.update(change.tags)
    if row.organisation and not state.fields.get("organisation_id"):
        change.organisation = row.organisation
        state.fields["organisation_id"] = -1
    known = state.fields.get("known_since")
    if row.connected_on and (known is None or row.connected_on < known):
        change.fields["known_since"] = state.fields["known_since"] = row.connected_on
    return change


def resolve_plan(plan: Plan, index: PeopleIndex) -> None:
    """Turn matched rows into updates with their changes, or duplicates when nothing is new."""
    ids = [r.person_id for r in plan.rows if r.action == "update" and r.person_id]
    states = load_states(ids)
    for row in plan.rows:
        if row.action != "update" or row.person_id not in states:
            continue
        row.change = changes_for(row, states[row.person_id], index, row.person_id)
        if not row.change:
            row.action = "duplicate"


@dataclass
class ChunkResult:
    """People written by one chunk, and the matching keys to add to the index afterwards."""

    created: list[tuple[CleanRow, int]] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    orgs: dict[str, int] = field(default_factory=dict)


def _ensure_orgs(workspace: Workspace, names: Iterable[str], index: PeopleIndex) -> dict[str, int]:
    wanted = {cached_fold(n): n for n in names if n}
    missing = {k: v for k, v in wanted.items() if k not in index.orgs}
    found = (
        dict(
            Organisation.objects.filter(
                workspace=workspace, name_folded__in=list(missing)
            ).values_list("name_folded", "id")
        )
        if missing
        else {}
    )
    new = [
        Organisation(workspace=workspace, name=name, name_folded=key)
        for key, name in missing.items()
        if key not in found
    ]
    Organisation.objects.bulk_create(new)
    found.update({o.name_folded: o.pk for o in new})
    return {k: index.orgs.get(k) or found[k] for k in wanted}


def _ensure_tags(workspace: Workspace, names: set[str]) -> dict[str, int]:
    if not names:
        return {}
    tags = dict(
        Tag.objects.filter(workspace=workspace, name__in=list(names)).values_list("name", "id")
    )
    new = [Tag(workspace=workspace, name=n) for n in names if n not in tags]
    Tag.objects.bulk_create(new)
    tags.update({t.name: t.pk for t in new})
    return tags


def _create_people(
    workspace: Workspace, rows: list[CleanRow], orgs: dict[str, int], user: User | None
) -> list[int]:
    """The rows person_create would write (person, emails, phones, employment), in bulk."""
    ids = reserve_ids(Person, len(rows))
    names = {cached_fold(r.organisation): r.organisation for r in rows if r.organisation}
    stored: dict[int, str] = {}
    for among in _among(sorted({orgs[k] for k in names})):
        stored.update(Organisation.objects.filter(among).values_list("id", "name"))
    orgs_by_id = {orgs[k]: stored.get(orgs[k], name) for k, name in names.items()}
    people: list[dict[str, Any]] = []
    for pk, row in zip(ids, rows, strict=True):
        org_id = orgs.get(cached_fold(row.organisation)) if row.organisation else None
        person = {
            **row.fields,
            "id": pk,
            "workspace_id": workspace.pk,
            "organisation_id": org_id,
            "known_since": row.connected_on,
            "circle": Circle.UNSORTED,
            "origin": Origin.IMPORT,
        }
        # The text person_reindex would build: all of it is in hand, so no second pass.
        person["search_text"] = build_search_text(
            SimpleNamespace(**person),
            organisation=orgs_by_id.get(org_id, "") if org_id else "",
            tags=sorted(row.tags),
            emails=row.emails,
        )
        people.append(person)
    fast_insert(Person, people)
    index_people([(p["id"], p["search_text"]) for p in people])
    _contact_points(workspace, [(pk, r.emails, r.phones) for pk, r in zip(ids, rows, strict=True)])
    fast_insert(
        Employment,
        [
            {
                "workspace_id": workspace.pk,
                "person_id": p["id"],
                "organisation_id": p["organisation_id"],
                "title": p["job_title"],
                "is_current": True,
            }
            for p in people
            if p["organisation_id"]
        ],
    )
    return ids


def _fill_organisations(rows: list[CleanRow], orgs: dict[str, int]) -> None:
    """Company cards fill their organisation's blank website and notes, never overwrite."""
    for row in rows:
        pk = orgs[cached_fold(row.organisation)]
        for name in ("website", "notes"):
            if value := row.fields.get(name):
                Organisation.objects.filter(pk=pk, **{name: ""}).update(**{name: value})


def _contact_points(workspace: Workspace, items: list[tuple[int, list[str], list[str]]]) -> None:
    fast_insert(
        EmailAddress,
        [
            {"workspace_id": workspace.pk, "person_id": pk, "email": e, "is_primary": i == 0}
            for pk, emails, _phones in items
            for i, e in enumerate(emails)
        ],
    )
    fast_insert(
        PhoneNumber,
        [
            {"workspace_id": workspace.pk, "person_id": pk, "number": n, "is_primary": i == 0}
            for pk, _emails, phones in items
            for i, n in enumerate(phones)
        ],
    )


def _update_people(
    workspace: Workspace, rows: list[CleanRow], orgs: dict[str, int], user: User | None
) -> list[int]:
    """Fill the blanks of matched people: fields, contact points, employer, known since."""
    employments = []
    # A person matched by several rows gets one UPDATE: their changes in the file's order.
    changes: dict[int, dict[str, Any]] = {}
    points: list[tuple[int, list[str], list[str]]] = []
    for row in rows:
        change: Change = row.change
        pk = row.person_id
        assert pk is not None
        values = dict(change.fields)
        if change.organisation:
            values["organisation_id"] = orgs[cached_fold(change.organisation)]
            employments.append((pk, values["organisation_id"]))
        if values:
            changes.setdefault(pk, {}).update(values)
        points.append((pk, change.emails, list(change.phones)))
    fast_update(Person, changes)
    # Contact points a person gets in addition are not primary (their first one stays).
    fast_insert(
        EmailAddress,
        [
            {"workspace_id": workspace.pk, "person_id": pk, "email": e}
            for pk, es, _p in points
            for e in es
        ],
    )
    fast_insert(
        PhoneNumber,
        [
            {"workspace_id": workspace.pk, "person_id": pk, "number": n}
            for pk, _e, ps in points
            for n in ps
        ],
    )
    _employments(workspace, employments)
    return [r.person_id for r in rows if r.person_id]


def _employments(workspace: Workspace, pairs: list[tuple[int, int]]) -> None:
    if not pairs:
        return
    titles: dict[int, str] = {}
    for people in _among([pk for pk, _o in pairs]):
        titles.update(Person.objects.filter(people).values_list("id", "job_title"))
    fast_insert(
        Employment,
        [
            {
                "workspace_id": workspace.pk,
                "person_id": pk,
                "organisation_id": org,
                "title": titles[pk],
            }
            for pk, org in pairs
        ],
    )


def _tags_and_keys(workspace: Workspace, pairs: list[tuple[CleanRow, int]]) -> None:
    names = {
        t for row, _pk in pairs for t in (row.change.tags if row.action == "update" else row.tags)
    }
    tags = _ensure_tags(workspace, names)
    links = {
        (pk, tags[t])
        for row, pk in pairs
        for t in (row.change.tags if row.action == "update" else row.tags)
    }
    PersonTags.objects.bulk_create(
        [PersonTags(person_id=pk, tag_id=tag) for pk, tag in links], ignore_conflicts=True
    )
    keys = {key: pk for row, pk in pairs for key in [row.key, *row.extra_keys]}
    # Plain SQL: Django prepares an IN list value by value, which cost more than the query.
    known = {k for (k,) in select_rows(ImportKey, ["key"], workspace.pk, keys=list(keys))}
    fast_insert(
        ImportKey,
        [
            {"workspace_id": workspace.pk, "key": k, "person_id": pk}
            for k, pk in keys.items()
            if k not in known
        ],
    )


@transaction.atomic
def write_chunk(
    *, workspace: Workspace, rows: list[CleanRow], index: PeopleIndex, user: User | None = None
) -> ChunkResult:
    """Write one chunk of planned rows in one transaction (all of it or nothing)."""
    new_rows = [r for r in rows if r.action == "new" and not r.is_organisation]
    upd_rows = [r for r in rows if r.action == "update"]
    org_rows = [r for r in rows if r.is_organisation]
    names = [r.organisation for r in new_rows + org_rows]
    orgs = _ensure_orgs(workspace, names + [r.change.organisation for r in upd_rows], index)
    _fill_organisations(org_rows, orgs)
    ids = _create_people(workspace, new_rows, orgs, user)
    updated = _update_people(workspace, upd_rows, orgs, user)
    pairs = list(zip(new_rows, ids, strict=True)) + [(r, r.person_id or 0) for r in upd_rows]
    _tags_and_keys(workspace, pairs)
    touched = ids + updated
    if touched or org_rows:
        graph_changed(workspace.pk)  # new people and employers are new nodes and edges
    # Only changes to what search_text holds need a reindex (a new URL or touch does not).
    person_reindex(
        person_ids=[r.person_id for r in upd_rows if r.person_id and _searchable(r.change)]
    )
    refresh = [r.person_id for r in upd_rows if r.person_id and _changes_facts(r.change)]
    transaction.on_commit(lambda: _followups_changed(refresh))
    return ChunkResult(created=list(zip(new_rows, ids, strict=True)), updated=updated, orgs=orgs)


SEARCHED = {"first_name", "last_name", "academic_title", "job_title", "location", "notes"}


def _searchable(change: Change) -> bool:
    return bool(
        SEARCHED & set(change.fields) or change.organisation or change.tags or change.emails
    )


# The person columns an import fills that follow-ups are computed from (the rest of
# followups.services.FACT_FIELDS an import never writes to an existing person).
FACT_COLUMNS = {
    "first_name",
    "last_name",
    "known_since",
    "birthday_day",
    "birthday_month",
    "birthday_year",
}


def _changes_facts(change: Change) -> bool:
    """Whether an update changes what its person's follow-ups are computed from.

    A new employer is a fact too (an employment). URLs, notes, location, title, contact
    points and tags are not: a row that only fills those leaves the follow-ups as they are.
    """
    return bool(FACT_COLUMNS & change.fields.keys() or change.organisation)


def _followups_changed(ids: list[int]) -> None:
    """The worker computes the updated people's follow-ups after each chunk commits.

    New people are not refreshed: they arrive unsorted, for which the engine has no items
    (engine.person_items), and nothing else (applications, candidacies) can refer to a
    person this import just created, so their refresh would find nothing to write.
    """
    from kontaktpflege.followups.tasks import followups_refresh

    if ids:
        followups_refresh.enqueue(ids)


def remember(index: PeopleIndex, result: ChunkResult) -> None:
    """After a chunk committed, its people take part in matching."""
    index.orgs.update(result.orgs)
    for row, pk in result.created:
        for key in [row.key, *row.extra_keys]:
            index.by_key[key] = pk
        for email in row.emails:
            index.by_email.setdefault(email, pk)
        for number in row.phones:
            index.by_phone.setdefault(number, pk)
        index.add_person(
            pk, row.fields["first_name"], row.fields["last_name"], row.organisation, row.urls
        )


@dataclass
class WriteReport:
    """The outcome of writing a plan: counts per action and the rows that failed."""

    counts: dict[str, int] = field(default_factory=dict)
    failed: list[tuple[int, list[str]]] = field(default_factory=list)
    not_reached: list[int] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list)


def write_plan(
    *,
    workspace: Workspace,
    plan: Plan,
    index: PeopleIndex,
    user: User | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], bool] | None = None,
) -> WriteReport:
    """Write every chunk (`chunk_size` rows, by default `rows_per_chunk()`); `progress(done)`
    returning False cancels before the next chunk."""
    report = WriteReport(counts={"new": 0, "updated": 0, "duplicate": 0, "organisations": 0})
    done = 0
    for chunk in _chunks(plan.rows, chunk_size or rows_per_chunk()):
        if progress is not None and not progress(done):
            report.not_reached = [r.line for r in plan.rows[done:] if r.action != "duplicate"]
            break
        _write_with_fallback(workspace, chunk, index, user, report)
        done += len(chunk)
    if progress is not None:
        progress(done)
    return report


def _write_with_fallback(
    workspace: Workspace,
    chunk: list[CleanRow],
    index: PeopleIndex,
    user: User | None,
    report: WriteReport,
) -> None:
    try:
        result = write_chunk(workspace=workspace, rows=chunk, index=index, user=user)
    except (DatabaseError, ValidationError, KeyError):
        for row in chunk:
            _write_one(workspace, row, index, user, report)
        return
    _account(report, chunk, result)
    remember(index, result)


def _write_one(
    workspace: Workspace, row: CleanRow, index: PeopleIndex, user: User | None, report: WriteReport
) -> None:
    try:
        result = write_chunk(workspace=workspace, rows=[row], index=index, user=user)
    except (DatabaseError, ValidationError, KeyError) as exc:
        message = _("Could not be saved: %(e)s") % {"e": str(exc)[:200]}
        report.failed.append((row.line, [message]))
        return
    _account(report, [row], result)
    remember(index, result)


def _account(report: WriteReport, rows: list[CleanRow], result: ChunkResult) -> None:
    for row in rows:
        key = {"new": "new", "update": "updated", "duplicate": "duplicate"}[row.action]
        report.counts[key] += 1
        report.counts["organisations"] += row.is_organisation  # counted in "new" too
    report.person_ids += [pk for _row, pk in result.created] + result.updated
