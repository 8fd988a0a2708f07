"""People search: SQLite FTS5 or PostgreSQL trigram indexes over folded text.

Both index `Person.search_text`, the folded form (core.text.fold) of names, organisation,
title, tags, emails and notes, so "Müller", "Mueller" and "muller" find each other.
The name comes first and ends at NAME_END, so ranking can tell a name match from a match
in the organisation or the notes without a second column.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F, Func, QuerySet, TextField
from django.db.models.expressions import RawSQL

from kontaktpflege.core.text import fold, search_terms

FTS_TABLE = "contacts_person_fts"
NAME_END = " | "
PERSON_TABLE = "contacts_person"
# A ranked search on PostgreSQL ranks every name match and at most this many others, and
# counts up to it: the people page's numbered pages reach this far (see bound_matches).
MATCH_CAP = 1000


class SearchName(Func):
    """The name part of the search text; PostgreSQL has a trigram index on this expression
    (migration 0011), and NAME_END is spelled out so the expression matches the index's."""

    template = f"split_part(%(expressions)s, '{NAME_END}', 1)"
    output_field = TextField()

    def __init__(self) -> None:
        super().__init__(F("search_text"))


def build_search_text(
    person: object, *, organisation: str, tags: list[str], emails: list[str]
) -> str:
    """The folded text a person is found by: the name, NAME_END, then everything else."""
    names = [getattr(person, f, "") for f in ("academic_title", "first_name", "last_name")]
    parts = [
        organisation,
        getattr(person, "job_title", ""),
        getattr(person, "location", ""),
        " ".join(tags),
        " ".join(emails),
        getattr(person, "notes", ""),
    ]
    name = fold(" ".join(p for p in names if p))
    return name + NAME_END + fold(" ".join(p for p in parts if p))


def index_people(rows: list[tuple[int, str]]) -> None:
    """Write (person id, search text) pairs into the SQLite FTS index (no-op elsewhere)."""
    if connection.vendor != "sqlite" or not rows:
        return
    with connection.cursor() as cursor:
        # Deleting from FTS5 is costly; only rows that are indexed already need it.
        existing = []
        ids = [pk for pk, _text in rows]
        for start in range(0, len(ids), 900):
            part = ids[start : start + 900]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(f"SELECT rowid FROM {FTS_TABLE} WHERE rowid IN ({marks})", part)
            existing += [(row[0],) for row in cursor.fetchall()]
        if existing:
            cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", existing)
        cursor.executemany(f"INSERT INTO {FTS_TABLE}(rowid, body) VALUES (%s, %s)", list(rows))


def reindex_people(person_ids: list[int], chunk: int = 900) -> None:
    """Rebuild search text and FTS rows for many people with a few queries per chunk."""
    from types import SimpleNamespace

    from kontaktpflege.contacts.models import EmailAddress, Person

    tags_through = Person.tags.through
    for start in range(0, len(person_ids), chunk):
        part = person_ids[start : start + chunk]
        people = Person.objects.filter(id__in=part).values(
            "id",
            "academic_title",
            "first_name",
            "last_name",
            "job_title",
            "location",
            "notes",
            "organisation__name",
        )
        tags: dict[int, list[str]] = {}
        for pk, name in tags_through.objects.filter(person_id__in=part).values_list(
            "person_id", "tag__name"
        ):
            tags.setdefault(pk, []).append(name)
        emails: dict[int, list[str]] = {}
        for pk, email in (
            EmailAddress.objects.filter(person_id__in=part)
            .order_by("-is_primary", "id")
            .values_list("person_id", "email")
        ):
            emails.setdefault(pk, []).append(email)
        rows = []
        for values in people:
            pk = values["id"]
            text = build_search_text(
                SimpleNamespace(**values),
                organisation=values["organisation__name"] or "",
                tags=sorted(tags.get(pk, [])),
                emails=emails.get(pk, []),
            )
            rows.append((pk, text))
        table = Person._meta.db_table
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET search_text = %s WHERE id = %s", [(t, pk) for pk, t in rows]
            )
        index_people(rows)


def unindex_people(ids: list[int]) -> None:
    """Remove people from the SQLite FTS index."""
    if connection.vendor != "sqlite" or not ids:
        return
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(pk,) for pk in ids])


def _fts_query(terms: list[str]) -> str:
    return " AND ".join('"' + t.replace('"', '""') + '"*' for t in terms)


def filter_search(queryset: QuerySet, query: str) -> QuerySet:
    """Narrow a people queryset to those matching every term of the query."""
    terms = search_terms(query)
    if not terms:
        return queryset
    if connection.vendor == "sqlite":
        return queryset.filter(
            id__in=RawSQL(
                f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [_fts_query(terms)]
            )
        )
    for term in terms:
        queryset = queryset.filter(search_text__contains=term)
    return queryset


def _name_tier(terms: list[str]) -> RawSQL:
    """0 when every term is a whole word of the name, 1 when each starts one, else 2."""
    column = f"{PERSON_TABLE}.search_text"
    if connection.vendor == "sqlite":
        has = f"instr(' ' || substr({column}, 1, instr({column}, %s) - 1) || ' ', %s) > 0"
    else:
        has = f"strpos(' ' || split_part({column}, %s, 1) || ' ', %s) > 0"
    words = " AND ".join([has] * len(terms))
    whole = [p for t in terms for p in (NAME_END, f" {t} ")]
    start = [p for t in terms for p in (NAME_END, f" {t}")]
    return RawSQL(f"CASE WHEN {words} THEN 0 WHEN {words} THEN 1 ELSE 2 END", [*whole, *start])


def rank_search(queryset: QuerySet, query: str, *, cap: int | None = None) -> QuerySet:
    """Matches of the query, best first: whole-name words, name prefixes, then the rest.

    Within a tier SQLite orders by FTS5's bm25 and PostgreSQL by where the match sits
    (_match_place: the organisation before the notes), then by name. Only matching rows
    are ranked, so the cost follows the matches, not the table. With a cap, PostgreSQL
    ranks every name match and up to cap + 1 others (bound_matches).
    """
    terms = search_terms(query)
    if not terms:
        return queryset.order_by("last_name", "first_name", "id")
    if cap is not None and connection.vendor != "sqlite":
        # The bound holds matches only; the text is not searched a second time outside it.
        queryset = bound_matches(queryset, query, cap=cap)
    else:
        queryset = filter_search(queryset, query)
    queryset = queryset.annotate(search_tier=_name_tier(terms))
    if connection.vendor == "sqlite":
        # bm25() needs the MATCH in its own query; materialised once (SQLite 3.35+), then
        # looked up per match: a join let SQLite rerun the full-text query for every person
        # (12.8 s instead of 33 ms for 11,000 matches among 20,000 people).
        score = RawSQL(
            f"(WITH s AS MATERIALIZED (SELECT rowid AS id, bm25({FTS_TABLE}) AS score "
            f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s) "
            f"SELECT score FROM s WHERE s.id = {PERSON_TABLE}.id)",
            [_fts_query(terms)],
        )
        queryset, order = queryset.annotate(search_score=score), "search_score"
    else:
        queryset, order = queryset.annotate(search_score=_match_place(terms)), "search_score"
    return queryset.order_by("search_tier", order, "last_name", "first_name", "id")


def _match_place(terms: list[str]) -> RawSQL:
    """Where the match sits after the name: 0 within the name, else the farthest term's place.

    The text after NAME_END holds the organisation, the title, the location, the tags, the
    e-mail addresses and the notes in this order, so a smaller place is a match in a more
    telling field; people at the same organisation share their place and follow by name.
    strpos finds the first occurrence, and the name comes first: a term of the name counts 0.
    The fields are not told apart: for someone with no organisation, title, location, tags
    or e-mail, a match in the notes sits as early as another's match in the organisation.
    (Trigram similarity over the whole text ordered by the text's length more than by the
    match, and cost 14 ms for 789 matches at M; this costs a few string searches a row.)
    """
    column = f"{PERSON_TABLE}.search_text"
    places = [f"strpos({column}, %s) - strpos({column}, %s)"] * len(terms)
    params = [p for t in terms for p in (t, NAME_END)]
    return RawSQL(f"GREATEST(0, {', '.join(places)})", params)


def bound_matches(queryset: QuerySet, query: str, *, cap: int = MATCH_CAP) -> QuerySet:
    """On PostgreSQL, keep of a ranked search every name match and `cap` + 1 others.

    A common word of organisations matched 23,700 of a million people, and ranking and
    counting them all took 300 ms. The names (tiers 0 and 1, and names holding the query)
    come from a trigram index on the name alone and stay complete; of the rest, any cap + 1
    are ranked. Beyond cap matches the page says "more than cap" and asks for a narrower
    search, so which of the rest are left out matters little. Below the cap every match
    is kept. `queryset` is already narrowed by every filter of the list (not ranked yet).
    SQLite ranks every match (FTS5 with bm25 is fast enough) and returns it as is.
    """
    terms = search_terms(query)
    if not terms or connection.vendor == "sqlite":
        return queryset
    names = queryset.order_by().alias(search_name=SearchName())
    for term in terms:  # a name holding the term: the search text holds it too
        names = names.filter(search_name__contains=term)
    others = filter_search(queryset.order_by(), query).values("pk")[: cap + 1]
    return queryset.filter(pk__in=names.values("pk").union(others, all=True))


def fold_query(query: str) -> str:
    """The folded form of a query, for display and tests."""
    return fold(query)
