"""Foundation scenarios: people search, people list, person page, quick log.

Each figure comes over HTTP from the running server; its floor is measured in the same
run without the web stack: the raw search query, or the SQL the page ran, executed alone.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kontaktpflege.bench import rows
from kontaktpflege.bench.registry import (
    BenchContext,
    Result,
    pair,
    percentile,
    run_queued_tasks,
    scenario,
)
from kontaktpflege.contacts import search
from kontaktpflege.contacts.models import Organisation, Person, Tag
from kontaktpflege.contacts.search import FTS_TABLE, NAME_END, _fts_query
from kontaktpflege.contacts.selectors import (
    ORGANISATION_ORDER,
    PersonFilters,
    person_list_order,
    person_list_rows,
    person_search_rows,
)
from kontaktpflege.core.keyset import encode_cursor, numbered_page
from kontaktpflege.core.text import fold, search_terms

PAGE_SIZE = 50  # the people list's page (web.views.people.PAGE_SIZE)
UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def sample_people(workspace: Any, n: int, **filters: object) -> list[Person]:
    """n people drawn from the whole table (the same ones for the same data)."""
    qs = Person.objects.filter(workspace=workspace, user__isnull=True, **filters)
    ids = list(qs.order_by("id").values_list("id", flat=True))
    chosen = random.Random(len(ids)).sample(ids, min(n, len(ids)))
    return list(Person.objects.filter(pk__in=chosen).select_related("organisation"))


def _sample_people(ctx: BenchContext, n: int, **filters: object) -> list[Person]:
    return sample_people(ctx.workspace, n, **filters)


def _page_sql(ctx: BenchContext, path: str) -> list[str]:
    """The SQL statements a page runs, captured from one in-process request."""
    client = Client()
    client.force_login(ctx.user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code} in-process")
    return [q["sql"] for q in captured.captured_queries]


def _run_sql(statements: list[str]) -> Callable[[], None]:
    def run() -> None:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()

    return run


def _search_queries(ctx: BenchContext) -> list[str]:
    """Real names from the data, with umlaut variants (Müller, Mueller, muller)."""
    people = _sample_people(ctx, 6)
    queries = [p.last_name for p in people[:3]]
    queries += [f"{p.first_name} {p.last_name}" for p in people[3:]]
    umlauted = _sample_people(ctx, 2, last_name__regex=r"[äöüß]")
    for p in umlauted:
        queries += [p.last_name, p.last_name.translate(UMLAUTS), fold(p.last_name)]
    org = next((p.organisation for p in people if p.organisation), None)
    if org:
        queries.append(org.name.split()[0])
    return queries


def search_sql(
    workspace_id: int, query: str, *, bounded: bool = False
) -> list[tuple[str, list[Any]]]:
    """The page's search by hand: its count and its first page (join, rank, order, limit).

    Ranked as the page ranks a query: whole words of the name first (tier 0), then name
    prefixes (tier 1), then the rest (tier 2); within a tier bm25 on SQLite, on PostgreSQL
    where the match sits after the name (0 within it), then the name. The name is the
    search text before NAME_END. The count stops after MATCH_CAP; beyond it (`bounded`),
    PostgreSQL ranks the name matches and MATCH_CAP + 1 of the others only.
    """
    terms = search_terms(query)
    cap = search.MATCH_CAP
    where = "p.workspace_id = %s AND p.user_id IS NULL"
    params: list[Any] = [workspace_id]
    if connection.vendor == "sqlite":
        match = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
        where += f" AND p.id IN ({match})"
        params.append(_fts_query(terms))
        name = "' ' || substr(p.search_text, 1, instr(p.search_text, %s) - 1) || ' '"
        has = f"instr({name}, %s) > 0"
        score = (
            f"(WITH s AS MATERIALIZED (SELECT rowid AS id, bm25({FTS_TABLE}) AS score "
            f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s) SELECT score FROM s WHERE s.id = p.id)"
        )
        score_params: list[Any] = [_fts_query(terms)]
        rows_where, rows_params = where, params
    else:
        likes = [f"%{connection.ops.prep_for_like_query(t)}%" for t in terms]
        listed = where
        where += " AND p.search_text LIKE %s" * len(terms)
        params += likes
        has = "strpos(' ' || split_part(p.search_text, %s, 1) || ' ', %s) > 0"
        place = "strpos(p.search_text, %s) - strpos(p.search_text, %s)"
        score = f"GREATEST(0, {', '.join([place] * len(terms))})"
        score_params = [v for t in terms for v in (t, NAME_END)]
        rows_where, rows_params = where, params
        if bounded:
            name = f"split_part(n.search_text, '{NAME_END}', 1) LIKE %s"
            names_where = " AND ".join([name] * len(terms))
            others = f"SELECT p.id FROM contacts_person p WHERE {where} LIMIT {cap + 1}"
            rows_where = (
                f"{listed} AND p.id IN (SELECT n.id FROM contacts_person n "
                f"WHERE n.workspace_id = %s AND n.user_id IS NULL AND {names_where} "
                f"UNION ALL ({others}))"
            )
            rows_params = [workspace_id, workspace_id, *likes, *params]
    words = " AND ".join([has] * len(terms))
    whole = [v for t in terms for v in (NAME_END, f" {t} ")]
    prefix = [v for t in terms for v in (NAME_END, f" {t}")]
    rows = f"""
        SELECT p.id, p.workspace_id, p.first_name, p.last_name, p.job_title, p.circle,
               p.last_touched_at, p.user_id, p.organisation_id,
               CASE WHEN {words} THEN 0 WHEN {words} THEN 1 ELSE 2 END AS tier,
               {score} AS score,
               o.id, o.name, o.is_target
        FROM contacts_person p LEFT OUTER JOIN contacts_organisation o ON o.id = p.organisation_id
        WHERE {rows_where}
        ORDER BY tier, score, p.last_name, p.first_name, p.id
        LIMIT {PAGE_SIZE + 1}
    """
    count = (
        f"SELECT COUNT(*) FROM (SELECT p.id FROM contacts_person p WHERE {where} "
        f"LIMIT {cap + 1}) AS matches"
    )
    return [(count, params), (rows, [*whole, *prefix, *score_params, *rows_params])]


TAGS_SQL = """
    SELECT pt.person_id, t.id, t.name
    FROM contacts_person_tags pt JOIN contacts_tag t ON t.id = pt.tag_id
    WHERE pt.person_id IN ({marks})
"""


def search_floor(workspace_id: int, query: str) -> tuple[int, bool, list[int]]:
    """Run the hand-written search: (matches up to MATCH_CAP, whether more, the first page).

    The same statements as the page: the capped count, the page's rows (bounded beyond
    the cap, as the page bounds them) and their tags.
    """
    count_sql, count_params = search_sql(workspace_id, query)[0]
    with connection.cursor() as cursor:
        cursor.execute(count_sql, count_params)
        (count,) = cursor.fetchone()
        capped = count > search.MATCH_CAP
        rows_sql, rows_params = search_sql(workspace_id, query, bounded=capped)[1]
        cursor.execute(rows_sql, rows_params)
        ids = [row[0] for row in cursor.fetchall()]
        if ids:
            cursor.execute(TAGS_SQL.format(marks=", ".join(["%s"] * len(ids))), ids)
            cursor.fetchall()
    return min(count, search.MATCH_CAP), capped, ids[:PAGE_SIZE]


def search_page(workspace: Any, query: str) -> tuple[int, bool, list[int]]:
    """What the people page shows for a query (its count, whether capped, its first page),
    by the selector and the numbered page the view uses."""
    qs, count, capped = person_search_rows(workspace=workspace, filters=PersonFilters(q=query))
    page = numbered_page(qs, number=None, size=PAGE_SIZE, max_pages=1, counted=(count, capped))
    return count, capped, [p.pk for p in page.object_list]


@scenario("people search")
def people_search(ctx: BenchContext) -> list[Result]:
    """GET /people/?q=… for real names and umlaut spellings; floor: the same query by hand."""
    queries = _search_queries(ctx)
    each = max(2, ctx.repeat // 5)
    timings: list[float] = []
    floors: list[float] = []
    for q in queries:
        if search_floor(ctx.workspace.pk, q) != search_page(ctx.workspace, q):
            raise RuntimeError(f"the search floor and the page disagree for {q!r}")
        timings += ctx.time_http("/people/?" + urlencode({"q": q}), n=each)
        floors += ctx.time_call(partial(search_floor, ctx.workspace.pk, q), n=each)
    label = "the page's search SQL by hand (FTS5)"
    if connection.vendor != "sqlite":
        label = "the page's search SQL by hand (trigram)"
    return pair("GET /people/?q=", "ms", timings, floors, label, "p95 < 30 ms at M, < 100 ms at L")


def _list_paths(ctx: BenchContext) -> list[str]:
    tag = Tag.objects.filter(workspace=ctx.workspace).order_by("id").first()
    before = (timezone.now() - dt.timedelta(days=365)).date().isoformat()
    paths = [
        "/people/",
        "/people/?circle=active",
        "/people/?target=1",
        "/people/?sort=-last_touched",
        f"/people/?circle=network&touched_before={before}",
        _deep_path(ctx, "/people/", _name_sorted(ctx), page=5),
    ]
    if tag:
        paths.append(f"/people/?tag={tag.pk}")
    return paths


def _pages(
    ctx: BenchContext,
    paths: list[str],
    capture: Callable[[BenchContext, str], list[str]] | None = None,
) -> tuple[list[float], list[float], int]:
    """HTTP timings of the pages and timings of their SQL alone (captured by `capture`,
    by default from one in-process request of each page)."""
    each = max(2, ctx.repeat // len(paths))
    timings: list[float] = []
    floors: list[float] = []
    queries = 0
    for path in paths:
        statements = (capture or _page_sql)(ctx, path)
        queries = max(queries, len(statements))
        timings += ctx.time_http(path, n=each)
        floors += ctx.time_call(_run_sql(statements), n=each)
    return timings, floors, queries


@scenario("people list")
def people_list(ctx: BenchContext) -> list[Result]:
    """The people list (50 rows) with filters and sorting; floor: the page's SQL alone."""
    timings, floors, queries = _pages(ctx, _list_paths(ctx))
    results = pair(
        "GET /people/ (filters)",
        "ms",
        timings,
        floors,
        "its SQL alone",
        "p95 < 25 ms, p50 < 20 ms at M",
    )
    results[-1].note += f", ≤ {queries} queries per page"
    return results


LIST_TARGET = "p95 < 30 ms at M, < 60 ms at L"


def _name_sorted(ctx: BenchContext) -> Any:
    return person_list_rows(workspace=ctx.workspace, filters=PersonFilters(sort="name"))


def _deep_path(ctx: BenchContext, path: str, qs: Any, *, page: int) -> str:
    """The link to page `page` of a keyset list (its cursor), as a reader reaches it.

    The row before the page is found once with OFFSET here, outside the timing.
    """
    order = person_list_order(PersonFilters(sort="name")) if path == "/people/" else None
    if path == "/organisations/":
        order = ORGANISATION_ORDER
    assert order is not None
    page = min(page, (qs.count() - 1) // PAGE_SIZE + 1)  # small data has fewer pages
    if page < 2:
        return path
    row = qs.order_by(*(k.order for k in order))[(page - 1) * PAGE_SIZE - 1]
    cursor = encode_cursor("n", page, [getattr(row, k.field) for k in order])
    return f"{path}?{urlencode({'cursor': cursor})}"


def _deep_page(ctx: BenchContext) -> int:
    """Four fifths of the way through the people list (page 480 of 600 at M)."""
    people = Person.objects.filter(workspace=ctx.workspace, user__isnull=True).count()
    return max(2, people // PAGE_SIZE * 4 // 5)


@scenario("people list page 1")
def people_list_first(ctx: BenchContext) -> list[Result]:
    """GET /people/: the first 50 by name with the count; floor: the page's SQL alone."""
    timings, floors, queries = _pages(ctx, ["/people/"])
    results = pair("GET /people/", "ms", timings, floors, "its SQL alone", LIST_TARGET)
    results[-1].note += f", {queries} queries"
    return results


@scenario("people list deep page")
def people_list_deep(ctx: BenchContext) -> list[Result]:
    """A page four fifths of the way through the list by name, reached by its cursor."""
    page = _deep_page(ctx)
    path = _deep_path(ctx, "/people/", _name_sorted(ctx), page=page)
    timings, floors, queries = _pages(ctx, [path])
    results = pair(f"GET /people/ page {page}", "ms", timings, floors, "its SQL alone", LIST_TARGET)
    results[-1].note += f", {queries} queries"
    return results


@scenario("organisations list")
def organisations_list(ctx: BenchContext) -> list[Result]:
    """Organisations with their people counts: page 1, a deep page and the target list."""
    orgs = Organisation.objects.filter(workspace=ctx.workspace)
    deep = max(2, orgs.count() // PAGE_SIZE * 4 // 5)
    paths = ["/organisations/", "/organisations/?target=1"]
    if orgs.count() > PAGE_SIZE:
        paths.append(_deep_path(ctx, "/organisations/", orgs, page=deep))
    timings, floors, queries = _pages(ctx, paths)
    results = pair("GET /organisations/", "ms", timings, floors, "its SQL alone", LIST_TARGET)
    results[-1].note += f", ≤ {queries} queries per page"
    return results


def person_page_sql(ctx: BenchContext, path: str) -> list[str]:
    """The SQL of a person page viewed again unchanged, as every timed request is (they
    follow a warm-up): its body comes from the cache, so only the stamp is read. A first
    view renders the body with the ORM; captured from it, the floor was a cache miss's SQL.
    """
    client = Client()
    client.force_login(ctx.user)
    client.get(path)  # the warm-up: renders the body and caches it
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code} in-process")
    return [q["sql"] for q in captured.captured_queries]


@scenario("person page")
def person_page(ctx: BenchContext) -> list[Result]:
    """A person with timeline, connections and employment; floor: the page's SQL alone."""
    busiest = (
        Person.objects.filter(workspace=ctx.workspace, circle="core", user__isnull=True)
        .order_by("-last_touched_at", "id")
        .first()
    )
    people = _sample_people(ctx, 4) + ([busiest] if busiest else [])
    paths = [f"/people/{p.pk}/" for p in people]
    timings, floors, queries = _pages(ctx, paths, capture=person_page_sql)
    results = pair(
        "GET /people/<id>/", "ms", timings, floors, "its SQL alone", "p95 < 15 ms, p50 < 8 ms at M"
    )
    results[-1].note += f", ≤ {queries} queries per page"
    return results


@scenario("quick log")
def quick_log(ctx: BenchContext) -> list[Result]:
    """POST /log/quick/ with CSRF over HTTP; floor: the touchpoint_log service call alone.

    Every row it writes or changes (touchpoints, last touched, follow-ups) is put back as it
    was afterwards, so later figures see the generated data.
    """
    people = _sample_people(ctx, 10, circle="dormant") or _sample_people(ctx, 10)
    scopes = rows.people_scopes([p.pk for p in people], rows.max_ids())
    before = rows.snapshot(scopes)
    try:
        timings, floors = _quick_log(ctx, people)
    finally:
        run_queued_tasks()  # refreshes queued by the requests, if any, are part of the log
        rows.apply(rows.changes(before, rows.snapshot(scopes)).reversed())
    if rows.snapshot(scopes).rows != before.rows:
        raise RuntimeError("quick log left rows behind")
    return pair("POST /log/quick/", "ms", timings, floors, "touchpoint_log alone", "")


def _quick_log(ctx: BenchContext, people: list[Person]) -> tuple[list[float], list[float]]:
    from kontaktpflege.touchpoints.services import touchpoint_log

    ctx.http.get(ctx.base_url + "/people/")  # a page first, as a user would, for the cookie
    timings, floors = [], []
    for n in range(ctx.repeat):
        person = people[n % len(people)]
        data = {"text": f"Kaffee mit {person.full_name} – Bench {n}", "person": str(person.pk)}
        data["next"] = "/people/"
        start = time.perf_counter()
        response = ctx.http.post(ctx.base_url + "/log/quick/", data)
        timings.append((time.perf_counter() - start) * 1000)
        if response.status != 302:
            raise RuntimeError(f"POST /log/quick/ answered {response.status}")
        start = time.perf_counter()
        touchpoint_log(
            workspace=ctx.workspace,
            participants=[person],
            summary=f"Bench floor {n}",
            created_by=ctx.user,
        )
        floors.append((time.perf_counter() - start) * 1000)
    return timings, floors


@scenario("minimal view")
def minimal_view(ctx: BenchContext) -> list[Result]:
    """GET /health/live/ over HTTP: a Django view that does nothing, on the same server.

    The floor of every HTTP figure: what the server, the middleware and the client cost
    before a page does any work, measured in the same run under the same load.
    """
    timings = ctx.time_http("/health/live/")
    return [
        Result(
            name=f"GET /health/live/ p{p}",
            figure=percentile(timings, p),
            unit="ms",
            note=f"{len(timings)} requests: the HTTP floor of the pages above",
        )
        for p in (50, 95)
    ]
