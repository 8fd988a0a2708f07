"""Benchmark: importing N LinkedIn rows against N existing people, with duplicate detection.

Half the rows match existing people (same profile URL, or same name and company), half are
new. The import is timed until the imported people's follow-ups are computed: the refresh
it queues runs in a real `db_worker` loop, as in production. The floor writes exactly the
rows the import wrote (new people, unsorted, with their search text, origin and known-since
date; updates of the matched people; organisations, employments, import keys, the search
index, and the matched people's follow-ups: unsorted people have none until triage) with
executemany, or COPY on PostgreSQL, and is checked to leave the same rows behind.
"""

from __future__ import annotations

import csv
import io
import random
import time

from django_tasks_db.models import DBTaskResult

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.bench import rows as snapshots
from kontaktpflege.bench.registry import (
    BenchContext,
    Result,
    percentile,
    run_queued_tasks,
    scenario,
)
from kontaktpflege.contacts.models import Organisation, Person
from kontaktpflege.contacts.services import person_reindex
from kontaktpflege.core.text import fold

SIZES = {"S": 1_000, "M": 30_000, "L": 30_000}
RUNS = {"M": 3, "L": 3}  # imports per figure (5 elsewhere)
HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _people(n: int, seed: int) -> list[dict[str, str]]:
    from faker import Faker

    fake = Faker(["de_DE", "en_US"])
    fake.seed_instance(seed)
    rng = random.Random(seed)
    companies = [fake.company() for _ in range(max(50, n // 20))]
    out = []
    for i in range(n):
        first, last = fake.first_name(), fake.last_name()
        out.append(
            {
                "first": first,
                "last": last,
                "url": f"https://www.linkedin.com/in/{fold(first)}-{fold(last)}-{i:x}".replace(
                    " ", "-"
                ),
                "company": rng.choice(companies),
                "title": fake.job()[:100],
                "date": f"{rng.randint(1, 28):02d} {rng.choice(MONTHS)} {rng.randint(2008, 2025)}",
            }
        )
    return out


def _existing(workspace: Workspace, people: list[dict[str, str]]) -> None:
    """N people already in the workspace, written in bulk (with their organisations)."""
    orgs: dict[str, Organisation] = {}
    for p in people:
        key = fold(p["company"])
        if key not in orgs:
            orgs[key] = Organisation(workspace=workspace, name=p["company"], name_folded=key)
    Organisation.objects.bulk_create(orgs.values())
    rows = [
        Person(
            workspace=workspace,
            first_name=p["first"],
            last_name=p["last"],
            organisation=orgs[fold(p["company"])],
            job_title=p["title"],
            linkedin_url=p["url"] if i % 2 else "",
        )
        for i, p in enumerate(people)
    ]
    Person.objects.bulk_create(rows, batch_size=2000)
    person_reindex(person_ids=[p.pk for p in rows])


def _csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    buffer.write('Notes:\n"Bench export."\n\n')
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for p in rows:
        writer.writerow([p["first"], p["last"], p["url"], "", p["company"], p["title"], p["date"]])
    return buffer.getvalue().encode()


def _import(workspace: Workspace, data: bytes) -> tuple[float, dict[str, int]]:
    """Seconds of one import until its follow-ups are done, and its counts."""
    from kontaktpflege.dataio.services import import_data

    start = time.perf_counter()
    outcome = import_data(
        workspace=workspace, data=data, filename="Connections.csv", fmt="linkedin"
    )
    run_queued_tasks()
    return time.perf_counter() - start, outcome.counts


def _floor(diff: snapshots.Changes) -> float:
    start = time.perf_counter()
    snapshots.apply(diff)
    return time.perf_counter() - start


def import_and_floor(
    workspace: Workspace, data: bytes, runs: int
) -> tuple[list[float], list[float], dict[str, int], snapshots.Changes]:
    """Import `runs` times into the same state; after each, write its rows again as the floor.

    Every import is undone before the next (the snapshot difference applied backwards), so
    each run meets the same data. The floor starts from the same state and must end with
    the same rows as the import.
    """
    scopes = snapshots.workspace_scopes(workspace.pk)
    before = snapshots.snapshot(scopes)
    seconds, floors = [], []
    for _ in range(runs):
        took, counts = _import(workspace, data)
        seconds.append(took)
        after = snapshots.snapshot(scopes)
        diff = snapshots.changes(before, after)
        snapshots.apply(diff.reversed())
        floors.append(_floor(diff))
        if snapshots.snapshot(scopes).rows != after.rows:
            raise RuntimeError("the floor did not write the rows the import wrote")
        snapshots.apply(diff.reversed())
    return seconds, floors, counts, diff


@scenario("import_linkedin", scales=("S", "M", "L"))
def import_linkedin(ctx: BenchContext) -> list[Result]:
    """Rows per second of a LinkedIn import until its follow-ups are done, beside its rows."""
    n = SIZES.get(ctx.scale, 1_000)
    runs = int(ctx.extra.get("import_runs") or RUNS.get(ctx.scale, 5))
    existing = _people(n, seed=5)
    # Half of the file matches existing people, half is new.
    data = _csv(existing[: n // 2] + _people(n - n // 2, seed=6))
    run_queued_tasks()  # tasks queued by earlier scenarios are not the import's
    tasks_before = set(DBTaskResult.objects.values_list("id", flat=True))
    workspace = Workspace.objects.create(name="bench: import_linkedin")
    try:
        _existing(workspace, existing)
        seconds, floors, counts, diff = import_and_floor(workspace, data, runs)
    finally:
        Person.objects.filter(workspace=workspace).delete()
        workspace.delete()
        DBTaskResult.objects.exclude(id__in=tasks_before).delete()
    written = {t: len(r) for t, r in diff.inserted.items() if r}
    note = (
        f"new {counts['new']}, updated {counts['updated']}, duplicate {counts['duplicate']}, "
        f"invalid {counts['invalid']}; {runs} runs; writes {diff.count():,} rows "
        f"({written.get('followups_followup', 0):,} follow-ups)"
    )
    rates = [n / s for s in seconds]
    floor_rates = [n / s for s in floors]
    return [
        Result(
            name=f"LinkedIn import {n:,} rows vs {n:,} people, follow-ups done, p{p}",
            figure=round(percentile(rates, 100 - p)),
            unit="rows/s",
            floor=round(percentile(floor_rates, 100 - p)),
            floor_label=f"the same rows by {'COPY' if _copy() else 'executemany'}, p{p}",
            target="> 5,000 rows/s" if p == 50 else "",
            note=note,
        )
        for p in (50, 95)
    ]


def _copy() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"
