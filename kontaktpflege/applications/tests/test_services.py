"""Application services: good input does what it says; bad input names the field and changes
nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kontaktpflege.applications import services
from kontaktpflege.applications.models import Application, ApplicationContact, Interview

from .conftest import berlin

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(Application.objects.order_by("pk").values()),
        list(ApplicationContact.objects.order_by("pk").values()),
        list(Interview.objects.order_by("pk").values()),
    )


def fails_on(field, fn, **kwargs):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        fn(**kwargs)
    assert field in exc.value.message_dict, exc.value.message_dict
    assert snapshot() == before
    return exc.value.message_dict[field][0]


def test_an_application_starts_saved_and_moving_it_to_applied_dates_it(workspace, acme):
    app = services.application_create(workspace=workspace, organisation=acme, position="UX Lead")
    assert (app.stage, app.applied_on) == ("saved", None)
    app = services.application_move_stage(application=app, stage="applied")
    assert app.stage == "applied" and app.applied_on is not None
    assert app.stage_changed_at is not None


def test_a_moved_card_goes_to_the_top_of_its_column(workspace, acme, application):
    other = services.application_create(
        workspace=workspace, organisation=acme, position="Researcher", stage="saved"
    )
    services.application_move_stage(application=other, stage="applied")
    ordered = list(Application.objects.filter(stage="applied"))
    assert ordered[0] == other


def test_a_stage_not_in_the_choices_is_refused(application):
    message = fails_on(
        "stage", services.application_move_stage, application=application, stage="hired"
    )
    assert "stage" in message


def test_a_rejection_without_a_date_is_refused(application):
    fails_on("rejected_on", services.application_reject, application=application, rejected_on=None)
    fails_on(
        "rejected_on", services.application_move_stage, application=application, stage="rejected"
    )
    fails_on("rejected_on", services.application_update, application=application, stage="rejected")


def test_a_rejection_before_the_application_is_refused(application):
    fails_on(
        "rejected_on",
        services.application_reject,
        application=application,
        rejected_on=dt.date(2025, 2, 1),
    )


def test_a_rejection_is_recorded_with_its_date_and_feedback(application):
    app = services.application_reject(
        application=application, rejected_on=dt.date(2025, 4, 1), feedback="Zu wenig Erfahrung"
    )
    app.refresh_from_db()
    assert (app.stage, app.rejected_on, app.feedback) == (
        "rejected",
        dt.date(2025, 4, 1),
        "Zu wenig Erfahrung",
    )
    app = services.application_move_stage(application=app, stage="waiting")
    assert app.rejected_on is None


def test_an_organisation_of_another_workspace_is_refused(
    workspace, application, other_workspace_person
):
    _person, org = other_workspace_person
    fails_on(
        "organisation",
        services.application_create,
        workspace=workspace,
        organisation=org,
        position="X",
    )
    fails_on("organisation", services.application_update, application=application, organisation=org)


def test_a_salary_range_upside_down_is_refused(workspace, acme):
    fails_on(
        "salary_max",
        services.application_create,
        workspace=workspace,
        organisation=acme,
        position="X",
        salary_min=80000,
        salary_max=60000,
    )


def test_an_application_needs_a_position(workspace, acme):
    fails_on(
        "position",
        services.application_create,
        workspace=workspace,
        organisation=acme,
        position="  ",
    )


def test_a_contact_gets_a_role_and_a_second_add_changes_the_role(application, eva):
    services.application_contact_add(application=application, person=eva, role="recruiter")
    services.application_contact_add(application=application, person=eva, role="hiring_manager")
    assert list(application.application_contacts.values_list("person_id", "role")) == [
        (eva.pk, "hiring_manager")
    ]
    services.application_contact_remove(application=application, person=eva)
    assert not application.application_contacts.exists()


def test_a_contact_of_another_workspace_or_an_unknown_role_is_refused(
    application, eva, other_workspace_person
):
    person, _org = other_workspace_person
    fails_on(
        "person",
        services.application_contact_add,
        application=application,
        person=person,
        role="recruiter",
    )
    fails_on(
        "role", services.application_contact_add, application=application, person=eva, role="boss"
    )


def test_an_interview_moves_the_card_and_makes_its_participants_interviewers(application, eva):
    interview = services.interview_add(
        application=application,
        at=berlin(2025, 3, 10, 10),
        kind="video",
        participants=[eva],
        questions="Warum wir?",
    )
    application.refresh_from_db()
    assert application.stage == "interview"
    assert list(interview.participants.all()) == [eva]
    assert application.application_contacts.get().role == "interviewer"


def test_an_interview_before_the_application_is_refused(application, eva):
    message = fails_on(
        "at",
        services.interview_add,
        application=application,
        at=berlin(2025, 2, 28, 10),
        kind="phone",
    )
    assert "before the application" in message


def test_an_interview_edited_to_before_the_application_is_refused(application):
    interview = services.interview_add(
        application=application, at=berlin(2025, 3, 10, 10), kind="phone"
    )
    fails_on("at", services.interview_update, interview=interview, at=berlin(2025, 1, 1, 9))
    fails_on("kind", services.interview_update, interview=interview, kind="dinner")
    fails_on("at", services.interview_update, interview=interview, at=dt.datetime(2025, 3, 11, 9))


def test_moving_the_application_date_after_an_interview_is_refused(application):
    services.interview_add(application=application, at=berlin(2025, 3, 10, 10), kind="phone")
    fails_on(
        "applied_on",
        services.application_update,
        application=application,
        applied_on=dt.date(2025, 3, 20),
    )


def test_an_interview_participant_of_another_workspace_is_refused(
    application, other_workspace_person
):
    person, _org = other_workspace_person
    fails_on(
        "participants",
        services.interview_add,
        application=application,
        at=berlin(2025, 3, 10, 10),
        kind="phone",
        participants=[person],
    )


def test_deleting_an_application_keeps_its_people(application, eva):
    services.application_contact_add(application=application, person=eva, role="recruiter")
    services.application_delete(application=application)
    assert not Application.objects.exists()
    eva.refresh_from_db()
