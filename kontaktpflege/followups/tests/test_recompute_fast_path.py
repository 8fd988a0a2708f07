"""The recompute's fast path: a rebuild leaves rows that are already right, and the fact
providers read thousands of ids by range yet answer for exactly the ids they were given."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from kontaktpflege.applications.conversations import conversation_facts
from kontaktpflege.applications.facts import application_facts
from kontaktpflege.applications.models import (
    Application,
    ApplicationContact,
    Conversation,
    ConversationStatus,
)
from kontaktpflege.contacts.models import Organisation, Person
from kontaktpflege.followups.engine import CandidateFacts
from kontaktpflege.followups.models import FollowUp, State
from kontaktpflege.followups.services import followups_recompute_workspace
from kontaktpflege.followups.tests.test_bulk_paths import NOW, generated, snapshot
from kontaktpflege.privacy.models import Anonymisation
from kontaktpflege.privacy.retention import anonymised_among
from kontaktpflege.recruiting.models import CandidateProfile, ConsentState
from kontaktpflege.recruiting.nurture import recruiting_facts

pytestmark = pytest.mark.django_db
__all__ = ["generated"]  # the fixture, shared with test_bulk_paths


def test_a_rebuild_keeps_open_rows_that_are_right_and_replaces_the_others(generated):
    with time_machine.travel(NOW, tick=False):
        followups_recompute_workspace(workspace=generated)
        expected = snapshot(generated)
        open_rows = list(FollowUp.objects.filter(workspace=generated, state=State.OPEN))
        broken = open_rows[:3]
        FollowUp.objects.filter(pk=broken[0].pk).update(subject="not:the:subject")
        FollowUp.objects.filter(pk=broken[1].pk).update(skip_reason="left over")
        FollowUp.objects.filter(pk=broken[2].pk).update(original_due_on=dt.date(2020, 1, 1))
        followups_recompute_workspace(workspace=generated)
        rows = snapshot(generated)
    assert rows == expected  # every column the facts decide is right again
    ids = {r.key: r.pk for r in FollowUp.objects.filter(workspace=generated)}
    assert all(ids[r.key] != r.pk for r in broken)  # rebuilt as new rows
    assert all(ids[r.key] == r.pk for r in open_rows[3:])  # the right ones were left alone


@pytest.fixture
def many_people(workspace):
    """300 people (more than an IN list takes, so the providers read by range)."""
    people = Person.objects.bulk_create(
        Person(workspace=workspace, first_name=f"P{n}", last_name="Range", circle="active")
        for n in range(300)
    )
    return sorted(people, key=lambda p: p.pk)


def test_the_providers_answer_for_exactly_the_ids_given(workspace, many_people):
    inside, other = many_people[150], many_people[151]  # both within the range of the ids
    held = timezone.now() - dt.timedelta(days=1)
    for person in (inside, other):
        Conversation.objects.create(
            workspace=workspace,
            person=person,
            goal="Learn",
            status=ConversationStatus.HELD,
            held_at=held,
        )
        org = Organisation.objects.create(workspace=workspace, name=f"Org {person.pk}")
        app = Application.objects.create(
            workspace=workspace, organisation=org, position="Engineer", stage="applied"
        )
        ApplicationContact.objects.create(application=app, person=person, role="recruiter")
        Anonymisation.objects.create(workspace=workspace, person=person, reason="erasure")
        CandidateProfile.objects.create(
            workspace=workspace,
            person=person,
            silver_medallist=True,
            consent_state=ConsentState.GRANTED,
            last_rejected_at=held,
        )
    ids = [p.pk for p in many_people if p.pk != inside.pk]
    zone = timezone.get_current_timezone()

    assert {f.person_id for f in conversation_facts(workspace.pk, ids, zone)} == {other.pk}
    assert {f.person_id for f in application_facts(workspace.pk, ids, zone)} == {other.pk}
    assert anonymised_among(workspace.pk, ids) == {other.pk}
    silver = [f for f in recruiting_facts(workspace.pk, ids, zone) if isinstance(f, CandidateFacts)]
    assert {f.person_id for f in silver} == {other.pk}
