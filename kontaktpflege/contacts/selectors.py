"""Reads about people and organisations that check workspace access."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Func, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.contacts import search
from kontaktpflege.contacts.models import (
    Channel,
    EmailAddress,
    Employment,
    Organisation,
    Person,
    PhoneNumber,
    Relationship,
    Tag,
)
from kontaktpflege.contacts.search import filter_search, rank_search
from kontaktpflege.core.keyset import Key, capped_count, keys
from kontaktpflege.core.timeutils import local_day_start

PERSON_SORTS = {
    "relevance": ("last_name", "first_name", "id"),  # by name when there is no query
    "name": ("last_name", "first_name", "id"),
    "-name": ("-last_name", "-first_name", "-id"),
    "last_touched": ("last_touched_at", "id"),
    "-last_touched": ("-last_touched_at", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}


@dataclass(frozen=True)
class PersonFilters:
    """The filters of the people list."""

    q: str = ""
    circle: str = ""
    tag: int | None = None
    organisation: int | None = None
    target_only: bool = False
    touched_after: dt.date | None = None
    touched_before: dt.date | None = None
    never_touched: bool = False
    sort: str = "relevance"


def _day_start(day: dt.date, *, days: int = 0) -> dt.datetime:
    """Midnight at the start of `day` (plus `days`) in the reader's (current) time zone."""
    zone = timezone.get_current_timezone()
    return local_day_start(day + dt.timedelta(days=days), zone)  # type: ignore[arg-type]


def person_list(
    *,
    workspace: Workspace,
    filters: PersonFilters,
    contacts_only: bool = False,
    match_cap: int | None = None,
) -> QuerySet[Person]:
    """People of a workspace, filtered and sorted, with what the list shows.

    contacts_only leaves out the members' own people; match_cap bounds a ranked search
    (contacts.search.bound_matches).
    """
    qs = Person.objects.filter(workspace=workspace).select_related("organisation")
    if contacts_only:
        qs = qs.filter(user__isnull=True)
    ranked = filters.q and filters.sort == "relevance"
    if filters.q and not ranked:
        qs = filter_search(qs, filters.q)
    if filters.circle:
        qs = qs.filter(circle=filters.circle)
    if filters.tag:
        qs = qs.filter(tags__id=filters.tag)
    if filters.organisation:
        qs = qs.filter(organisation_id=filters.organisation)
    if filters.target_only:
        qs = qs.filter(organisation__is_target=True)
    # Day bounds as datetimes, not `__date` lookups: those wrap the column in a function
    # (a Python function per row on SQLite) and keep the index out of use.
    if filters.touched_after:
        qs = qs.filter(last_touched_at__gte=_day_start(filters.touched_after))
    if filters.touched_before:
        qs = qs.filter(last_touched_at__lt=_day_start(filters.touched_before, days=1))
    if filters.never_touched:
        qs = qs.filter(last_touched_at__isnull=True)
    if ranked:
        qs = rank_search(qs, filters.q, cap=match_cap)
    else:
        qs = qs.order_by(*(key.order for key in person_list_order(filters)))
    return qs.prefetch_related(Prefetch("tags", queryset=Tag.objects.only("id", "name")))


LIST_FIELDS = (
    "id",
    "workspace_id",
    "first_name",
    "last_name",
    "job_title",
    "circle",
    "last_touched_at",
    "user_id",
    "organisation__id",
    "organisation__name",
    "organisation__is_target",
)


def person_list_rows(
    *, workspace: Workspace, filters: PersonFilters, match_cap: int | None = None
) -> QuerySet[Person]:
    """The people list's rows: only the columns it shows, tags as `tag_list`.

    Notes and the search text can be long; the list never reads them. The members' own
    people (user set) are nodes of the network, not contacts: the list leaves them out.
    match_cap bounds a ranked search (person_search_rows).
    """
    return (
        person_list(workspace=workspace, filters=filters, contacts_only=True, match_cap=match_cap)
        .only(*LIST_FIELDS)
        .prefetch_related(None)
        .prefetch_related(
            Prefetch("tags", queryset=Tag.objects.only("id", "name"), to_attr="tag_list")
        )
    )


def person_search_rows(
    *, workspace: Workspace, filters: PersonFilters
) -> tuple[QuerySet[Person], int, bool]:
    """The people list's rows for a ranked search, the number of matches up to
    search.MATCH_CAP and whether there are more.

    Up to the cap every match is ranked. Beyond it the page says "more than MATCH_CAP" and
    pages no further, and the rows are bounded (search.bound_matches): every name match and
    MATCH_CAP + 1 others, so a word of many organisations ranks a thousand rows, not
    23,700, while the people of that name still come first.
    """
    cap = search.MATCH_CAP
    rows = person_list_rows(workspace=workspace, filters=filters)
    count, capped = capped_count(rows, cap)
    if capped:
        rows = person_list_rows(workspace=workspace, filters=filters, match_cap=cap)
    return rows, count, capped


def person_list_order(filters: PersonFilters) -> tuple[Key, ...]:
    """The people list's sort key for keyset pages (ends with the id, breaking ties)."""
    names = PERSON_SORTS.get(filters.sort, PERSON_SORTS["name"])
    return keys(*names, nullable=("last_touched_at",))


def person_get(*, workspace: Workspace, pk: int) -> Person:
    """One person of the workspace, or 404.

    `get` rather than `first`: a lookup by primary key needs no ORDER BY, and compiling the
    model's default ordering over two joined tables costs more CPU than running the query.
    """
    try:
        person = (
            Person.objects.defer("search_text")
            .select_related("organisation", "introduced_by")
            .prefetch_related(
                "tags",
                Prefetch("emails", queryset=EmailAddress.objects.order_by("-is_primary", "id")),
                Prefetch("phones", queryset=PhoneNumber.objects.order_by("-is_primary", "id")),
            )
            .get(workspace=workspace, pk=pk)
        )
    except Person.DoesNotExist:
        raise Http404 from None
    person.workspace = workspace  # known already: the page's reads need not fetch it again
    return person


def people_by_ids(*, workspace: Workspace, ids: list[int]) -> list[Person]:
    """People of the workspace among the given ids; 404 when one is missing."""
    unique = list(dict.fromkeys(ids))
    people = list(Person.objects.filter(workspace=workspace, pk__in=unique))
    if len(people) != len(unique):
        raise Http404
    return people


def reachable_channels(person: Person) -> list[str]:
    """The channels this person can be reached on, the preferred one first if reachable.

    Reads `emails` and `phones` (prefetched by person_get, else two small queries).
    """
    channels: list[str] = []
    if person.emails.all():
        channels.append(Channel.EMAIL)
    if person.phones.all():
        channels += [Channel.CALL, Channel.WHATSAPP]
    if person.linkedin_url:
        channels.append(Channel.LINKEDIN)
    if person.xing_url:
        channels.append(Channel.XING)
    if person.preferred_channel in channels:
        channels.remove(person.preferred_channel)
        channels.insert(0, person.preferred_channel)
    return channels


def person_self(*, workspace: Workspace, user: Any) -> Person | None:
    """The user's own node in this workspace."""
    return Person.objects.filter(workspace=workspace, user=user).first()


def person_employments(*, person: Person) -> list[Employment]:
    """A person's employment history, current first."""
    return list(
        person.employments.select_related("organisation").only(
            "id",
            "title",
            "start_date",
            "end_date",
            "is_current",
            "person_id",
            "organisation__id",
            "organisation__name",
        )
    )


@dataclass(frozen=True)
class Connection:
    """One edge seen from a person: the other person, strength and context."""

    relationship: Relationship
    other: Person


def person_relationships(*, person: Person, limit: int | None = None) -> list[Connection]:
    """The people this person knows, strongest first (the first `limit` of them)."""
    names = [
        f"{side}__{f}"
        for side in ("from_person", "to_person")
        for f in ("id", "first_name", "last_name", "workspace_id")
    ]
    edges = (
        Relationship.objects.filter(Q(from_person=person) | Q(to_person=person))
        .select_related("from_person", "to_person")
        .only("id", "strength", "context", "from_person_id", "to_person_id", *names)
        .order_by("-strength", "id")
    )
    if limit is not None:
        edges = edges[:limit]
    return [
        Connection(e, e.to_person if e.from_person_id == person.pk else e.from_person)
        for e in edges
    ]


def relationship_get(*, workspace: Workspace, pk: int) -> Relationship:
    """One edge of the workspace, or 404."""
    edge = Relationship.objects.filter(workspace=workspace, pk=pk).first()
    if edge is None:
        raise Http404
    return edge


def employment_get(*, workspace: Workspace, pk: int) -> Employment:
    """One employment of the workspace, or 404."""
    employment = (
        Employment.objects.filter(workspace=workspace, pk=pk)
        .select_related("person", "organisation")
        .first()
    )
    if employment is None:
        raise Http404
    return employment


ORGANISATION_ORDER = keys("name", "id")
TARGET_ORDER = keys("target_priority", "name", "id")


def organisation_list(
    *, workspace: Workspace, q: str = "", target_only: bool = False
) -> QuerySet[Organisation]:
    """Organisations with their people counts; target companies by priority when asked.

    The count is a subquery per row, so a page of 50 counts the people of 50 organisations;
    a grouped join counted everyone in the workspace before the page was cut (507 ms at 1M).
    """
    counts = (
        Person.objects.filter(workspace=workspace, organisation=OuterRef("pk"))
        .order_by()
        .values("organisation")
        .annotate(n=Count("*"))
        .values("n")
    )
    qs = (
        Organisation.objects.filter(workspace=workspace)
        .annotate(people_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0))
        .order_by(*(k.order for k in ORGANISATION_ORDER))
    )
    if q:
        from kontaktpflege.core.text import fold

        qs = qs.filter(name_folded__contains=fold(q))
    if target_only:
        qs = qs.filter(is_target=True).order_by(*(k.order for k in TARGET_ORDER))
    return qs


def organisation_get(*, workspace: Workspace, pk: int) -> Organisation:
    """One organisation of the workspace, or 404."""
    org = Organisation.objects.filter(workspace=workspace, pk=pk).first()
    if org is None:
        raise Http404
    return org


def organisation_people(*, organisation: Organisation) -> QuerySet[Person]:
    """People currently at an organisation."""
    return organisation.people.order_by("last_name", "first_name")


def tag_choices(*, workspace: Workspace) -> list[tuple[int, str]]:
    """(id, name) of the workspace's tags, for filter menus (no counts to compute)."""
    return list(Tag.objects.filter(workspace=workspace).order_by("name").values_list("id", "name"))


def tag_list(*, workspace: Workspace) -> QuerySet[Tag]:
    """Tags of a workspace with their people counts."""
    # COUNT(tag_id) in a subquery reads only the tag_id index of the m2m table; a join
    # with COUNT(person_id) looks up every row (about 4x slower at scale M on SQLite).
    through = Person.tags.through
    counts = (
        through.objects.filter(tag_id=OuterRef("pk"))  # type: ignore[misc]
        .order_by()
        .values("tag_id")
        .annotate(n=Func(F("tag_id"), function="COUNT"))
        .values("n")
    )
    return Tag.objects.filter(workspace=workspace).annotate(
        people_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0)
    )


def tag_get(*, workspace: Workspace, pk: int) -> Tag:
    """One tag of the workspace, or 404."""
    tag = Tag.objects.filter(workspace=workspace, pk=pk).first()
    if tag is None:
        raise Http404
    return tag


TRIAGE_PAGE = 50


def unsorted_people(
    *, workspace: Workspace, after: int = 0, limit: int = TRIAGE_PAGE
) -> list[Person]:
    """The next unsorted (imported, not yet chosen) people for the triage page, by id."""
    return list(
        Person.objects.filter(
            workspace=workspace, circle="unsorted", user__isnull=True, pk__gt=after
        )
        .select_related("organisation")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.only("id", "name")))
        .order_by("pk")[:limit]
    )


def unsorted_count(*, workspace: Workspace) -> int:
    """How many people are still unsorted."""
    return Person.objects.filter(workspace=workspace, circle="unsorted", user__isnull=True).count()


def circle_counts(*, workspace: Workspace) -> tuple[int, int]:
    """(people in the core circle, unsorted people Today should offer to sort), one query.

    Unsorted people count from when the user last said "leave the rest" on the triage
    page: Today shows one item for all of them, never one per person.
    """
    unsorted = Q(circle="unsorted")
    done_at = (workspace.settings or {}).get("triage_done_at")
    if done_at:
        unsorted &= Q(created_at__gt=dt.datetime.fromisoformat(done_at))
    # The circle filter reads only those circles' range of the (workspace, circle) index,
    # not every person of the workspace (8 ms at M on SQLite; 0.2 ms so).
    counts = Person.objects.filter(
        workspace=workspace, user__isnull=True, circle__in=("core", "unsorted")
    ).aggregate(core=Count("id", filter=Q(circle="core")), unsorted=Count("id", filter=unsorted))
    return counts["core"], counts["unsorted"]
