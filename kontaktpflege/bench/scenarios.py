"""Foundation scenarios: people search, people list, person page, quick log.

Each figure comes over HTTP from the running server; its floor is measured in the same
run without the web stack: the raw search query, or the SQL the page ran, executed alone.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kontaktpflege.bench.registry import BenchContext, Result, percentile, scenario
from kontaktpflege.contacts.models import Person, Tag
from kontaktpflege.contacts.search import FTS_TABLE, _fts_query
from kontaktpflege.core.text import fold, search_terms

UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _pair(
    name: str, unit: str, timings: list[float], floors: list[float], label: str, target: str
) -> list[Result]:
    """p50 and p95 rows for one measured thing beside its floor."""
    return [
        Result(
            name=f"{name} p{p}",
            figure=percentile(timings, p),
            unit=unit,
            floor=percentile(floors, p),
            floor_label=f"{label} p{p}",
            target=target if p == 95 or "p50" in target else "",
            note=f"{len(timings)} requests",
        )
        for p in (50, 95)
    ]


def _sample_people(ctx: BenchContext, n: int, **filters: object) -> list[Person]:
    qs = Person.objects.filter(workspace=ctx.workspace, user__isnull=True, **filters)
    ids = list(qs.order_by("id").values_list("id", flat=True)[:5000])
    chosen = random.Random(len(ids)).sample(ids, min(n, len(ids)))
    return list(Person.objects.filter(pk__in=chosen).select_related("organisation"))


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


def _raw_search(ctx: BenchContext, query: str) -> Callable[[], None]:
    terms = search_terms(query)
    if connection.vendor == "sqlite":
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
        params: list[Any] = [_fts_query(terms)]
    else:
        sql = "SELECT id FROM contacts_person WHERE workspace_id = %s"
        params = [ctx.workspace.pk]
        for term in terms:
            sql += " AND search_text LIKE %s"
            params.append(f"%{term}%")

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return run


@scenario("people search")
def people_search(ctx: BenchContext) -> list[Result]:
    """GET /people/?q=… for real names and umlaut spellings; floor: the raw index query."""
    queries = _search_queries(ctx)
    each = max(2, ctx.repeat // 5)
    timings: list[float] = []
    floors: list[float] = []
    for q in queries:
        timings += ctx.time_http("/people/?" + urlencode({"q": q}), n=each)
        floors += ctx.time_call(_raw_search(ctx, q), n=each)
    label = "raw FTS5 query" if connection.vendor == "sqlite" else "raw trigram query"
    return _pair("GET /people/?q=", "ms", timings, floors, label, "p95 < 30 ms at M")


def _list_paths(ctx: BenchContext) -> list[str]:
    tag = Tag.objects.filter(workspace=ctx.workspace).order_by("id").first()
    before = (timezone.now() - dt.timedelta(days=365)).date().isoformat()
    paths = [
        "/people/",
        "/people/?circle=active",
        "/people/?target=1",
        "/people/?sort=-last_touched",
        f"/people/?circle=network&touched_before={before}",
        "/people/?page=5",
    ]
    if tag:
        paths.append(f"/people/?tag={tag.pk}")
    return paths


def _pages(ctx: BenchContext, paths: list[str]) -> tuple[list[float], list[float], int]:
    """HTTP timings of the pages and timings of their SQL alone."""
    each = max(2, ctx.repeat // len(paths))
    timings: list[float] = []
    floors: list[float] = []
    queries = 0
    for path in paths:
        statements = _page_sql(ctx, path)
        queries = max(queries, len(statements))
        timings += ctx.time_http(path, n=each)
        floors += ctx.time_call(_run_sql(statements), n=each)
    return timings, floors, queries


@scenario("people list")
def people_list(ctx: BenchContext) -> list[Result]:
    """The people list (50 rows) with filters and sorting; floor: the page's SQL alone."""
    timings, floors, queries = _pages(ctx, _list_paths(ctx))
    results = _pair(
        "GET /people/ (filters)",
        "ms",
        timings,
        floors,
        "its SQL alone",
        "p95 < 25 ms, p50 < 20 ms at M",
    )
    results[-1].note += f", ≤ {queries} queries per page"
    return results


@scenario("person page")
def person_page(ctx: BenchContext) -> list[Result]:
    """A person with timeline, connections and employment; floor: the page's SQL alone."""
    busiest = (
        Person.objects.filter(workspace=ctx.workspace, circle="core", user__isnull=True)
        .order_by("-last_touched_at", "id")
        .first()
    )
    people = _sample_people(ctx, 4) + ([busiest] if busiest else [])
    timings, floors, queries = _pages(ctx, [f"/people/{p.pk}/" for p in people])
    results = _pair(
        "GET /people/<id>/", "ms", timings, floors, "its SQL alone", "p95 < 15 ms, p50 < 8 ms at M"
    )
    results[-1].note += f", ≤ {queries} queries per page"
    return results


@scenario("quick log")
def quick_log(ctx: BenchContext) -> list[Result]:
    """POST /log/quick/ with CSRF over HTTP; floor: the touchpoint_log service call alone."""
    from kontaktpflege.touchpoints.services import touchpoint_log

    people = _sample_people(ctx, 10, circle="dormant") or _sample_people(ctx, 10)
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
    return _pair("POST /log/quick/", "ms", timings, floors, "touchpoint_log alone", "")
