"""The engine fires from applications (seed 000): thank-you the day after each interview, a
friendly status inquiry after three weeks of silence, a feedback request within two days of
a rejection; drafts name the interviewer, the date and the position in Sie, Du and English."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from kontaktpflege.applications import services
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.followups.services import followup_complete
from kontaktpflege.messaging.compose import draft_for
from kontaktpflege.messaging.selectors import sender_settings_for
from kontaktpflege.messaging.services import message_mark_sent
from kontaktpflege.touchpoints.services import touchpoint_log

from .conftest import berlin

pytestmark = pytest.mark.django_db


@pytest.fixture
def jonas(make_person, acme):
    """Herr Jonas Ost, the interviewer, formal German."""
    return make_person(
        first_name="Jonas",
        last_name="Ost",
        gender="m",
        form_of_address="sie",
        language="de",
        organisation=acme,
    )


@pytest.fixture
def staffed(application, eva, jonas, committed):
    with time_machine.travel(berlin(2025, 3, 1, 9), tick=False), committed():
        services.application_contact_add(application=application, person=eva, role="recruiter")
        services.application_contact_add(application=application, person=jonas, role="interviewer")
    return application


def career():
    """Active items about applications (people also get keep-in-touch items)."""
    return FollowUp.objects.active().filter(subject__startswith="application:")


def active(rule, **kw):
    return FollowUp.objects.active().filter(rule=rule, **kw)


def draft(alice, workspace, person, key, variant, application):
    return draft_for(
        workspace=workspace,
        person=person,
        user=alice,
        sender=sender_settings_for(workspace=workspace, user=alice),
        template_key=key,
        variant=variant,
        notes="",
        about=f"application:{application.pk}",
    )


def test_without_an_interview_the_recruiter_gets_the_inquiry_three_weeks_after_applying(
    staffed, eva
):
    item = active("status_inquiry").get()
    assert (item.person, item.due_on, item.window_end) == (
        eva,
        dt.date(2025, 3, 22),
        dt.date(2025, 3, 29),
    )
    assert item.subject == f"application:{staffed.pk}"


def test_an_application_without_contacts_has_no_followups(application, committed):
    with committed():
        services.application_update(application=application, notes="x")
    assert not FollowUp.objects.filter(subject__startswith="application:").exists()


def test_the_walk_from_interview_to_feedback_request(
    alice, workspace, staffed, eva, jonas, committed
):
    app = staffed
    with time_machine.travel(berlin(2025, 3, 10, 12), tick=False), committed():
        services.interview_add(
            application=app, at=berlin(2025, 3, 10, 10), kind="on_site", participants=[jonas]
        )
    thanks = active("interview_thanks").get()
    assert (thanks.person, thanks.due_on) == (jonas, dt.date(2025, 3, 11))
    inquiry = active("status_inquiry").get()
    assert (inquiry.person, inquiry.due_on) == (eva, dt.date(2025, 3, 31))

    with time_machine.travel(berlin(2025, 3, 11, 9), tick=False):
        text = draft(alice, workspace, jonas, "interview_thank_you", "de_sie", app)
        assert text.body.startswith("Sehr geehrter Herr Ost,")
        assert "vielen Dank für das Gespräch am 10.03.2025" in text.body
        assert "in die Arbeit bei Acme GmbH" in text.body
        assert text.subject == "Danke für das Gespräch – Product Designer"
        assert not text.undefined and not text.unavailable
        with committed():
            message_mark_sent(
                workspace=workspace,
                person=jonas,
                user=alice,
                channel="linkedin",
                subject=text.subject,
                body=text.body,
                idempotency_key="thanks-1",
                followup_id=thanks.pk,
            )
    thanks.refresh_from_db()
    assert thanks.state == "done" and thanks.closed_by_touchpoint_id
    assert not active("interview_thanks").exists()
    # The thank-you is the last word: the inquiry now counts from it.
    assert active("status_inquiry").get().due_on == dt.date(2025, 4, 1)

    with time_machine.travel(berlin(2025, 4, 2, 9), tick=False):
        inquiry = active("status_inquiry").get()
        assert inquiry.person == eva and inquiry.due_on <= dt.date(2025, 4, 2)
        text = draft(alice, workspace, eva, "status_inquiry", "de_sie", app)
        assert text.body.startswith("Sehr geehrte Frau Berg,")
        assert "seit unserem Gespräch am 10.03.2025" in text.body
        assert "Position als Product Designer" in text.body

    with time_machine.travel(berlin(2025, 4, 3, 9), tick=False), committed():
        services.application_reject(application=app, rejected_on=dt.date(2025, 4, 3))
    assert not active("status_inquiry").exists()
    feedback = active("feedback_request").get()
    assert (feedback.person, feedback.due_on) == (eva, dt.date(2025, 4, 5))
    with time_machine.travel(berlin(2025, 4, 4, 9), tick=False):
        text = draft(alice, workspace, eva, "feedback_request", "de_sie", app)
        assert "zehn Minuten am Telefon" in text.body
        with committed():
            followup_complete(followup=feedback, user=alice)
    assert not career().exists()
    feedback.refresh_from_db()
    assert feedback.state == "done"


def test_a_reply_from_the_interviewer_restarts_the_recruiters_inquiry(
    workspace, staffed, eva, jonas, committed
):
    with time_machine.travel(berlin(2025, 3, 10, 12), tick=False), committed():
        services.interview_add(
            application=staffed, at=berlin(2025, 3, 10, 10), kind="video", participants=[jonas]
        )
    old = active("status_inquiry").get()
    with time_machine.travel(berlin(2025, 3, 20, 12), tick=False), committed():
        tp = touchpoint_log(
            workspace=workspace, participants=[jonas], summary="Rückruf", direction="in"
        )
    new = active("status_inquiry").get()
    assert (new.person, new.due_on) == (eva, dt.date(2025, 4, 10))
    old.refresh_from_db()
    assert old.state == "done" and old.closed_by_touchpoint_id == tp.pk
    # An incoming call does not thank for the interview.
    assert active("interview_thanks").filter(person=jonas).exists()


def test_each_interview_earns_its_own_thank_you(staffed, eva, jonas, committed):
    with time_machine.travel(berlin(2025, 3, 20, 12), tick=False), committed():
        services.interview_add(
            application=staffed, at=berlin(2025, 3, 10, 10), kind="phone", participants=[eva]
        )
        services.interview_add(
            application=staffed, at=berlin(2025, 3, 18, 10), kind="on_site", participants=[jonas]
        )
    rows = active("interview_thanks").order_by("due_on")
    assert [(r.person, r.due_on) for r in rows] == [
        (eva, dt.date(2025, 3, 11)),
        (jonas, dt.date(2025, 3, 19)),
    ]


def test_deleting_the_application_takes_its_followups_away(staffed, committed):
    assert career().exists()
    with committed():
        services.application_delete(application=staffed)
    assert not career().exists()


def test_a_withdrawn_application_asks_for_nothing(staffed, committed):
    with committed():
        services.application_move_stage(application=staffed, stage="withdrawn")
    assert not career().exists()


@pytest.mark.parametrize(
    ("variant", "key", "expected"),
    [
        ("de_sie", "interview_thank_you", ["Sehr geehrter Herr Ost,", "am 10.03.2025"]),
        ("de_du", "interview_thank_you", ["Lieber Jonas,", "am 10. März", "Product Designer"]),
        ("en", "interview_thank_you", ["Dear Mr Ost,", "on 10 March 2025", "at Acme GmbH"]),
        ("de_du", "status_inquiry", ["seit unserem Gespräch am 10. März", "Stelle als Product"]),
        (
            "en",
            "status_inquiry",
            ["since our conversation on 10 March 2025", "Product Designer role"],
        ),
        ("de_du", "feedback_request", ["zehn Minuten für ein kurzes Telefonat"]),
        ("en", "feedback_request", ["ten minutes on the phone", "on the Product Designer role"]),
    ],
)
def test_drafts_about_an_application_in_sie_du_and_english(
    alice, workspace, staffed, jonas, committed, variant, key, expected
):
    with time_machine.travel(berlin(2025, 3, 12, 9), tick=False):
        with committed():
            services.interview_add(
                application=staffed, at=berlin(2025, 3, 10, 10), kind="video", participants=[jonas]
            )
        text = draft(alice, workspace, jonas, key, variant, staffed)
    for part in expected:
        assert part in text.body or part in text.subject, (part, text.subject, text.body)
    assert not text.undefined and not text.unavailable


def test_a_draft_about_another_workspaces_application_gets_nothing(
    charlie, staffed, other_workspace_person
):
    person, _org = other_workspace_person
    workspace = charlie.active_workspace
    text = draft(charlie, workspace, person, "interview_thank_you", "en", staffed)
    assert "Product Designer" not in text.body + text.subject
    assert "application_position" in text.empty


def test_the_cli_lists_applications_with_their_next_followup(alice, staffed, capsys):
    from kontaktpflege.cli import main

    with time_machine.travel(berlin(2025, 3, 20, 9), tick=False):
        main(["kontaktpflege", "applications", "--user", "alice"])
    out = capsys.readouterr().out
    assert "Applied" in out and "Product Designer @ Acme GmbH" in out
    assert "→ 2025-03-22  Applied to Acme GmbH on March 1" in out
