"""Benchmarks of the follow-up area: the Today agenda over HTTP and a full recompute.

The agenda's floor is one hand-written query checked to return the page's rows; the
recompute's floor is the pure engine over facts collected beforehand, checked to yield the
items the recompute left in the database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

from kontaktpflege.bench.registry import BenchContext, Result, pair, scenario
from kontaktpflege.contacts.models import Person
from kontaktpflege.core.timeutils import local_today
from kontaktpflege.followups import engine
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.followups.selectors import PER_GROUP, WEEK_DAYS, agenda_queryset
from kontaktpflege.followups.services import (
    CHUNK,
    FACT_PROVIDERS,
    collect_facts,
    followups_recompute_workspace,
    workspace_rules,
    workspace_today,
    workspace_zone,
)


def floor_sql() -> str:
    """The hand-written agenda query: the same rows as agenda_queryset, no ORM.

    Suggestions are never overdue: past their day they stay in Today (group 1), and they
    get no lateness bonus.
    """
    quiet = ", ".join(f"'{rule}'" for rule in sorted(engine.NO_LATENESS_BONUS))
    suggestions = ", ".join(f"'{rule}'" for rule in sorted(engine.SUGGESTIONS))
    bonus = f"WHEN rule IN ({quiet}) THEN 0 " + " ".join(
        f"WHEN due_on <= %(d{days})s THEN {b}" for days, b in engine.OVERDUE_STEPS
    )
    return f"""
        SELECT id FROM (
          SELECT id, grp, eff, due_on,
                 ROW_NUMBER() OVER (PARTITION BY grp ORDER BY eff DESC, due_on ASC, id ASC) AS rn
          FROM (
            SELECT id, due_on,
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


def floor_ids(workspace_id: int, today: dt.date, per_group: int = PER_GROUP) -> list[int]:
    """Run the floor query and return the ids in agenda order."""
    params: dict[str, Any] = {
        "ws": workspace_id,
        "today": today,
        "week_end": today + dt.timedelta(days=WEEK_DAYS),
        "per_group": per_group,
    }
    for days, _bonus in engine.OVERDUE_STEPS:
        params[f"d{days}"] = today - dt.timedelta(days=days)
    with connection.cursor() as cursor:
        cursor.execute(floor_sql(), params)
        return [row[0] for row in cursor.fetchall()]


def orm_ids(workspace: Any, today: dt.date, per_group: int = PER_GROUP) -> list[int]:
    return [f.pk for f in agenda_queryset(workspace=workspace, today=today, per_group=per_group)]


@scenario("today", scales=("S", "M", "L"))
def bench_today(ctx: BenchContext) -> list[Result]:
    """GET / over HTTP beside the single hand-written SQL query (checked to agree)."""
    today = local_today(ctx.user)
    if floor_ids(ctx.workspace.pk, today) != orm_ids(ctx.workspace, today):
        raise RuntimeError("the floor query and the agenda disagree")
    page = ctx.time_http("/")
    floor = ctx.time_call(lambda: floor_ids(ctx.workspace.pk, today))
    return pair(
        f"Today agenda over HTTP ({ctx.scale})",
        "ms",
        page,
        floor,
        "hand-written agenda SQL",
        "p95 < 50 ms at M",
    )


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
        people = list(
            Person.objects.filter(workspace=workspace, pk__in=part).select_related("organisation")
        )
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
    items: list[engine.DueItem] = []
    for fact in facts:
        items.extend(engine.person_items(fact, rules, today))
    items.extend(engine.subject_items(subjects, rules, zone))
    return {item.key for item in items}


def check_recompute(workspace: Any, keys: set[str]) -> None:
    """After a recompute every active row is an engine item, and every item has a row."""
    rows = FollowUp.objects.filter(workspace=workspace)
    active = set(rows.active().values_list("key", flat=True))
    every = set(rows.values_list("key", flat=True))
    if not active <= keys or not keys <= every:
        raise RuntimeError("the recompute and the engine over its facts disagree")


@scenario("recompute", scales=("S", "M"))
def bench_recompute(ctx: BenchContext) -> list[Result]:
    """A full recompute of the workspace's follow-ups from scratch; floor: the engine alone."""
    runs = int(ctx.extra.get("recompute_runs") or (3 if ctx.scale in ("M", "L") else 5))
    facts, subjects, rules, zone, today = collected_facts(ctx.workspace)
    keys = engine_keys(facts, subjects, rules, zone, today)
    timings = ctx.time_call(lambda: followups_recompute_workspace(workspace=ctx.workspace), runs)
    check_recompute(ctx.workspace, keys)
    floors = ctx.time_call(lambda: engine_keys(facts, subjects, rules, zone, today), runs)
    results = pair(
        f"Full follow-up recompute ({ctx.scale})",
        "ms",
        timings,
        floors,
        "the engine over pre-collected facts",
        "",
        what="runs",
    )
    results[-1].note += f", {len(facts):,} people, {len(keys):,} items"
    return results
