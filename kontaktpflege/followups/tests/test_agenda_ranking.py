"""The agenda's ranking and totals against a plain-Python reading of the rules.

The agenda picks each group's top N in SQL (one ORDER BY … LIMIT per group) and counts the
groups over ranges of the index; these tests hold both to the definition: active items due
within a week, grouped into overdue / today / this week (late suggestions stay in today),
ordered by effective priority (engine.effective_priority), then due date, then id.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from kontaktpflege.contacts.models import Person
from kontaktpflege.followups import engine
from kontaktpflege.followups.models import ACTIVE_STATES, FollowUp, State
from kontaktpflege.followups.selectors import (
    GROUPS,
    WEEK_DAYS,
    agenda_queryset,
    agenda_totals,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 2)
OBLIGATIONS = ["keep_in_touch", "interview_thanks", "status_inquiry", "new_contact"]
RULES = [*OBLIGATIONS, *sorted(engine.SUGGESTIONS)]


def _fill(workspace, seed: int, n: int = 300) -> None:
    """n follow-ups in every state, due from 60 days back to 12 ahead, with many ties."""
    rng = random.Random(seed)
    people = Person.objects.bulk_create(
        Person(workspace=workspace, first_name=f"P{i}", last_name="Rank") for i in range(20)
    )
    states = [State.OPEN, State.OPEN, State.SNOOZED, State.DONE, State.SKIPPED]
    rows = []
    for i in range(n):
        due = TODAY + dt.timedelta(days=rng.randint(-60, 12))
        rows.append(
            FollowUp(
                workspace=workspace,
                person=rng.choice(people),
                rule=rng.choice(RULES),
                key=f"rank:{seed}:{i}",
                due_on=due,
                original_due_on=due,
                priority=rng.choice([10, 20, 20, 30, 50]),
                state=rng.choice(states),
            )
        )
    FollowUp.objects.bulk_create(rows)


def _group(row: FollowUp) -> int:
    if row.due_on < TODAY:
        return 1 if engine.is_suggestion(row.rule) else 0
    return 1 if row.due_on == TODAY else 2


def _reference(workspace, per_group: int) -> list[tuple[int, int]]:
    """(id, group) of each group's top `per_group`, in agenda order, computed in Python."""
    rows = FollowUp.objects.filter(
        workspace=workspace,
        state__in=ACTIVE_STATES,
        due_on__lte=TODAY + dt.timedelta(days=WEEK_DAYS),
    )

    def key(r: FollowUp):
        eff = engine.effective_priority(r.priority, r.due_on, TODAY, r.rule)
        return (_group(r), -eff, r.due_on, r.pk)

    taken: dict[int, int] = {}
    result = []
    for row in sorted(rows, key=key):
        group = _group(row)
        taken[group] = taken.get(group, 0) + 1
        if taken[group] <= per_group:
            result.append((row.pk, group))
    return result


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_each_groups_top_items_are_those_the_rules_rank_first(workspace, charlie, seed):
    _fill(workspace, seed)
    _fill(charlie.active_workspace, seed + 100)  # another workspace's items never show
    for per_group in (1, 5, 20, 500):
        rows = agenda_queryset(workspace=workspace, today=TODAY, per_group=per_group)
        assert [(r.pk, r.grp) for r in rows] == _reference(workspace, per_group)  # type: ignore[attr-defined]


@pytest.mark.parametrize("seed", [1, 2])
def test_the_group_totals_count_every_active_item_due_within_a_week(workspace, charlie, seed):
    _fill(workspace, seed)
    _fill(charlie.active_workspace, seed + 100)
    expected = dict.fromkeys(GROUPS, 0)
    for _pk, group in _reference(workspace, per_group=10_000):
        expected[GROUPS[group]] += 1
    assert agenda_totals(workspace=workspace, today=TODAY) == expected
    assert sum(expected.values()) > 0 and all(expected.values())


def test_late_suggestions_count_and_show_in_today_never_in_overdue(workspace, make_person):
    person = make_person(first_name="Late")
    FollowUp.objects.filter(person=person).delete()
    for n, rule in enumerate(["reactivation", "birthday", "keep_in_touch"]):
        FollowUp.objects.create(
            workspace=workspace,
            person=person,
            rule=rule,
            key=f"late:{n}",
            due_on=TODAY - dt.timedelta(days=40),
            original_due_on=TODAY - dt.timedelta(days=40),
            priority=20,
        )
    assert agenda_totals(workspace=workspace, today=TODAY) == {"overdue": 1, "today": 2, "week": 0}
    rows = agenda_queryset(workspace=workspace, today=TODAY)
    by_group = sorted((r.grp, r.rule) for r in rows)  # type: ignore[attr-defined]
    assert by_group == [(0, "keep_in_touch"), (1, "birthday"), (1, "reactivation")]
