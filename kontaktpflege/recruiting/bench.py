"""Benchmarks of the recruiting side, on a recruiting workspace of its own
(bench/recruiting_data.py: 2k candidates at S, 50k at M, a million at L):

- a dynamic pool filter combining a tag, career level, job type and consent: the pool page's
  first 50 members plus its capped count, as pools.py runs them (target p95 < 150 ms at L on
  PostgreSQL), beside the same two statements written by hand in SQL (the tag as a
  containment test on CandidateProfile.tag_ids), using the same indexes and returning the
  same rows (checked);
- re-matching the top 50 for a new opening with six skills over every candidate, reasons
  included (target < 500 ms), beside the same ranking statements (the holders of every
  skill, then the full ranking if they do not settle the list) and the two reads of the
  same rows (profiles with their skills, names) in raw SQL.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from django.db import connection, transaction

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.bench.recruiting_data import generate_candidates
from kontaktpflege.bench.registry import BenchContext, Result, pair, scenario
from kontaktpflege.contacts.models import Tag
from kontaktpflege.recruiting import pools
from kontaktpflege.recruiting.models import Opening, TalentPool
from kontaktpflege.recruiting.rematch import (
    OTHER_POINTS,
    holders_first,
    holders_sql,
    opening_skill_ids,
    ranking_sql,
    rematch,
)

POOL_FILTER = {
    "career_level": ["senior", "lead"],
    "job_type": ["full_time"],
    "consent_state": ["granted"],
}
OPENING_SKILLS = ["Python", "Docker", "Kubernetes", "SQL", "Git", "Linux"]


def recruiting_workspace(scale: str, seed: int = 1) -> Workspace:
    """The generated recruiting workspace of a scale (made once, reused while complete)."""
    from kontaktpflege.accounts.services import user_create

    name = f"bench-recruiting-{scale}-{seed}"
    found = Workspace.objects.filter(name=name).first()
    if found is not None and found.settings.get("bench_complete"):
        return found
    if found is not None:
        found.delete()  # an interrupted run: generate again
    user = user_create(
        username=f"bench-recruiting-{scale}-{seed}",
        email=f"bench-recruiting-{scale}-{seed}@example.org",
        password=secrets.token_urlsafe(16),
        language="en",
        workspace_name=name,
    )
    workspace = user.active_workspace
    assert workspace is not None
    started = time.perf_counter()
    counts = generate_candidates(workspace=workspace, scale=scale, seed=seed)
    seconds = time.perf_counter() - started
    workspace.settings = {"bench_complete": True, "bench_counts": counts, "bench_seconds": seconds}
    workspace.save(update_fields=["settings"])
    return workspace


def _pool(workspace: Workspace) -> TalentPool:
    tag = Tag.objects.get(workspace=workspace, name="Finalist")
    filters = {"tags": [tag.pk], **POOL_FILTER}
    pool = TalentPool.objects.filter(workspace=workspace, name="Bench: senior finalists").first()
    if pool is None:
        pool = pools.pool_create(
            workspace=workspace, name="Bench: senior finalists", kind="dynamic", filters=filters
        )
    return pool


def _pool_floor(workspace: Workspace, pool: TalentPool) -> tuple[list[int], int]:
    """The page and the capped count, written by hand."""
    f = pool.filters
    marks = {k: ", ".join(["%s"] * len(v)) for k, v in f.items()}
    if connection.vendor == "postgresql":  # the copy of the contact tags, GIN-indexed
        tags, tag_param = "p.tag_ids @> %s::integer[]", f["tags"]
    else:
        tags = (
            "NOT EXISTS (SELECT 1 FROM json_each(%s) w WHERE w.value NOT IN"
            " (SELECT h.value FROM json_each(p.tag_ids) h))"
        )
        tag_param = json.dumps(f["tags"])
    where = (
        "p.workspace_id = %s AND p.career_level IN ({career_level})"
        " AND p.job_type IN ({job_type}) AND p.consent_state IN ({consent_state})"
        f" AND {tags}"
    ).format(**marks)
    params = [workspace.pk, *f["career_level"], *f["job_type"], *f["consent_state"], tag_param]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.person_id FROM recruiting_candidateprofile p WHERE {where}"
            " ORDER BY p.person_id DESC LIMIT 50",
            params,
        )
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM recruiting_candidateprofile p"
            f" WHERE {where} LIMIT %s) s",
            [*params, pools.COUNT_CAP + 1],
        )
        count = cursor.fetchone()[0]
    return ids, min(count, pools.COUNT_CAP)


def _pool_page(pool: TalentPool) -> tuple[list[int], int]:
    ids = list(pools.pool_person_ids(pool)[:50])
    count, _more = pools.pool_count(pool)
    return ids, count


@scenario("recruiting pool filter", own_data=True)
def pool_filter(ctx: BenchContext) -> list[Result]:
    workspace = recruiting_workspace(ctx.scale)
    pool = _pool(workspace)
    measured, floor = _pool_page(pool), _pool_floor(workspace, pool)
    if measured != floor:
        raise RuntimeError(f"the floor found other rows: {measured[1]} vs {floor[1]}")
    timings = ctx.time_call(lambda: _pool_page(pool))
    floors = ctx.time_call(lambda: _pool_floor(workspace, pool))
    rows = pair(
        "recruiting pool filter (page of 50 + count)",
        "ms",
        timings,
        floors,
        "same SQL by hand",
        "p95 < 150 ms (L)",
        what="evaluations",
    )
    counts = workspace.settings.get("bench_counts", {})
    rows[0].note += f"; {counts.get('candidates')} candidates, {measured[1]} in the pool"
    return rows


def _opening(workspace: Workspace) -> Opening:
    opening, _created = Opening.objects.get_or_create(
        workspace=workspace,
        title="Bench: Senior Backend Engineer (remote)",
        defaults={
            "skills": OPENING_SKILLS,
            "career_level": "senior",
            "work_mode": "remote",
            "job_type": "full_time",
        },
    )
    return opening


def _rematch_floor(opening: Opening, skill_ids: list[int]) -> list[Any]:
    """The ranking statements and the reads of the same rows, as plain SQL: the holders of
    every wanted skill first, the full ranking only when they do not settle the list (the
    rule of rematch.ranked_rows), then the profiles (with their skills) and the names."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the same settings as rematch.ranked_rows
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        ranked: list[Any] = []
        if skill_ids and holders_first():
            cursor.execute(*holders_sql(opening, skill_ids, None, 50))
            ranked = cursor.fetchall()
            n = len(skill_ids)
            if len(ranked) < 50 or float(ranked[-1][1]) <= (n - 1) * 60.0 / n + OTHER_POINTS:
                ranked = []
        if not ranked:
            cursor.execute(*ranking_sql(opening, skill_ids, None, 50))
            ranked = cursor.fetchall()
        ids = [row[0] for row in ranked] or [0]
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(
            "SELECT id, person_id, career_level, job_type, work_mode, location, skill_ids"
            f" FROM recruiting_candidateprofile WHERE person_id IN ({marks})",
            ids,
        )
        cursor.fetchall()
        cursor.execute(
            f"SELECT id, first_name, last_name FROM contacts_person WHERE id IN ({marks})", ids
        )
        cursor.fetchall()
    return ranked


@scenario("recruiting rematch top 50", own_data=True)
def rematch_top(ctx: BenchContext) -> list[Result]:
    workspace = recruiting_workspace(ctx.scale)
    opening = _opening(workspace)
    skill_ids = list(opening_skill_ids(opening))
    found = rematch(opening=opening, limit=50)
    floor = _rematch_floor(opening, skill_ids)
    if [m.person.pk for m in found] != [row[0] for row in floor]:
        raise RuntimeError("the floor ranked other people")
    timings = ctx.time_call(lambda: rematch(opening=opening, limit=50), n=min(ctx.repeat, 30))
    floors = ctx.time_call(lambda: _rematch_floor(opening, skill_ids), n=min(ctx.repeat, 30))
    rows = pair(
        "recruiting rematch top 50 (with reasons)",
        "ms",
        timings,
        floors,
        "ranking SQL + reads by hand",
        "< 500 ms (L)",
        what="rankings",
    )
    rows[0].note += f"; best {found[0].score if found else '—'}: {len(skill_ids)} skills wanted"
    return rows
