"""Promises of the follow-up engine under real use: worker recompute, time zones, totals."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from kontaktpflege.accounts.services import user_update_preferences
from kontaktpflege.followups import services
from kontaktpflege.followups.models import FollowUp, RecomputeRun, RollLog, State
from kontaktpflege.followups.notifications import roll_claim, roll_finish
from kontaktpflege.followups.tasks import digest_dispatch, followups_recompute

from .conftest import berlin


def test_changing_the_rules_recomputes_in_the_worker_not_in_the_request(
    alice_client, make_person, committed, settings
):
    with committed():
        thomas = make_person(circle="core")
    before = FollowUp.objects.get(person=thomas, rule="keep_in_touch").due_on
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    data = {"action": "rules", "core": "10", "active": "90", "network": "180"}
    with committed():  # the queue insert happens on commit, as in production
        response = alice_client.post("/settings/followups/", data)
    assert response.status_code == 302
    # The request only queued the work: the agenda still shows the old due date ...
    assert FollowUp.objects.get(person=thomas, rule="keep_in_touch").due_on == before
    run = RecomputeRun.objects.get()
    assert run.finished_at is None
    page = alice_client.get("/").content.decode()
    assert 'id="recompute-status"' in page
    # ... until the worker ran the queued task.
    queued = DBTaskResult.objects.get(status="READY")
    assert queued.task_path.endswith("followups_recompute") and queued.args_kwargs["args"] == [
        run.pk
    ]
    followups_recompute.call(run.pk)
    after = FollowUp.objects.get(person=thomas, rule="keep_in_touch").due_on
    assert after == before - dt.timedelta(days=20)
    run.refresh_from_db()
    assert run.finished_at is not None and run.done == run.total == 2  # thomas and alice
    assert 'id="recompute-status"' not in alice_client.get("/").content.decode()


def test_rule_settings_are_stored_as_numbers_not_as_the_strings_submitted(workspace):
    services.followup_rules_update(
        workspace=workspace,
        circle_days={"core": "21"},
        rules={"reactivation": {"offset_days": "400", "enabled": "false"}},
    )
    workspace.refresh_from_db()
    assert workspace.settings["circle_days"]["core"] == 21
    assert workspace.settings["followup_rules"]["reactivation"] == {
        "offset_days": 400,
        "enabled": False,
    }


def test_a_rule_setting_that_is_not_a_number_is_refused_and_nothing_changes(workspace):
    before = dict(workspace.settings or {})
    with pytest.raises(services.ValidationError):
        services.followup_rules_update(
            workspace=workspace, rules={"reactivation": {"offset_days": "soon"}}
        )
    workspace.refresh_from_db()
    assert (workspace.settings or {}) == before


def test_a_recompute_that_dies_midway_leaves_the_rest_of_the_agenda_in_place(
    workspace, make_person, committed, monkeypatch
):
    with committed():
        people = [make_person(first_name=f"P{i}", circle="core") for i in range(4)]
    open_before = FollowUp.objects.filter(workspace=workspace, state=State.OPEN).count()
    assert open_before >= 4
    monkeypatch.setattr(services, "RECOMPUTE_CHUNK", 2)
    monkeypatch.setattr(services, "BUCKET_BITS", 0)  # chunks end at any id
    real = services._desired
    calls = []

    def dying(workspace, people, today):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real(workspace, people, today)

    monkeypatch.setattr(services, "_desired", dying)
    with pytest.raises(RuntimeError):
        services.followups_recompute_workspace(workspace=workspace, from_scratch=True)
    # The people of the chunk that never ran keep their open items.
    last = people[-1]
    assert FollowUp.objects.filter(person=last, state=State.OPEN).exists()
    assert FollowUp.objects.filter(workspace=workspace, state=State.OPEN).count() == open_before


def test_a_recomputed_follow_up_gets_a_new_updated_at(workspace, make_person, committed):
    with time_machine.travel(berlin(2025, 6, 2, 9), tick=False), committed():
        thomas = make_person(circle="core")
    row = FollowUp.objects.get(person=thomas, rule="keep_in_touch")
    with time_machine.travel(berlin(2025, 6, 5, 9), tick=False):
        services.followup_rules_update(workspace=workspace, circle_days={"core": "10"})
        services.followups_recompute_workspace(workspace=workspace, from_scratch=False)
        row.refresh_from_db()
        assert row.updated_at == berlin(2025, 6, 5, 9)


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_group_totals_count_every_due_item_not_only_the_shown_ones(
    alice_client, make_person, committed
):
    with committed():
        for i in range(25):
            make_person(first_name=f"P{i}", circle="core")
    FollowUp.objects.filter(rule="keep_in_touch").update(due_on=dt.date(2025, 5, 1))
    page = alice_client.get("/").content.decode()
    assert page.count('class="followup ') == 10  # the default page's cap
    assert '<span class="followup-group-total text-body-secondary fw-normal">25</span>' in page
    assert 'id="agenda-summary">25 overdue</p>' in page  # empty groups are left out


def test_every_member_sees_the_workspaces_dates_whatever_their_own_zone(
    alice, bob, bob_client, alice_client, make_person, committed
):
    # 11:00 UTC on 1 June: 13:00 on 1 June in Berlin (the workspace), 2 June in Kiritimati.
    with time_machine.travel(dt.datetime(2025, 6, 1, 11, 0, tzinfo=dt.UTC), tick=False):
        with committed():
            thomas = make_person()
        user_update_preferences(user=bob, language="en", time_zone="Pacific/Kiritimati")
        FollowUp.objects.filter(person=thomas).update(due_on=dt.date(2025, 6, 2))
        for client in (alice_client, bob_client):
            page = client.get("/").content.decode()
            assert 'id="group-week"' in page and 'id="group-today"' not in page


def test_snoozing_counts_from_the_workspaces_today(bob, bob_client, make_person, committed):
    with time_machine.travel(dt.datetime(2025, 6, 1, 11, 0, tzinfo=dt.UTC), tick=False):
        with committed():
            thomas = make_person()
        user_update_preferences(user=bob, language="en", time_zone="Pacific/Kiritimati")
        row = FollowUp.objects.filter(person=thomas).first()
        bob_client.post(f"/followups/{row.pk}/act/", {"snooze": "tomorrow"})
        row.refresh_from_db()
        assert row.state == State.SNOOZED
        assert row.snoozed_until == dt.date(2025, 6, 2)  # Berlin's tomorrow, not Kiritimati's


def test_a_roll_that_did_not_finish_is_claimed_again_later_that_day(workspace):
    day = dt.date(2025, 6, 2)
    start = dt.datetime(2025, 6, 2, 0, 5, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        assert roll_claim(workspace=workspace, day=day, now=start)
    soon = start + dt.timedelta(minutes=5)
    assert not roll_claim(workspace=workspace, day=day, now=soon)
    later = start + dt.timedelta(minutes=20)
    assert roll_claim(workspace=workspace, day=day, now=later)
    assert not roll_claim(workspace=workspace, day=day, now=later)  # one retry per stale claim


def test_a_finished_roll_is_not_claimed_again_that_day(workspace):
    day = dt.date(2025, 6, 2)
    start = dt.datetime(2025, 6, 2, 0, 5, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        assert roll_claim(workspace=workspace, day=day, now=start)
        roll_finish(workspace_id=workspace.pk, day=day)
    assert not roll_claim(workspace=workspace, day=day, now=start + dt.timedelta(hours=5))


def test_the_dispatched_roll_marks_its_claim_finished(workspace):
    with time_machine.travel(berlin(2025, 6, 2, 0, 30), tick=False):
        digest_dispatch.call()
    log = RollLog.objects.get(workspace=workspace)
    assert log.day == dt.date(2025, 6, 2) and log.finished_at is not None
