"""A refresh at the same time as another refresh, or as a recompute chunk, of one person
(PostgreSQL): the newest facts win."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import timezone

from kontaktpflege.accounts.services import user_create
from kontaktpflege.contacts.models import Person
from kontaktpflege.contacts.services import person_create
from kontaktpflege.followups import services
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.touchpoints.services import touchpoint_log

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="locks between connections: PostgreSQL (SQLite serialises writers)",
)


def _thomas_after_a_lunch() -> tuple[object, Person]:
    """A core contact whose lunch 20 days ago is his last touchpoint, refreshed."""
    user = user_create(username="ann", email="ann@example.org", password="pw-ann-12345")
    workspace = user.active_workspace
    person = person_create(workspace=workspace, first_name="Thomas", last_name="Weber")
    person.circle = "core"
    person.save(update_fields=["circle"])
    first = timezone.now() - dt.timedelta(days=20)
    touchpoint_log(workspace=workspace, participants=[person], summary="Lunch", occurred_at=first)
    services.followups_refresh_people(person_ids=[person.pk])
    return workspace, person


def _race(monkeypatch, slow: Callable[[], None], meanwhile: Callable[[], None]) -> None:
    """Run `slow`, which reads the facts and then dawdles before it commits, and once it
    has read, `meanwhile` in another thread; both must finish without an error."""
    has_read = threading.Event()
    real_desired = services._desired

    def slow_desired(ws, people, today):
        items = real_desired(ws, people, today)
        if threading.current_thread().name == "slow":
            has_read.set()
            threading.Event().wait(1.5)
        return items

    monkeypatch.setattr(services, "_desired", slow_desired)
    errors: list[BaseException] = []

    def run(fn):
        def wrapped():
            try:
                fn()
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                connection.close()

        return wrapped

    a = threading.Thread(target=run(slow), name="slow")
    a.start()
    assert has_read.wait(10)
    b = threading.Thread(target=run(meanwhile), name="meanwhile")
    b.start()
    a.join(20)
    b.join(20)
    assert not errors


def _due_from_the_newer_touchpoint(workspace, person) -> bool:
    row = FollowUp.objects.get(person=person, rule="keep_in_touch", state="open")
    return row.due_on == services.workspace_today(workspace) + dt.timedelta(days=30)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refreshes_of_one_person_end_with_the_newest_facts(monkeypatch):
    workspace, person = _thomas_after_a_lunch()
    _race(
        monkeypatch,
        lambda: services.followups_refresh_people(person_ids=[person.pk]),
        lambda: touchpoint_log(workspace=workspace, participants=[person], summary="Call"),
    )
    assert _due_from_the_newer_touchpoint(workspace, person)


def test_recompute_chunks_end_at_a_bucket_and_cover_everyone(monkeypatch):
    monkeypatch.setattr(services, "RECOMPUTE_CHUNK", 3)
    monkeypatch.setattr(services, "BUCKET_BITS", 2)  # buckets of 4 ids
    ids = [1, 2, 3, 5, 6, 7, 8, 13, 14, 40]
    spans = services._chunk_spans(ids)
    assert spans == [(1, 3, 3), (5, 7, 3), (8, 14, 3), (40, 40, 1)]
    assert sum(n for _lo, _hi, n in spans) == len(ids)
    buckets = [{pk >> 2 for pk in ids if lo <= pk <= hi} for lo, hi, _n in spans]
    assert all(not (a & b) for i, a in enumerate(buckets) for b in buckets[i + 1 :])


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("max_buckets", [32, 0])  # bucket locks, or the chunk's rows
def test_a_refresh_during_a_recompute_chunk_ends_with_the_newest_facts(monkeypatch, max_buckets):
    """A recompute chunk reads a person's facts and dawdles; meanwhile a touchpoint with
    them is logged. Its refresh waits for the chunk, and the newer touchpoint wins."""
    monkeypatch.setattr(services, "MAX_BUCKET_LOCKS", max_buckets)
    workspace, person = _thomas_after_a_lunch()
    _race(
        monkeypatch,
        lambda: services.followups_recompute_workspace(workspace=workspace),
        lambda: touchpoint_log(workspace=workspace, participants=[person], summary="Call"),
    )
    assert _due_from_the_newer_touchpoint(workspace, person)
