"""After a rejection: the recruiter's call (2 days) and the silver medallists' nurture
(every 90 days, only with consent) — rules, facts and a 200-day run with time-machine."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kontaktpflege.followups import engine
from kontaktpflege.followups.models import FollowUp, State
from kontaktpflege.followups.services import followup_complete
from kontaktpflege.messaging import delivery
from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.messaging.services import new_idempotency_key
from kontaktpflege.recruiting import nurture, rejections
from kontaktpflege.recruiting.models import CandidateProfile, ConsentState, OpeningStatus

from .rejection_helpers import candidacy, opening, reason, recruiting

BERLIN = ZoneInfo("Europe/Berlin")
DAY0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def at(days: int, hour: int = 9) -> dt.datetime:
    return DAY0 + dt.timedelta(days=days, hours=hour - 9)


# ---------------------------------------------------------------- pure rules


def test_the_call_is_due_two_days_after_the_rejection_until_called():
    fact = engine.CandidacyFacts(1, 7, 3, "Julia Weber", "Designer", rejected_at=DAY0)
    [item] = engine.subject_items([fact], engine.DEFAULT_RULES, BERLIN)
    assert item.rule == "rejection_call" and item.due_on == dt.date(2026, 1, 7)
    assert item.subject == "candidacy:1"
    called = engine.CandidacyFacts(1, 7, 3, "Julia", "Designer", rejected_at=DAY0, called=True)
    assert engine.subject_items([called], engine.DEFAULT_RULES, BERLIN) == []


def test_nurture_is_due_90_days_after_the_last_contact():
    fact = engine.CandidateFacts(3, "Julia", rejected_at=DAY0)
    [item] = engine.subject_items([fact], engine.DEFAULT_RULES, BERLIN)
    assert item.rule == "silver_medallist_nurture" and item.due_on == dt.date(2026, 4, 5)
    later = engine.CandidateFacts(3, "Julia", rejected_at=DAY0, last_touch_at=at(10))
    [item] = engine.subject_items([later], engine.DEFAULT_RULES, BERLIN)
    assert item.due_on == dt.date(2026, 1, 15) + dt.timedelta(days=90)
    assert engine.is_suggestion("silver_medallist_nurture")


def test_a_disabled_nurture_rule_yields_nothing():
    rules = engine.rules_for({"silver_medallist_nurture": {"enabled": False}})
    fact = engine.CandidateFacts(3, "Julia", rejected_at=DAY0)
    assert engine.subject_items([fact], rules, BERLIN) == []


# ---------------------------------------------------------------- with the database


@pytest.fixture
def setup(workspace):
    recruiting(workspace)
    workspace.settings = {**(workspace.settings or {}), "time_zone": "Europe/Berlin"}
    workspace.save(update_fields=["settings"])
    job = opening(workspace, "Product Designer", location="Köln")
    return job


def open_items(rule: str) -> list[FollowUp]:
    return list(FollowUp.objects.filter(rule=rule, state__in=[State.OPEN, State.SNOOZED]))


def consent(person, state: str, capture) -> None:
    """What the Privacy issue does: mirror the state and announce the changed facts."""
    from kontaktpflege.core.facts import facts_changed

    with capture(execute=True):
        CandidateProfile.objects.filter(person=person).update(consent_state=state)
        facts_changed([person.pk])


@pytest.mark.django_db(transaction=False)
def test_a_personal_rejection_asks_the_recruiter_to_call_and_a_call_answers_it(
    alice, workspace, setup, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(0), tick=False):
        c = candidacy(workspace, setup, "final_interview")
        with django_capture_on_commit_callbacks(execute=True):
            rejections.candidacy_reject(
                candidacy=c, reason_id=reason(workspace).pk, user=alice, feedback_notes="Knapp."
            )
        [call] = open_items("rejection_call")
        assert call.person_id == c.person_id and call.due_on == dt.date(2026, 1, 7)
    with time_machine.travel(at(1), tick=False), django_capture_on_commit_callbacks(execute=True):
        followup_complete(followup=call, user=alice, summary="")
    call.refresh_from_db()
    assert call.state == State.DONE and call.closed_by_touchpoint.channel == "call"
    assert open_items("rejection_call") == []


@pytest.mark.django_db
def test_an_automated_rejection_asks_for_no_call(
    alice, workspace, setup, django_capture_on_commit_callbacks
):
    c = candidacy(workspace, setup, "applied")
    with django_capture_on_commit_callbacks(execute=True):
        rejections.candidacy_reject(candidacy=c, reason_id=reason(workspace).pk, user=alice)
    assert open_items("rejection_call") == []


@pytest.mark.django_db
def test_a_cancelled_personal_rejection_drops_the_call(
    alice, workspace, setup, django_capture_on_commit_callbacks
):
    c = candidacy(workspace, setup, "final_interview")
    with django_capture_on_commit_callbacks(execute=True):
        r = rejections.candidacy_reject(
            candidacy=c, reason_id=reason(workspace).pk, user=alice, feedback_notes="Knapp."
        )
    assert len(open_items("rejection_call")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        rejections.rejection_cancel(rejection=r, user=alice)
    assert open_items("rejection_call") == []


@pytest.mark.django_db
def test_silver_medallists_with_consent_hear_from_the_team_every_90_days_over_200_days(
    alice, workspace, setup, django_capture_on_commit_callbacks, smtp_server
):
    capture = django_capture_on_commit_callbacks
    opening(workspace, "Backend Developer", location="Berlin", work_mode="remote")
    opening(workspace, "Closed role", status=OpeningStatus.CLOSED)
    with time_machine.travel(at(0), tick=False):
        finalist = candidacy(workspace, setup, "final_interview")
        without = candidacy(workspace, setup, "offer", first_name="Nora", last_name="Neu")
        for c in (finalist, without):
            with capture(execute=True):
                r = rejections.candidacy_reject(
                    candidacy=c, reason_id=reason(workspace).pk, user=alice, feedback_notes="Knapp"
                )
                rejections.rejection_review(rejection=r, user=alice, subject=r.subject, body=r.body)
        assert OutboundMessage.objects.count() == 2  # sent on commit through the outbox
        assert open_items("silver_medallist_nurture") == []  # nobody consented yet
        consent(finalist.person, ConsentState.GRANTED, capture)
        [first] = open_items("silver_medallist_nurture")
        assert first.person_id == finalist.person_id
        assert first.due_on == dt.date(2026, 1, 5) + dt.timedelta(days=90)
        assert first.subject == f"candidate:{finalist.person_id}"

    # Day 92: the update goes out (suggested text with the open openings, through the outbox).
    with time_machine.travel(at(92), tick=False):
        profile = nurture.nurture_profile(workspace=workspace, person_id=finalist.person_id)
        draft = nurture.nurture_draft(workspace=workspace, person=finalist.person, user=alice)
        assert "Backend Developer (Berlin, Remote)" in draft.body
        assert "Product Designer (Köln" in draft.body and "Closed role" not in draft.body
        with capture(execute=True):
            nurture.nurture_send(
                profile=profile,
                user=alice,
                subject=draft.subject,
                body=draft.body,
                idempotency_key=new_idempotency_key(),
                followup_id=first.pk,
            )
        delivery.outbox_drain()
    first.refresh_from_db()
    assert first.state == State.DONE
    [second] = open_items("silver_medallist_nurture")
    assert second.due_on == dt.date(2026, 1, 5) + dt.timedelta(days=92 + 90)
    assert any(
        "Backend Developer" in str(m.get_body(("plain",)).get_content())
        for m in smtp_server.messages
    )

    # Day 200: consent withdrawn — the item goes, and nothing more may be sent.
    with time_machine.travel(at(200), tick=False):
        consent(finalist.person, ConsentState.WITHDRAWN, capture)
        assert open_items("silver_medallist_nurture") == []
        before = OutboundMessage.objects.count()
        with pytest.raises(ValidationError, match="not consented"):
            nurture.nurture_send(
                profile=profile,
                user=alice,
                subject="News",
                body="Hallo",
                idempotency_key=new_idempotency_key(),
            )
        assert OutboundMessage.objects.count() == before
    assert (
        FollowUp.objects.filter(person=without.person, rule="silver_medallist_nurture").count() == 0
    )
