"""The follow-ups an import leaves: the worker's bulk refresh against the ORM refresh."""

from __future__ import annotations

import datetime as dt

import pytest

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.bench import rows as snapshots
from kontaktpflege.contacts.models import Organisation, Person
from kontaktpflege.dataio import bench
from kontaktpflege.followups import services
from kontaktpflege.followups.models import FollowUp, State


@pytest.fixture
def queued_tasks(settings):
    """Tasks go to the database queue, as in production; the bench runs the worker loop."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def followups(workspace: Workspace) -> list[tuple]:
    return list(
        FollowUp.objects.filter(workspace=workspace)
        .order_by("key")
        .values_list(
            "key", "person_id", "rule", "state", "due_on", "original_due_on", "window_end",
            "priority", "params", "snoozed_until",
        )
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_an_import_leaves_the_followups_the_orm_refresh_would_leave(queued_tasks, monkeypatch):
    workspace = Workspace.objects.create(name="import refresh test")
    existing = bench._people(60, seed=5)
    bench._existing(workspace, existing)
    ids = list(
        Person.objects.filter(workspace=workspace).order_by("pk").values_list("pk", flat=True)
    )
    # Sorted people with items of their own: some snoozed, one the facts no longer back.
    Person.objects.filter(pk__in=ids[:40:2]).update(circle="core")
    Person.objects.filter(pk__in=ids[1:40:2]).update(circle="network")
    services.followups_refresh_people(person_ids=ids)
    rows = list(FollowUp.objects.filter(workspace=workspace).order_by("key"))
    assert len(rows) > 10
    for row in rows[:6:2]:
        until = dt.date.today() + dt.timedelta(days=9)
        FollowUp.objects.filter(pk=row.pk).update(state=State.SNOOZED, snoozed_until=until)
    FollowUp.objects.filter(pk=rows[1].pk).update(key=f"keep_in_touch:{rows[1].person_id}:old")
    data = bench._csv(existing[:30] + bench._people(30, seed=6))
    scopes = snapshots.workspace_scopes(workspace.pk)
    before = snapshots.snapshot(scopes)
    prior = followups(workspace)

    bench._import(workspace, data)
    bulk = followups(workspace)
    snapshots.apply(snapshots.changes(before, snapshots.snapshot(scopes)).reversed())
    monkeypatch.setattr(
        services,
        "followups_refresh_bulk",
        lambda *, person_ids: services.followups_refresh_people(person_ids=person_ids),
    )
    bench._import(workspace, data)
    orm = followups(workspace)

    assert bulk == orm
    assert bulk != prior  # the import changed the matched people's items
    assert {r[3] for r in bulk} == {"open", "snoozed"}


def _linkedin_date(day: dt.date) -> str:
    return day.strftime("%d ") + bench.MONTHS[day.month - 1] + day.strftime(" %Y")


@pytest.mark.django_db(transaction=True)
def test_an_import_refreshes_whose_facts_changed_as_a_full_recompute_would(queued_tasks):
    from kontaktpflege.bench.registry import run_queued_tasks

    workspace = Workspace.objects.create(name="import skip test")
    today = dt.date.today()
    url = "https://www.linkedin.com/in/"
    # Met two days ago: a "new contact" item, until the import says they were known for years.
    met = Person.objects.create(
        workspace=workspace, first_name="Mia", last_name="Met", met_on=today - dt.timedelta(2)
    )
    # Known long ago already: the row only fills the profile URL, not a fact.
    known = Person.objects.create(
        workspace=workspace, first_name="Karl", last_name="Known", circle="core",
        known_since=dt.date(2010, 1, 1),
    )  # fmt: skip
    # No employer yet: the row brings one, a target company (their items rank higher).
    Organisation.objects.create(
        workspace=workspace, name="Acme AG", name_folded="acme ag", is_target=True
    )
    hired = Person.objects.create(
        workspace=workspace, first_name="Hanna", last_name="Hired", circle="active",
        known_since=dt.date(2010, 1, 1), linkedin_url=f"{url}hanna",
    )  # fmt: skip
    Person.objects.filter(pk=met.pk).update(linkedin_url=f"{url}mia")
    services.followups_recompute_workspace(workspace=workspace)
    assert FollowUp.objects.filter(person=met, rule="new_contact").exists()
    rows = [
        {"first": "Mia", "last": "Met", "url": f"{url}mia", "company": "", "title": "",
         "date": _linkedin_date(today - dt.timedelta(days=800))},
        {"first": "Karl", "last": "Known", "url": f"{url}karl", "company": "", "title": "",
         "date": _linkedin_date(dt.date(2012, 5, 1))},
        {"first": "Hanna", "last": "Hired", "url": f"{url}hanna", "company": "Acme AG",
         "title": "CTO", "date": _linkedin_date(dt.date(2012, 5, 1))},
        {"first": "Nora", "last": "New", "url": f"{url}nora", "company": "Acme AG",
         "title": "CEO", "date": _linkedin_date(dt.date(2020, 5, 1))},
    ]  # fmt: skip
    before = followups(workspace)

    outcome = bench._import(workspace, bench._csv(rows))[1]
    run_queued_tasks()
    after_import = followups(workspace)
    services.followups_recompute_workspace(workspace=workspace)

    assert outcome == {**outcome, "new": 1, "updated": 3, "invalid": 0}
    assert Person.objects.get(pk=known.pk).linkedin_url == f"{url}karl"
    assert Person.objects.get(pk=hired.pk).organisation_id is not None
    assert after_import != before  # the import changed someone's items
    assert not FollowUp.objects.filter(person=met, rule="new_contact").active().exists()
    assert after_import == followups(workspace)


def test_the_import_refreshes_on_every_fact_column_it_fills():
    from kontaktpflege.dataio import bulk
    from kontaktpflege.followups.services import FACT_FIELDS

    assert {*bulk.FILLABLE, "known_since"} & set(FACT_FIELDS) <= bulk.FACT_COLUMNS
