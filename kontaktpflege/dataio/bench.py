"""Benchmark: importing N LinkedIn rows against N existing people, with duplicate detection.

Half the rows match existing people (same profile URL, or same name and company), half are
new. The floor is a plain bulk_create of the same number of Person rows.
"""

from __future__ import annotations

import csv
import io
import random
import time

from django.db import transaction

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.bench.registry import BenchContext, Result, scenario
from kontaktpflege.contacts.models import Organisation, Person
from kontaktpflege.contacts.services import person_reindex
from kontaktpflege.core.text import fold

SIZES = {"S": 1_000, "M": 30_000, "L": 30_000}
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


def _floor(workspace: Workspace, rows: list[dict[str, str]]) -> float:
    start = time.perf_counter()
    with transaction.atomic():
        Person.objects.bulk_create(
            [
                Person(
                    workspace=workspace,
                    first_name=p["first"],
                    last_name=p["last"],
                    job_title=p["title"],
                )
                for p in rows
            ],
            batch_size=2000,
        )
    return time.perf_counter() - start


@scenario("import_linkedin", scales=("S", "M", "L"))
def import_linkedin(ctx: BenchContext) -> list[Result]:
    """Rows per second of a LinkedIn import with duplicate detection, beside bulk_create."""
    from kontaktpflege.dataio.services import import_data

    n = SIZES.get(ctx.scale, 1_000)
    existing = _people(n, seed=5)
    # Half of the file matches existing people, half is new.
    rows = existing[: n // 2] + _people(n - n // 2, seed=6)
    data = _csv(rows)
    workspace = Workspace.objects.create(name="bench: import_linkedin")
    floor_ws = Workspace.objects.create(name="bench: import_linkedin floor")
    try:
        _existing(workspace, existing)
        start = time.perf_counter()
        outcome = import_data(
            workspace=workspace, data=data, filename="Connections.csv", fmt="linkedin"
        )
        seconds = time.perf_counter() - start
        floor = _floor(floor_ws, rows)
    finally:
        for ws in (workspace, floor_ws):
            Person.objects.filter(workspace=ws).delete()
            ws.delete()
    counts = outcome.counts
    return [
        Result(
            name=f"LinkedIn import {n:,} rows vs {n:,} people",
            figure=round(n / seconds),
            unit="rows/s",
            floor=round(n / floor),
            floor_label="bulk_create of the same Person rows",
            target="> 5,000 rows/s",
            note=(
                f"new {counts['new']}, updated {counts['updated']}, "
                f"duplicate {counts['duplicate']}, invalid {counts['invalid']}, {seconds:.2f} s"
            ),
        )
    ]
