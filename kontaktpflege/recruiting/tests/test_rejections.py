"""Two-tier rejections (seed 002): tiers, review, schedule, cancel, bulk, sending once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from kontaktpflege.messaging import delivery
from kontaktpflege.messaging.models import MessageState, OutboundMessage
from kontaktpflege.recruiting import rejections
from kontaktpflege.recruiting.models import (
    Candidacy,
    CandidateProfile,
    Rejection,
    RejectionState,
    StageMove,
    Tier,
)

from .rejection_helpers import candidacy, opening, reason, recruiting

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(workspace):
    recruiting(workspace)
    return opening(workspace, "Product Designer")


@pytest.fixture
def finalist(workspace, job):
    return candidacy(workspace, job, "final_interview", first_name="Julia", last_name="Weber")


@pytest.fixture
def early(workspace, job):
    return candidacy(workspace, job, "screening", first_name="Tom", last_name="Berg")


def snapshot():
    return (
        list(Rejection.objects.order_by("pk").values()),
        list(Candidacy.objects.order_by("pk").values()),
        list(CandidateProfile.objects.order_by("pk").values()),
        OutboundMessage.objects.count(),
        StageMove.objects.count(),
    )


def reject(c, alice, **kw):
    kw.setdefault("reason_id", reason(c.workspace).pk)
    return rejections.candidacy_reject(candidacy=c, user=alice, **kw)


# ---------------------------------------------------------------- tiers


def test_a_finalist_gets_a_personal_draft_and_becomes_a_silver_medallist(alice, finalist):
    r = reject(finalist, alice, feedback_notes="Im Case Study fehlte uns die Nutzerforschung.")
    assert r.tier == Tier.PERSONAL and r.state == RejectionState.DRAFT and r.send_at is None
    assert "Im Case Study fehlte uns die Nutzerforschung." in r.body
    assert "Product Designer" in r.subject
    c = Candidacy.objects.select_related("stage").get(pk=finalist.pk)
    assert c.stage.key == "rejected"
    assert c.reached_position == 40 and c.reached_stage.key == "final_interview"
    assert c.feedback_tier == Tier.PERSONAL and c.rejected_at is not None
    assert c.rejection_reason_id == r.reason_id and c.silver_medallist
    profile = CandidateProfile.objects.get(person=finalist.person)
    assert profile.silver_medallist and profile.last_rejected_at == c.rejected_at
    assert profile.reached_position == 40
    assert OutboundMessage.objects.count() == 0  # nothing goes out before the review


def test_an_early_candidate_gets_the_friendly_template_scheduled_at_once(alice, early):
    r = reject(early, alice)
    assert r.tier == Tier.AUTOMATED and r.state == RejectionState.SCHEDULED
    assert r.send_at is not None and r.send_at <= timezone.now()
    # German formal (the person's default variant): the door stays open for a conversation.
    assert "rufen Sie uns gern an" in r.body
    c = Candidacy.objects.get(pk=early.pk)
    assert not c.silver_medallist and c.feedback_tier == Tier.AUTOMATED
    assert not CandidateProfile.objects.get(person=early.person).silver_medallist


def test_the_tier_follows_the_configured_late_stage(alice, workspace, job):
    from kontaktpflege.recruiting.models import PipelineStage, RecruitingSettings

    RecruitingSettings.objects.filter(workspace=workspace).update(
        late_stage=PipelineStage.objects.get(workspace=workspace, key="first_interview")
    )
    c = candidacy(workspace, job, "first_interview", first_name="Ada")
    assert reject(c, alice, feedback_notes="Knapp.").tier == Tier.PERSONAL


def test_a_personal_rejection_without_feedback_is_refused_and_nothing_changes(alice, finalist):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        reject(finalist, alice, feedback_notes="   ")
    assert "individual feedback" in str(exc.value)
    assert snapshot() == before


def test_a_reason_of_another_workspace_is_refused(alice, charlie, finalist):
    from kontaktpflege.recruiting.services import recruiting_setup

    recruiting_setup(workspace=charlie.active_workspace)
    foreign = reason(charlie.active_workspace)
    before = snapshot()
    with pytest.raises(ValidationError, match="Choose a reason"):
        reject(finalist, alice, reason_id=foreign.pk, feedback_notes="x")
    assert snapshot() == before


def test_a_candidacy_of_another_workspace_is_not_found(charlie, finalist):
    with pytest.raises(Http404):
        rejections.candidacy_get(workspace=charlie.active_workspace, pk=finalist.pk)


def test_rejecting_twice_is_a_clear_error_and_changes_nothing(alice, early):
    reject(early, alice)
    before = snapshot()
    with pytest.raises(ValidationError, match="already been rejected"):
        reject(early, alice)
    assert snapshot() == before


def test_a_person_without_email_cannot_be_rejected_by_email(alice, workspace, job):
    c = candidacy(workspace, job, "applied", first_name="Nomail", email="")
    before = snapshot()
    with pytest.raises(ValidationError, match="no email address"):
        reject(c, alice)
    assert snapshot() == before


def test_a_hired_candidacy_cannot_be_rejected(alice, workspace, job):
    c = candidacy(workspace, job, "hired", first_name="Hanna")
    with pytest.raises(ValidationError, match="closed"):
        reject(c, alice)


# ---------------------------------------------------------------- scheduling


def test_scheduling_in_the_past_is_refused_and_nothing_changes(alice, early, finalist):
    past = timezone.now() - dt.timedelta(hours=1)
    before = snapshot()
    with pytest.raises(ValidationError, match="already passed"):
        reject(early, alice, send_at=past)
    assert snapshot() == before
    r = reject(finalist, alice, feedback_notes="Knapp.")
    before = snapshot()
    with pytest.raises(ValidationError, match="already passed"):
        rejections.rejection_review(
            rejection=r, user=alice, subject="Ihre Bewerbung", body="Text", send_at=past
        )
    assert snapshot() == before


def test_the_review_sets_the_final_text_and_schedules_it(alice, finalist):
    r = reject(finalist, alice, feedback_notes="Knapp.")
    later = timezone.now() + dt.timedelta(days=2)
    rejections.rejection_review(
        rejection=r, user=alice, subject="Ihre Bewerbung", body="Liebe Julia …", send_at=later
    )
    r.refresh_from_db()
    assert r.state == RejectionState.SCHEDULED and r.send_at == later
    assert (r.subject, r.body, r.reviewed_by) == ("Ihre Bewerbung", "Liebe Julia …", alice)


def test_header_injection_in_the_reviewed_subject_is_refused(alice, finalist):
    r = reject(finalist, alice, feedback_notes="Knapp.")
    before = snapshot()
    with pytest.raises(ValidationError, match="Line breaks"):
        rejections.rejection_review(
            rejection=r, user=alice, subject="Hallo\r\nBcc: all@example.com", body="Text"
        )
    assert snapshot() == before


def test_a_hostile_feedback_note_is_printed_as_text_never_run(alice, finalist):
    hostile = "{{ ''.__class__.__mro__ }} {% for x in range(10**9) %}x{% endfor %}"
    r = reject(finalist, alice, feedback_notes=hostile)
    assert hostile in r.body


def test_a_broken_workspace_template_is_a_clear_error(alice, workspace, early):
    from kontaktpflege.messaging.models import MessageTemplate

    MessageTemplate.objects.create(
        workspace=workspace,
        key="rejection_automated",
        variant="de_sie",
        name="x",
        subject="Absage",
        body="{{ ''.__class__.__mro__ }}",
    )
    before = snapshot()
    with pytest.raises(ValidationError, match="cannot be rendered"):
        reject(early, alice)
    assert snapshot() == before


# ---------------------------------------------------------------- cancel


def test_cancelling_a_draft_restores_the_stage_and_allows_a_new_rejection(alice, finalist):
    r = reject(finalist, alice, feedback_notes="Knapp.")
    rejections.rejection_cancel(rejection=r, user=alice)
    r.refresh_from_db()
    assert r.state == RejectionState.CANCELLED and r.cancelled_at is not None
    c = Candidacy.objects.select_related("stage").get(pk=finalist.pk)
    assert c.stage.key == "final_interview" and not c.silver_medallist
    assert c.rejected_at is None and c.feedback_tier == ""
    assert not CandidateProfile.objects.get(person=finalist.person).silver_medallist
    again = reject(finalist, alice, feedback_notes="Doch abgesagt.")
    assert again.state == RejectionState.DRAFT


def test_cancelling_twice_says_it_was_cancelled(alice, early):
    r = reject(early, alice, send_at=timezone.now() + dt.timedelta(hours=3))
    rejections.rejection_cancel(rejection=r, user=alice)
    before = snapshot()
    with pytest.raises(ValidationError, match="was cancelled"):
        rejections.rejection_cancel(rejection=r, user=alice)
    assert snapshot() == before


def test_a_sent_rejection_cannot_be_cancelled_or_edited(alice, early):
    r = reject(early, alice)
    assert rejections.rejections_send_due() == 1
    before = snapshot()
    with pytest.raises(ValidationError, match="already gone out"):
        rejections.rejection_cancel(rejection=r, user=alice)
    with pytest.raises(ValidationError, match="already gone out"):
        rejections.rejection_review(rejection=r, user=alice, subject="Neu", body="Neu")
    assert snapshot() == before


# ---------------------------------------------------------------- sending


def test_a_due_rejection_becomes_exactly_one_message_however_often_the_task_runs(alice, early):
    r = reject(early, alice)
    assert rejections.rejections_send_due() == 1
    assert rejections.rejections_send_due() == 0
    assert rejections.rejection_send(rejection_id=r.pk) is None
    r.refresh_from_db()
    assert r.state == RejectionState.SENT and r.sent_at is not None
    message = OutboundMessage.objects.get()
    assert r.message_id == message.pk and message.idempotency_key == f"rejection-{r.pk}"
    assert message.to_address == "tom@example.com" and message.subject == r.subject


def test_a_scheduled_rejection_waits_for_its_time(alice, early):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        reject(early, alice, send_at=start + dt.timedelta(days=1))
        assert rejections.rejections_send_due() == 0
    with time_machine.travel(start + dt.timedelta(hours=23, minutes=59), tick=False):
        assert rejections.rejections_send_due() == 0
    with time_machine.travel(start + dt.timedelta(days=1), tick=False):
        assert rejections.rejections_send_due() == 1


def test_a_cancelled_rejection_is_never_sent(alice, early):
    r = reject(early, alice, send_at=timezone.now() + dt.timedelta(minutes=30))
    rejections.rejection_cancel(rejection=r, user=alice)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1), tick=False):
        assert rejections.rejections_send_due() == 0
    assert OutboundMessage.objects.count() == 0


def test_an_address_removed_after_scheduling_keeps_it_waiting_and_flagged(alice, early):
    r = reject(early, alice)
    early.person.emails.all().delete()
    assert rejections.rejections_send_due() == 0
    r.refresh_from_db()
    assert r.state == RejectionState.SCHEDULED and OutboundMessage.objects.count() == 0
    assert rejections.waiting_without_address([r]) == {r.pk}


def test_rejecting_now_enqueues_the_send_on_commit(
    alice, early, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        r = reject(early, alice)
    r.refresh_from_db()
    assert r.state == RejectionState.SENT  # the immediate task backend ran the send
    assert OutboundMessage.objects.filter(pk=r.message_id).exists()


def test_the_mail_reaches_a_real_smtp_server(alice, early, finalist, smtp_server):
    reject(early, alice)
    r = reject(finalist, alice, feedback_notes="Uns fehlte die Nutzerforschung.")
    rejections.rejection_review(rejection=r, user=alice, subject=r.subject, body=r.body)
    assert rejections.rejections_send_due() == 2
    _claimed, sent = delivery.outbox_drain()
    assert sent == 2
    received = {str(m["To"]): m for m in smtp_server.messages}
    assert set(received) == {"tom@example.com", "julia@example.com"}
    body = received["julia@example.com"].get_body(("plain",)).get_content()
    assert "Uns fehlte die Nutzerforschung." in body
    assert OutboundMessage.objects.filter(state=MessageState.SENT).count() == 2


# ---------------------------------------------------------------- invitation link


def test_without_a_privacy_link_the_invitation_sentence_is_left_out(alice, finalist, monkeypatch):
    monkeypatch.setattr(rejections, "_POOL_INVITATION", [])
    r = reject(finalist, alice, feedback_notes="Knapp.")
    assert "Talentpool" not in r.body and "http" not in r.body


def test_a_registered_link_reaches_only_silver_medallists_when_the_message_goes_out(
    alice, finalist, early, smtp_server
):
    asked = []

    def link(*, candidacy):
        asked.append(candidacy.pk)
        return f"https://example.org/pool/join/{candidacy.pk}"

    rejections.register_pool_invitation_url(link)
    try:
        personal = reject(finalist, alice, feedback_notes="Knapp.")
        automated = reject(early, alice)
        # The draft holds a marker: no invitation (no consent request) before it goes out.
        assert asked == []
        assert rejections.POOL_LINK_MARKER in personal.body and "Talentpool" in personal.body
        assert rejections.POOL_LINK_MARKER not in automated.body
        rejections.rejection_review(
            rejection=personal, user=alice, subject=personal.subject, body=personal.body
        )
        assert rejections.rejections_send_due() == 2
    finally:
        rejections.unregister_pool_invitation_url(link)
    assert asked == [finalist.pk]
    personal_msg = OutboundMessage.objects.get(idempotency_key=f"rejection-{personal.pk}")
    automated_msg = OutboundMessage.objects.get(idempotency_key=f"rejection-{automated.pk}")
    assert f"https://example.org/pool/join/{finalist.pk}" in personal_msg.body
    assert rejections.POOL_LINK_MARKER not in personal_msg.body
    assert "example.org/pool" not in automated_msg.body


def test_a_cancelled_rejection_never_asks_for_an_invitation_link(alice, finalist):
    asked = []

    def link(*, candidacy):
        asked.append(candidacy.pk)
        return "https://example.org/pool/join/x"

    rejections.register_pool_invitation_url(link)
    try:
        personal = reject(finalist, alice, feedback_notes="Knapp.")
        rejections.rejection_cancel(rejection=personal, user=alice)
        assert rejections.rejections_send_due() == 0
    finally:
        rejections.unregister_pool_invitation_url(link)
    assert asked == []


# ---------------------------------------------------------------- bulk


def test_bulk_rejects_many_early_candidacies_at_once(alice, workspace, job):
    cs = [candidacy(workspace, job, "applied", first_name=f"P{i}") for i in range(5)]
    done = rejections.rejections_bulk(
        workspace=workspace,
        opening_id=job.pk,
        candidacy_ids=[c.pk for c in cs],
        reason_id=reason(workspace).pk,
        user=alice,
    )
    assert len(done) == 5 and {r.tier for r in done} == {Tier.AUTOMATED}
    assert rejections.rejections_send_due() == 5
    assert OutboundMessage.objects.count() == 5


def test_bulk_with_a_finalist_refuses_by_name_and_changes_nothing(alice, workspace, job, finalist):
    cs = [candidacy(workspace, job, "applied", first_name=f"P{i}") for i in range(3)]
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        rejections.rejections_bulk(
            workspace=workspace,
            opening_id=job.pk,
            candidacy_ids=[finalist.pk, *[c.pk for c in cs]],
            reason_id=reason(workspace).pk,
            user=alice,
        )
    assert "Julia Weber" in str(exc.value) and "personal rejection" in str(exc.value)
    assert snapshot() == before


def test_bulk_with_a_candidacy_of_another_opening_is_not_found(alice, workspace, job):
    other = opening(workspace, "Backend Developer")
    c = candidacy(workspace, other, "applied", first_name="Otto")
    with pytest.raises(Http404):
        rejections.rejections_bulk(
            workspace=workspace,
            opening_id=job.pk,
            candidacy_ids=[c.pk],
            reason_id=reason(workspace).pk,
            user=alice,
        )
    assert Rejection.objects.count() == 0


def test_the_schedulers_tick_sends_due_rejections(alice, early, settings):
    from kontaktpflege.core import scheduler

    assert "kontaktpflege.recruiting.rejection_tasks.rejections_send_due_task" in (
        settings.PERIODIC_TASKS
    )
    r = reject(early, alice)
    scheduler.tick()  # the immediate task backend runs what the tick enqueues
    r.refresh_from_db()
    assert r.state == RejectionState.SENT and r.message_id is not None
