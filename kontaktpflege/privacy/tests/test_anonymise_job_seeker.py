"""The anonymiser also blanks a job seeker's texts about the person and keeps follow-ups away."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from kontaktpflege.applications.models import (
    Activation,
    Application,
    ApplicationContact,
    Conversation,
    Interview,
)
from kontaktpflege.contacts.services import organisation_create
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.followups.services import followups_recompute_workspace
from kontaktpflege.privacy.retention import person_anonymise
from kontaktpflege.touchpoints.services import touchpoint_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def jan(make_person):
    return make_person(first_name="Jan", last_name="Roth", circle="active")


@pytest.fixture
def eva(make_person):
    return make_person(first_name="Eva", last_name="Lang")


def _application(workspace, org, notes, *contacts):
    app = Application.objects.create(
        workspace=workspace, organisation=org, position="Controller", notes=notes, feedback=notes
    )
    for person in contacts:
        ApplicationContact.objects.create(application=app, person=person, role="recruiter")
    Interview.objects.create(
        application=app, kind="phone", notes=notes, questions=notes, at=dt.datetime.now(dt.UTC)
    )
    return app


def test_conversations_activations_and_their_own_applications_lose_their_texts(workspace, jan, eva):
    org = organisation_create(workspace=workspace, name="Acme GmbH")
    talk = Conversation.objects.create(
        workspace=workspace,
        person=jan,
        goal="Wie arbeitet Jan bei Acme?",
        research="Jan Roth, privat in Leipzig",
        questions="Kinder?",
        learned="Jan wechselt bald",
        checklist={"no_research_questions": True},
    )
    other_talk = Conversation.objects.create(workspace=workspace, person=eva, goal="Eva fragen")
    other_talk.new_contacts.add(jan)
    Activation.objects.create(workspace=workspace, person=jan, goal="reminisce", offer="Jan hilft")
    his = _application(workspace, org, "Über Jan: spricht Polnisch", jan)
    shared = _application(workspace, org, "Meine Bewerbung, Eva und Jan", jan, eva)
    person_anonymise(person=jan, reason="erasure")
    talk.refresh_from_db()
    assert (talk.goal, talk.research, talk.questions, talk.learned) == ("—", "", "", "")
    assert talk.checklist == {}
    assert not other_talk.new_contacts.exists()
    assert Activation.objects.get(person=jan).offer == ""
    his.refresh_from_db()
    assert (his.notes, his.feedback, his.position) == ("", "", "Controller")  # counts stay
    assert Interview.objects.get(application=his).notes == ""
    shared.refresh_from_db()
    assert shared.notes == "Meine Bewerbung, Eva und Jan"  # not about Jan alone
    assert Interview.objects.get(application=shared).notes == "Meine Bewerbung, Eva und Jan"
    assert list(ApplicationContact.objects.values_list("person_id", flat=True)) == [eva.pk]


def test_a_shared_touchpoint_keeps_its_text_and_loses_only_them(workspace, jan, eva):
    alone = touchpoint_log(workspace=workspace, participants=[jan], summary="Jan privat")
    shared = touchpoint_log(workspace=workspace, participants=[jan, eva], summary="Team-Essen")
    person_anonymise(person=jan, reason="erasure")
    alone.refresh_from_db()
    shared.refresh_from_db()
    assert alone.summary == "—"
    assert shared.summary == "Team-Essen"
    assert list(shared.participants.all()) == [eva]


def test_an_anonymised_person_leaves_the_circles_and_gets_no_follow_up_again(
    workspace, jan, django_capture_on_commit_callbacks
):
    with time_machine.travel(dt.datetime(2026, 1, 10, 9, tzinfo=dt.UTC), tick=False):
        touchpoint_log(workspace=workspace, participants=[jan], summary="Kaffee")
        followups_recompute_workspace(workspace=workspace)
    assert FollowUp.objects.filter(person=jan).exists()  # active circle: keep in touch
    with django_capture_on_commit_callbacks(execute=True):
        person_anonymise(person=jan, reason="erasure")
    jan.refresh_from_db()
    assert (jan.circle, jan.keep_in_touch_days) == ("dormant", None)
    for later in (dt.datetime(2026, 6, 1, tzinfo=dt.UTC), dt.datetime(2028, 1, 1, tzinfo=dt.UTC)):
        with time_machine.travel(later, tick=False):
            followups_recompute_workspace(workspace=workspace)
        assert not FollowUp.objects.filter(person=jan).exists(), later
