"""Property: after any sequence of facts, the incremental rows equal a full rebuild."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kontaktpflege.accounts.services import user_create
from kontaktpflege.contacts.services import (
    employment_record,
    organisation_create,
    organisation_update,
    person_create,
    person_update,
)
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.followups.services import (
    followup_snooze,
    followups_recompute_workspace,
    followups_roll,
    occasion_record,
)
from kontaktpflege.touchpoints.models import Touchpoint
from kontaktpflege.touchpoints.services import touchpoint_delete, touchpoint_log

from .conftest import berlin

pytestmark = pytest.mark.django_db

who = st.integers(min_value=0, max_value=2)
steps = st.one_of(
    st.tuples(
        st.just("touch"),
        st.lists(who, min_size=1, max_size=3),
        st.sampled_from(["", "give", "take"]),
    ),
    st.tuples(st.just("untouch"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("circle"), who, st.sampled_from(["core", "active", "network", "dormant"])),
    st.tuples(st.just("interval"), who, st.one_of(st.none(), st.integers(1, 400))),
    st.tuples(st.just("birthday"), who, st.integers(1, 28), st.integers(1, 12)),
    st.tuples(st.just("occasion"), who, st.sampled_from(["promotion", "media_appearance"])),
    st.tuples(st.just("job"), who),
    st.tuples(st.just("target"), st.booleans()),
    st.tuples(st.just("snooze"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("wait"), st.integers(min_value=1, max_value=200)),
)


def active(workspace):
    return sorted(
        FollowUp.objects.filter(workspace=workspace)
        .active()
        .values_list("key", "state", "due_on", "priority", "params")
    )


class World:
    def __init__(self, n: int, committed, traveller):
        self.user = user_create(username=f"u{n}", email=f"u{n}@example.org", password="pw-123-xyz")
        self.ws = self.user.active_workspace
        self.committed, self.traveller = committed, traveller
        with committed():
            self.org = organisation_create(workspace=self.ws, name="Acme")
            self.people = [
                person_create(workspace=self.ws, first_name=name, organisation=self.org)
                for name in ("Ann", "Ben", "Cem")
            ]

    def today(self) -> dt.date:
        from django.utils import timezone

        return timezone.localdate(timezone=berlin(2025, 1, 1).tzinfo)

    def apply(self, step) -> None:
        kind, *args = step
        with self.committed():
            getattr(self, f"do_{kind}")(*args)

    def do_touch(self, idx, give_take):
        people = [self.people[i] for i in set(idx)]
        touchpoint_log(workspace=self.ws, participants=people, summary="x", give_take=give_take)

    def do_untouch(self, n):
        tps = list(Touchpoint.objects.filter(workspace=self.ws).order_by("id"))
        if tps:
            touchpoint_delete(touchpoint=tps[n % len(tps)])

    def do_circle(self, i, circle):
        person_update(person=self.people[i], circle=circle)

    def do_interval(self, i, days):
        person_update(person=self.people[i], keep_in_touch_days=days)

    def do_birthday(self, i, day, month):
        person_update(person=self.people[i], birthday_day=day, birthday_month=month)

    def do_occasion(self, i, kind):
        occasion_record(person=self.people[i], kind=kind, on=self.today())

    def do_job(self, i):
        employment_record(person=self.people[i], organisation=self.org, start_date=self.today())

    def do_target(self, flag):
        organisation_update(organisation=self.org, is_target=flag)

    def do_snooze(self, n):
        rows = list(FollowUp.objects.filter(workspace=self.ws).active().order_by("id"))
        if rows:
            followup_snooze(
                followup=rows[n % len(rows)],
                until=self.today() + dt.timedelta(days=3),
                today=self.today(),
            )

    def do_wait(self, days):
        self.traveller.shift(dt.timedelta(days=days))
        followups_roll(workspace=self.ws)  # the scheduler's daily roll


COUNTER = iter(range(10**6))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(steps, min_size=1, max_size=12))
def test_incremental_updates_equal_a_full_rebuild(committed, django_db_blocker, sequence):
    with time_machine.travel(berlin(2025, 1, 6, 10), tick=False) as traveller:
        world = World(next(COUNTER), committed, traveller)
        for step in sequence:
            world.apply(step)
        incremental = active(world.ws)
        followups_recompute_workspace(workspace=world.ws, from_scratch=True)
        assert active(world.ws) == incremental
