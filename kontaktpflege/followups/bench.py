"""Benchmarks of the follow-up area: the Today agenda over HTTP and a full recompute."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

from kontaktpflege.bench.registry import BenchContext, Result, percentile, scenario
from kontaktpflege.core.timeutils import local_today
from kontaktpflege.followups import engine
from kontaktpflege.followups.selectors import PER_GROUP, WEEK_DAYS, agenda_queryset
from kontaktpflege.followups.services import followups_recompute_workspace


def floor_sql() -> str:
    """The hand-written agenda query: the same rows as agenda_queryset, no ORM."""
    quiet = ", ".join(f"'{rule}'" for rule in sorted(engine.NO_LATENESS_BONUS))
    bonus = f"WHEN rule IN ({quiet}) THEN 0 " + " ".join(
        f"WHEN due_on <= %(d{days})s THEN {b}" for days, b in engine.OVERDUE_STEPS
    )
    return f"""
        SELECT id FROM (
          SELECT id, grp, eff, due_on,
                 ROW_NUMBER() OVER (PARTITION BY grp ORDER BY eff DESC, due_on ASC, id ASC) AS rn
          FROM (
            SELECT id, due_on,
                   CASE WHEN due_on < %(today)s THEN 0 WHEN due_on = %(today)s THEN 1
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
    """p95 of GET / over HTTP beside the single hand-written SQL query."""
    today = local_today(ctx.user)
    if floor_ids(ctx.workspace.pk, today) != orm_ids(ctx.workspace, today):
        raise RuntimeError("the floor query and the agenda disagree")
    page = ctx.time_http("/")
    floor = ctx.time_call(lambda: floor_ids(ctx.workspace.pk, today))
    return [
        Result(
            name=f"Today agenda over HTTP ({ctx.scale})",
            figure=percentile(page, 95),
            unit="ms p95",
            floor=percentile(floor, 95),
            floor_label="hand-written agenda SQL",
            target="< 50 ms at M",
        )
    ]


@scenario("recompute", scales=("S", "M"))
def bench_recompute(ctx: BenchContext) -> list[Result]:
    """A full recompute of the workspace's follow-ups from scratch."""
    timings = ctx.time_call(lambda: followups_recompute_workspace(workspace=ctx.workspace), n=3)
    return [
        Result(
            name=f"Full follow-up recompute ({ctx.scale})",
            figure=min(timings),
            unit="ms",
            note="all people, from scratch",
        )
    ]
