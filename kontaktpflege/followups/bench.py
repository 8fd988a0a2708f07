"""Benchmarks of the follow-up area: the Today agenda over HTTP, Today with 200 due items
rendered at the server, and a full recompute.

The agenda's floor is one hand-written query checked to return the page's rows; the
200-item page's floor is that query plus the people's names and one line of HTML per item,
checked to list the same items in the same order; the recompute's floor is the pure engine
over facts collected beforehand, checked to yield the items the recompute left in the
database.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.utils.html import escape

from kontaktpflege.accounts.services import user_create
from kontaktpflege.bench.registry import BenchContext, Result, pair, scenario
from kontaktpflege.contacts.models import Person
from kontaktpflege.core.timeutils import local_today
from kontaktpflege.followups import engine
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.followups.selectors import (
    PAGE_ITEMS,
    PER_GROUP,
    SHOW_ALL,
    WEEK_DAYS,
    agenda_queryset,
    pick_shown,
)
from kontaktpflege.followups.services import (
    CHUNK,
    FACT_PROVIDERS,
    collect_facts,
    followups_recompute_workspace,
    person_rows,
    workspace_rules,
    workspace_today,
    workspace_zone,
)


def floor_sql() -> str:
    """The hand-written agenda query: the same rows as agenda_queryset, no ORM (id, group, rule).

    Suggestions are never overdue: past their day they stay in Today (group 1), and they
    get no lateness bonus.
    """
    quiet = ", ".join(f"'{rule}'" for rule in sorted(engine.NO_LATENESS_BONUS))
    suggestions = ", ".join(f"'{rule}'" for rule in sorted(engine.SUGGESTIONS))
    bonus = f"WHEN rule IN ({quiet}) THEN 0 " + " ".join(
        f"WHEN due_on <= %(d{days})s THEN {b}" for days, b in engine.OVERDUE_STEPS
    )
    return f"""
        SELECT id, grp, rule FROM (
          SELECT id, grp, eff, due_on, rule,
                 ROW_NUMBER() OVER (PARTITION BY grp ORDER BY eff DESC, due_on ASC, id ASC) AS rn
          FROM (
            SELECT id, due_on, rule,
                   CASE WHEN due_on < %(today)s AND rule IN ({suggestions}) THEN 1
                        WHEN due_on < %(today)s THEN 0 WHEN due_on = %(today)s THEN 1
                        ELSE 2 END AS grp,
                   priority + CASE {bonus} ELSE 0 END AS eff
            FROM followups_followup
            WHERE workspace_id = %(ws)s AND state IN ('open', 'snoozed')
              AND due_on <= %(week_end)s
          ) AS f
        ) AS r
        WHERE rn <= %(per_group)s
        ORDER BY grp, eff DESC, due_on, id
    """


def floor_ids(
    workspace_id: int, today: dt.date, per_group: int = PER_GROUP, total: int | None = None
) -> list[int]:
    """Run the floor query and return the ids in agenda order; given `total`, the ones a page
    of that many lists (the same pick_shown as the page, over the top `total` per group)."""
    params: dict[str, Any] = {
        "ws": workspace_id,
        "today": today,
        "week_end": today + dt.timedelta(days=WEEK_DAYS),
        "per_group": total or per_group,
    }
    for days, _bonus in engine.OVERDUE_STEPS:
        params[f"d{days}"] = today - dt.timedelta(days=days)
    with connection.cursor() as cursor:
        cursor.execute(floor_sql(), params)
        rows = cursor.fetchall()
    if total is None:
        return [row[0] for row in rows]
    shown = pick_shown(rows, total)
    return [row[0] for row in rows if row[0] in shown]


def orm_ids(
    workspace: Any, today: dt.date, per_group: int = PER_GROUP, total: int | None = None
) -> list[int]:
    rows = agenda_queryset(workspace=workspace, today=today, per_group=total or per_group)
    if total is None:
        return [f.pk for f in rows]
    shown = pick_shown([(f.pk, f.grp, f.rule) for f in rows], total)  # type: ignore[attr-defined]
    return [f.pk for f in rows if f.pk in shown]


@scenario("today", scales=("S", "M", "L"))
def bench_today(ctx: BenchContext) -> list[Result]:
    """GET / over HTTP beside the single hand-written SQL query and the page's pick (checked
    to agree)."""
    today = local_today(ctx.user)
    if floor_ids(ctx.workspace.pk, today, total=PAGE_ITEMS) != orm_ids(
        ctx.workspace, today, total=PAGE_ITEMS
    ):
        raise RuntimeError("the floor query and the agenda disagree")
    page = ctx.time_http("/")
    floor = ctx.time_call(lambda: floor_ids(ctx.workspace.pk, today, total=PAGE_ITEMS))
    return pair(
        f"Today agenda over HTTP ({ctx.scale})",
        "ms",
        page,
        floor,
        "hand-written agenda SQL",
        "p95 < 50 ms at M",
    )


TODAY_ITEMS = {"overdue": 100, "today": 50, "week": 50}  # 200 due items, all within "show all"


def fill_today(workspace: Any, today: dt.date) -> None:
    """Give a fresh workspace exactly 200 due items: one keep-in-touch item per person."""
    offsets = {"overdue": -5, "today": 0, "week": 3}
    people = Person.objects.bulk_create(
        Person(workspace=workspace, first_name=f"Person {n}", last_name=group, circle="active")
        for group, count in TODAY_ITEMS.items()
        for n in range(count)
    )
    FollowUp.objects.bulk_create(
        FollowUp(
            workspace=workspace,
            person=person,
            rule="keep_in_touch",
            key=f"keep_in_touch:{person.pk}",
            due_on=today + dt.timedelta(days=offsets[person.last_name]),
            original_due_on=today + dt.timedelta(days=offsets[person.last_name]),
            priority=20,
            params={"name": person.first_name, "last": "2025-01-02", "circle": "active"}
            | {"interval": 90},
        )
        for person in people
    )


def floor_page(workspace_id: int, today: dt.date, per_group: int, total: int | None) -> str:
    """The least a page listing the agenda must do: its rows, the names, one <li> per item."""
    ids = floor_ids(workspace_id, today, per_group, total)
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT f.id, f.due_on, p.id, p.first_name, p.last_name FROM followups_followup f"
            f" JOIN contacts_person p ON p.id = f.person_id WHERE f.id IN ({marks})",
            ids,
        )
        rows = {row[0]: row for row in cursor.fetchall()}
    return "".join(
        f'<li id="followup-{i}"><a href="/people/{rows[i][2]}/">'
        f"{escape(rows[i][3])} {escape(rows[i][4])}</a> {rows[i][1]}</li>"
        for i in ids
    )


def shown_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<li class="followup [^"]*" id="followup-(\d+)"', html)]


def _page_beside_floor(
    ctx: BenchContext,
    client: Client,
    workspace_id: int,
    today: dt.date,
    view: tuple[str, int, int | None, str],
) -> list[Result]:
    """Time one Today URL in process beside floor_page, after checking both list the same items."""
    path, per_group, total, label = view
    shown = shown_ids(client.get(path).content.decode())
    if shown != floor_ids(workspace_id, today, per_group, total):
        raise RuntimeError(f"the floor and {path} list different items")
    page = ctx.time_call(lambda: client.get(path))
    floor = ctx.time_call(lambda: floor_page(workspace_id, today, per_group, total))
    rows = pair(
        f"Today with 200 due items, {label}, server render",
        "ms",
        page,
        floor,
        "agenda SQL + names + one <li> per item",
        "p95 < 100 ms",
    )
    rows[-1].note += f", {len(shown)} items on the page"
    return rows


@scenario("today_200", scales=("S", "M", "L"))
def bench_today_200(ctx: BenchContext) -> list[Result]:
    """Today with 200 due items rendered at the server (in process, no network), default page
    and "show all", each beside its floor; the workspace is built here and rolled back."""
    results: list[Result] = []
    with transaction.atomic():
        user = user_create(
            username=f"bench-today-{secrets.token_hex(4)}",
            email="bench-today@example.org",
            password=secrets.token_urlsafe(16),
            language="en",
        )
        workspace = user.active_workspace
        assert workspace is not None
        today = local_today(user)
        fill_today(workspace, today)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        views = (
            ("/", PER_GROUP, PAGE_ITEMS, "default page"),
            ("/?all=1", SHOW_ALL, None, "show all"),
        )
        for view in views:
            results += _page_beside_floor(ctx, client, workspace.pk, today, view)
        transaction.set_rollback(True)
    return results


def collected_facts(
    workspace: Any,
) -> tuple[list[engine.PersonFacts], list[Any], dict[str, engine.Rule], Any, dt.date]:
    """Everything the engine needs for a whole workspace, read from the database once."""
    zone = workspace_zone(workspace)
    rules, circle_days = workspace_rules(workspace)
    ids = list(
        Person.objects.filter(workspace=workspace).order_by("pk").values_list("pk", flat=True)
    )
    facts: list[engine.PersonFacts] = []
    subjects: list[Any] = []
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        people = person_rows(Person.objects.filter(workspace=workspace, pk__in=part))
        facts += collect_facts(people, zone, circle_days)
        for provider in FACT_PROVIDERS:
            subjects += provider(workspace.pk, part, zone)
    return facts, subjects, rules, zone, workspace_today(workspace)


def engine_keys(
    facts: list[engine.PersonFacts],
    subjects: list[Any],
    rules: dict[str, engine.Rule],
    zone: Any,
    today: dt.date,
) -> set[str]:
    """The floor of a recompute: the engine alone over collected facts; the items' keys."""
    items = engine.people_items(facts, rules, today)
    items.extend(engine.subject_items(subjects, rules, zone))
    return {item.key for item in items}


def check_recompute(workspace: Any, keys: set[str]) -> None:
    """After a recompute every active row is an engine item, and every item has a row."""
    rows = FollowUp.objects.filter(workspace=workspace)
    active = set(rows.active().values_list("key", flat=True))
    every = set(rows.values_list("key", flat=True))
    if not active <= keys or not keys <= every:
        raise RuntimeError("the recompute and the engine over its facts disagree")


# The workspace's follow-ups while `time_into_empty` runs; a real table, so that a run that
# died half-way leaves them to the next run, which puts them back first.
SAVED_TABLE = "bench_saved_followups"


def _followup_columns() -> str:
    quote = connection.ops.quote_name
    return ", ".join(quote(f.column) for f in FollowUp._meta.concrete_fields)


def _sequence_get(cursor: Any) -> tuple | None:
    """Where the follow-ups' id sequence stands (PostgreSQL: its value, SQLite: its row)."""
    table = FollowUp._meta.db_table
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (name,) = cursor.fetchone()
        cursor.execute(f"SELECT last_value, is_called FROM {name}")
        return (name, *cursor.fetchone())
    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
    found = cursor.fetchone()
    return None if found is None else (table, found[0])


def _sequence_set(cursor: Any, saved: tuple | None) -> None:
    if saved is None:
        return
    if connection.vendor == "postgresql":
        cursor.execute("SELECT setval(%s::regclass, %s, %s)", list(saved))
    else:
        cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", saved[::-1])


def _save_followups(workspace_id: int) -> None:
    """Copy the workspace's follow-ups, every column and id, to SAVED_TABLE."""
    columns, table = _followup_columns(), FollowUp._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {SAVED_TABLE} AS SELECT {columns} FROM {table} WHERE workspace_id = %s",
            [workspace_id],
        )


def _restore_followups(workspace_id: int) -> None:
    """Put the saved rows back as they were (and nothing else of the workspace's), then
    drop SAVED_TABLE."""
    columns, table = _followup_columns(), FollowUp._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE workspace_id = %s", [workspace_id])
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {SAVED_TABLE}")
        cursor.execute(f"DROP TABLE {SAVED_TABLE}")


def time_into_empty(workspace: Any, runs: int) -> list[float]:
    """Milliseconds of a full recompute that writes every row, as after an import: the
    workspace has no follow-ups in a committed, vacuumed table.

    Untimed, the workspace's rows (every column, their ids) are copied to SAVED_TABLE and
    the id sequence noted; before each run its rows are deleted and committed, and
    PostgreSQL's follow-ups table is vacuumed, as autovacuum would (this server runs
    without it): the run's inserts step over no dead rows. Each run is timed outside any
    transaction, as the recompute command and the worker call it, so from PARALLEL_FROM
    people on PostgreSQL it uses several processes. Afterwards, whatever happened, the
    run's rows are deleted, the saved ones inserted again with their ids, the sequence set
    back, and the table vacuumed again: the table is as it was, row for row. (Inside a
    test's transaction the deletes are savepoints and nothing is vacuumed.)"""
    from kontaktpflege.bench.runner import vacuum

    table = FollowUp._meta.db_table
    if SAVED_TABLE in connection.introspection.table_names():  # a run died: its rows first
        _restore_followups(workspace.pk)
    with connection.cursor() as cursor:
        sequence = _sequence_get(cursor)
    _save_followups(workspace.pk)
    timings = []
    try:
        for _ in range(runs):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE workspace_id = %s", [workspace.pk])
            vacuum(table=table)
            start = time.perf_counter()
            followups_recompute_workspace(workspace=workspace)
            timings.append((time.perf_counter() - start) * 1000)
    finally:
        _restore_followups(workspace.pk)
        with connection.cursor() as cursor:
            _sequence_set(cursor, sequence)
        vacuum(table=table)
    return timings


@scenario("recompute", scales=("S", "M", "L"))
def bench_recompute(ctx: BenchContext) -> list[Result]:
    """A full recompute of the workspace's follow-ups from scratch, over its rows (most are
    right already and stay) and into an empty table (every row written, as after an import:
    see `time_into_empty`); floor: the engine alone."""
    runs = int(ctx.extra.get("recompute_runs") or {"M": 3, "L": 1}.get(ctx.scale, 5))
    facts, subjects, rules, zone, today = collected_facts(ctx.workspace)
    keys = engine_keys(facts, subjects, rules, zone, today)
    timings = ctx.time_call(lambda: followups_recompute_workspace(workspace=ctx.workspace), runs)
    check_recompute(ctx.workspace, keys)
    floors = ctx.time_call(lambda: engine_keys(facts, subjects, rules, zone, today), runs)
    target = "p95 < 3,000 ms at M, < 60,000 ms at L"
    results = pair(
        f"Full follow-up recompute ({ctx.scale})",
        "ms",
        timings,
        floors,
        "the engine over pre-collected facts",
        target,
        what="runs",
    )
    results[-1].note += f", {len(facts):,} people, {len(keys):,} items"
    empty = time_into_empty(ctx.workspace, runs)
    results += pair(
        f"Full follow-up recompute into an empty table ({ctx.scale})",
        "ms",
        empty,
        floors,
        "the engine over pre-collected facts",
        target,
        what="runs",
    )
    return results
