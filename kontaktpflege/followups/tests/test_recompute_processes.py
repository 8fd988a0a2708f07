"""A large workspace on PostgreSQL is recomputed by several processes, with the same rows."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.db import connection

from kontaktpflege.contacts.models import Person
from kontaktpflege.followups import services
from kontaktpflege.followups.models import FollowUp

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="by design: SQLite has one writer, its recompute stays in one process",
)

CIRCLES = ["core", "active", "network", "dormant"]


def _rows(workspace) -> set[tuple]:
    return set(
        FollowUp.objects.filter(workspace=workspace).values_list(
            "person_id", "key", "rule", "state", "due_on", "priority", "window_end"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_several_processes_leave_the_rows_of_one_process_and_report_progress(
    workspace, make_person, monkeypatch, settings, tmp_path
):
    for i in range(7):
        make_person(first_name=f"P{i}", circle=CIRCLES[i % len(CIRCLES)])
    monkeypatch.setattr(services, "RECOMPUTE_CHUNK", 2)
    monkeypatch.setattr(services, "BUCKET_BITS", 0)  # chunks end at any id
    monkeypatch.setattr(services, "PARALLEL_FROM", 1)

    settings.RECOMPUTE_PROCESSES = 1
    FollowUp.objects.filter(workspace=workspace).delete()
    services.followups_recompute_workspace(workspace=workspace)
    one_process = _rows(workspace)
    assert len(one_process) >= 7

    pids = tmp_path / "pids"
    real = services._recompute_chunk

    def noting_the_process(*args, **kwargs):
        with Path(pids).open("a") as f:
            f.write(f"{os.getpid()}\n")
        time.sleep(0.3)  # a chunk that takes a moment: the other process takes the next one
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_recompute_chunk", noting_the_process)
    settings.RECOMPUTE_PROCESSES = 2
    FollowUp.objects.filter(workspace=workspace).delete()
    progress: list[tuple[int, int]] = []
    active = services.followups_recompute_workspace(
        workspace=workspace, progress=lambda done, total: progress.append((done, total))
    )
    assert _rows(workspace) == one_process
    assert active == len(one_process)
    seen = set(pids.read_text().split())
    assert len(seen) == 2 and str(os.getpid()) not in seen  # 4 chunks, 2 forked processes
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    people = Person.objects.filter(workspace=workspace).count()  # with the user's own
    assert progress[-1] == (people, people)


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_recompute_stays_in_this_process(
    workspace, make_person, monkeypatch, settings
):
    from django.db import transaction

    make_person(first_name="Thomas", circle="core")
    monkeypatch.setattr(services, "PARALLEL_FROM", 1)
    settings.RECOMPUTE_PROCESSES = 2
    with transaction.atomic():
        assert services.recompute_processes(1, 1) == 1
        FollowUp.objects.filter(workspace=workspace).delete()
        services.followups_recompute_workspace(workspace=workspace)  # sees its own delete
        assert FollowUp.objects.filter(workspace=workspace, rule="keep_in_touch").exists()
    assert services.recompute_processes(10, 10) == 2
