"""Materialised follow-ups: refresh on facts, idempotence, user actions, full rebuild."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kontaktpflege.contacts.services import organisation_create, person_update
from kontaktpflege.followups import services
from kontaktpflege.followups.models import FollowUp, State
from kontaktpflege.followups.services import followups_recompute_workspace
from kontaktpflege.touchpoints.services import touchpoint_delete, touchpoint_log

from .conftest import berlin

pytestmark = pytest.mark.django_db


def snapshot(workspace):
    return sorted(
        FollowUp.objects.filter(workspace=workspace)
        .active()
        .values_list("key", "state", "due_on", "priority")
    )


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_logging_a_first_meeting_creates_the_72_hour_item(workspace, make_person, committed):
    with committed():
        thomas = make_person()
        touchpoint_log(workspace=workspace, participants=[thomas], summary="Coffee")
    item = FollowUp.objects.get(person=thomas, rule="new_contact")
    assert item.due_on == dt.date(2025, 6, 5)
    assert item.state == State.OPEN


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_a_second_touchpoint_closes_the_items_it_answers(workspace, make_person, committed):
    with committed():
        thomas = make_person()
        touchpoint_log(workspace=workspace, participants=[thomas], summary="Coffee")
    first = FollowUp.objects.get(person=thomas, rule="new_contact")
    old_cadence = FollowUp.objects.get(person=thomas, rule="keep_in_touch")
    with time_machine.travel(berlin(2025, 6, 4, 9), tick=False), committed():
        second = touchpoint_log(workspace=workspace, participants=[thomas], summary="Mail")
    first.refresh_from_db()
    old_cadence.refresh_from_db()
    assert first.state == State.DONE and first.closed_by_touchpoint_id == second.pk
    assert old_cadence.state == State.DONE
    new = FollowUp.objects.get(person=thomas, rule="keep_in_touch", state=State.OPEN)
    assert new.due_on == dt.date(2025, 6, 4) + dt.timedelta(days=180)


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_a_group_meeting_resets_everyone_who_attended(workspace, make_person, committed):
    with committed():
        people = [make_person(first_name=n, circle="core") for n in ("Ann", "Ben", "Cem")]
        touchpoint_log(
            workspace=workspace, participants=people, summary="Meetup", channel="group_meeting"
        )
    dues = set(
        FollowUp.objects.filter(rule="keep_in_touch", state=State.OPEN).values_list(
            "due_on", flat=True
        )
    )
    assert dues == {dt.date(2025, 7, 2)}


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_refreshing_twice_changes_nothing(workspace, make_person, committed):
    with committed():
        thomas = make_person(birthday_day=10, birthday_month=6)
    before = list(FollowUp.objects.values("id", "key", "due_on", "updated_at").order_by("id"))
    services.followups_refresh_people(person_ids=[thomas.pk])
    services.followups_refresh_people(person_ids=[thomas.pk])
    after = list(FollowUp.objects.values("id", "key", "due_on", "updated_at").order_by("id"))
    assert before == after


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_a_per_person_interval_overrides_the_circle(workspace, make_person, committed):
    with committed():
        thomas = make_person(circle="network")
        person_update(person=thomas, keep_in_touch_days=14)
    item = FollowUp.objects.get(person=thomas, rule="keep_in_touch", state=State.OPEN)
    assert item.due_on == dt.date(2025, 6, 16)


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_an_interval_of_zero_days_or_over_ten_years_is_refused(workspace, make_person, committed):
    with committed():
        thomas = make_person()
    before = snapshot(workspace)
    for days in (0, 3651):
        with pytest.raises(ValidationError):
            person_update(person=thomas, keep_in_touch_days=days)
        with pytest.raises(ValidationError):
            services.followup_rules_update(workspace=workspace, circle_days={"core": days})
    workspace.refresh_from_db()
    assert "circle_days" not in workspace.settings
    assert snapshot(workspace) == before


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_workspace_interval_defaults_apply_after_saving(workspace, make_person, committed):
    with committed():
        thomas = make_person(circle="core")
        services.followup_rules_update(workspace=workspace, circle_days={"core": 10})
    item = FollowUp.objects.get(person=thomas, rule="keep_in_touch", state=State.OPEN)
    assert item.due_on == dt.date(2025, 6, 12)


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_working_at_a_target_company_raises_priority(workspace, make_person, committed):
    with committed():
        acme = organisation_create(workspace=workspace, name="Acme", is_target=True)
        a = make_person(first_name="A", organisation=acme)
        b = make_person(first_name="B")
    pa = FollowUp.objects.get(person=a, rule="keep_in_touch").priority
    pb = FollowUp.objects.get(person=b, rule="keep_in_touch").priority
    assert pa > pb


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_snoozing_moves_the_item_and_a_past_date_changes_nothing(workspace, make_person, committed):
    with committed():
        thomas = make_person()
    item = FollowUp.objects.get(person=thomas, rule="keep_in_touch")
    today = dt.date(2025, 6, 2)
    for bad in (today, today - dt.timedelta(days=3), today + dt.timedelta(days=4000)):
        with pytest.raises(ValidationError):
            services.followup_snooze(followup=item, until=bad, today=today)
        item.refresh_from_db()
        assert item.state == State.OPEN and item.snoozed_until is None
    services.followup_snooze(followup=item, until=dt.date(2025, 6, 9), today=today)
    item.refresh_from_db()
    assert (item.state, item.due_on) == (State.SNOOZED, dt.date(2025, 6, 9))
    # A recompute keeps the user's decision.
    services.followups_refresh_people(person_ids=[thomas.pk])
    followups_recompute_workspace(workspace=workspace)
    item.refresh_from_db()
    assert (item.state, item.due_on) == (State.SNOOZED, dt.date(2025, 6, 9))


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_skipping_needs_a_reason_and_the_occurrence_stays_skipped(
    workspace, make_person, committed
):
    with committed():
        thomas = make_person(birthday_day=5, birthday_month=6)
    item = FollowUp.objects.get(person=thomas, rule="birthday")
    with pytest.raises(ValidationError):
        services.followup_skip(followup=item, reason="   ")
    item.refresh_from_db()
    assert item.state == State.OPEN
    services.followup_skip(followup=item, reason="Not close enough")
    followups_recompute_workspace(workspace=workspace)
    assert not FollowUp.objects.filter(person=thomas, rule="birthday").active().exists()
    item.refresh_from_db()
    assert item.state == State.SKIPPED


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_done_logs_a_touchpoint_and_schedules_the_next_contact(
    alice, workspace, make_person, committed
):
    with committed():
        thomas = make_person(circle="core")
    item = FollowUp.objects.get(person=thomas, rule="keep_in_touch")
    with committed():
        tp = services.followup_complete(followup=item, user=alice, channel="call")
    item.refresh_from_db()
    assert item.state == State.DONE and item.closed_by_touchpoint == tp
    assert list(tp.participants.all()) == [thomas] and tp.channel == "call"
    nxt = FollowUp.objects.get(person=thomas, rule="keep_in_touch", state=State.OPEN)
    assert nxt.due_on == dt.date(2025, 7, 2)
    with pytest.raises(ValidationError):
        services.followup_complete(followup=item, user=alice)


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_deleting_the_touchpoint_brings_the_old_cadence_back(workspace, make_person, committed):
    with committed():
        thomas = make_person(circle="core")
        tp = touchpoint_log(workspace=workspace, participants=[thomas], summary="Call")
    with committed():
        touchpoint_delete(touchpoint=tp)
    assert snapshot(workspace) == [
        (f"keep_in_touch:{thomas.pk}:added-2025-06-02", "open", dt.date(2025, 7, 2), 30)
    ]


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_occasions_create_items_and_future_dates_are_limited(workspace, make_person, committed):
    with committed():
        thomas = make_person()
        services.occasion_record(person=thomas, kind="promotion", on=dt.date(2025, 6, 1))
    assert FollowUp.objects.get(person=thomas, rule="promotion").due_on == dt.date(2025, 6, 8)
    with pytest.raises(ValidationError):
        services.occasion_record(person=thomas, kind="promotion", on=dt.date(2027, 1, 1))
    with pytest.raises(ValidationError):
        services.occasion_record(person=thomas, kind="wedding", on=dt.date(2025, 6, 1))
    assert thomas.occasions.count() == 1


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_career_facts_plug_in_through_a_provider(workspace, make_person, committed):
    from kontaktpflege.followups.engine import ApplicationFacts, InterviewFacts

    with committed():
        berg = make_person(first_name="Eva", last_name="Berg")

    def provider(workspace_id, person_ids, zone):
        if berg.pk in person_ids:
            yield ApplicationFacts(
                application_id=1,
                person_id=berg.pk,
                person_name="Eva Berg",
                organisation="Acme",
                stage="interview",
                interviews=(InterviewFacts(3, berlin(2025, 6, 1, 10)),),
            )

    services.register_fact_provider(provider)
    try:
        services.followups_refresh_people(person_ids=[berg.pk])
        rules = set(FollowUp.objects.filter(person=berg).values_list("rule", flat=True))
        assert {"interview_thanks", "status_inquiry"} <= rules
        thanks = FollowUp.objects.get(person=berg, rule="interview_thanks")
        assert (thanks.subject, thanks.due_on) == ("application:1", dt.date(2025, 6, 2))
    finally:
        services.FACT_PROVIDERS.remove(provider)


def test_the_daily_roll_moves_a_passed_birthday_to_next_year(workspace, make_person, committed):
    with time_machine.travel(berlin(2025, 6, 2, 9), tick=False), committed():
        thomas = make_person(birthday_day=3, birthday_month=6)
    assert FollowUp.objects.get(person=thomas, rule="birthday").due_on == dt.date(2025, 6, 3)
    with time_machine.travel(berlin(2025, 6, 20, 9), tick=False):
        services.followups_roll(workspace=workspace)
    assert FollowUp.objects.active().get(person=thomas, rule="birthday").due_on == (
        dt.date(2026, 6, 3)
    )
