"""Retention: anonymisation 6 months after the rejection was sent, consent and holds respected."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command

from kontaktpflege.contacts.models import EmailAddress, Person
from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.privacy.audit import audit_verify
from kontaktpflege.privacy.models import Anonymisation, AuditEvent, LegalHold, Purpose
from kontaktpflege.privacy.retention import person_anonymise, retention_run, retention_run_all
from kontaktpflege.privacy.services import consent_record_by_recruiter
from kontaktpflege.recruiting.models import (
    Candidacy,
    CandidateDocument,
    Opening,
    PipelineStage,
    Rejection,
    RejectionReason,
    RejectionState,
    StageNote,
    Tier,
)
from kontaktpflege.recruiting.services import recruiting_setup

SENT = dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.UTC)
SIX_MONTHS = dt.datetime(2026, 7, 15, 10, 0, tzinfo=dt.UTC)


def rejected(workspace, person, *, sent_at=SENT, opening=None):
    """A candidacy of `person`, rejected with a rejection mail sent at `sent_at`."""
    recruiting_setup(workspace=workspace, enabled=True)
    opening = opening or Opening.objects.create(workspace=workspace, title="Buchhalter (m/w/d)")
    stage = PipelineStage.objects.get(workspace=workspace, key="rejected")
    reached = PipelineStage.objects.get(workspace=workspace, key="final_interview")
    reason = RejectionReason.objects.filter(workspace=workspace).first()
    candidacy = Candidacy.objects.create(
        workspace=workspace,
        person=person,
        opening=opening,
        stage=stage,
        reached_stage=reached,
        reached_position=reached.position,
        rejection_reason=reason,
        rejected_at=sent_at,
        notes="Spricht fließend Polnisch, Tel. privat 0171 555",
    )
    StageNote.objects.create(
        workspace=workspace, candidacy=candidacy, stage=reached, text="Sehr gut", rating=4
    )
    message = OutboundMessage.objects.create(
        workspace=workspace,
        person=person,
        channel="email",
        to_address="lena@example.com",
        subject="Ihre Bewerbung",
        body="Liebe Lena Vogel, leider …",
        idempotency_key=f"k{candidacy.pk}",
        message_id=f"<m{candidacy.pk}@example>",
    )
    Rejection.objects.create(
        workspace=workspace,
        candidacy=candidacy,
        reason=reason,
        tier=Tier.PERSONAL,
        feedback_notes="Fachlich stark",
        body="Liebe Lena Vogel, leider …",
        state=RejectionState.SENT,
        sent_at=sent_at,
        message=message,
    )
    return candidacy


@pytest.fixture
def lena(make_person):
    return make_person(
        first_name="Lena",
        last_name="Vogel",
        emails=["lena@example.com"],
        location="Leipzig",
        notes="Kennt Herrn Schulz",
    )


def test_it_anonymises_at_six_months_exactly_not_a_day_before(workspace, lena):
    rejected(workspace, lena)
    with time_machine.travel(SIX_MONTHS - dt.timedelta(days=1), tick=False):
        assert retention_run(workspace=workspace) == 0
    lena.refresh_from_db()
    assert lena.first_name == "Lena"
    with time_machine.travel(SIX_MONTHS, tick=False):
        assert retention_run(workspace=workspace) == 1
    lena.refresh_from_db()
    assert lena.full_name == f"Anonymised #{lena.pk}"
    assert lena.location == "" and lena.notes == ""
    assert not EmailAddress.objects.filter(person=lena).exists()
    candidacy = Candidacy.objects.get(person=lena)
    assert candidacy.notes == ""
    assert candidacy.reached_stage.key == "final_interview"  # statistics stay
    assert candidacy.rejection_reason_id is not None
    note = StageNote.objects.get(candidacy=candidacy)
    assert (note.text, note.rating) == ("", 4)
    rejection = Rejection.objects.get(candidacy=candidacy)
    assert rejection.body == "" and rejection.feedback_notes == ""
    message = OutboundMessage.objects.get(person=lena)
    assert (message.to_address, message.body) == ("", "")


def test_the_audit_event_holds_no_personal_data(workspace, lena):
    rejected(workspace, lena)
    with time_machine.travel(SIX_MONTHS, tick=False):
        retention_run(workspace=workspace)
    event = AuditEvent.objects.get(action="person.anonymised")
    assert event.subject_id == lena.pk
    text = str(event.data) + event.actor_label
    assert "Lena" not in text and "lena@" not in text and "Vogel" not in text
    assert audit_verify() == []


def test_a_person_with_granted_consent_stays(workspace, lena, alice, make_person):
    rejected(workspace, lena)
    other = make_person(first_name="Jonas", last_name="Berg", emails=["jonas@example.com"])
    rejected(workspace, other, opening=Opening.objects.get(workspace=workspace))
    with time_machine.travel(SENT + dt.timedelta(days=3), tick=False):
        consent_record_by_recruiter(
            person=lena, purpose=Purpose.TALENT_POOL, user=alice, proof_note="Am Telefon zugestimmt"
        )
    with time_machine.travel(SIX_MONTHS, tick=False):
        assert retention_run(workspace=workspace) == 1
    lena.refresh_from_db()
    other.refresh_from_db()
    assert lena.first_name == "Lena"
    assert other.first_name == "Anonymised"


def test_a_legal_hold_stops_it_until_released(workspace, lena, alice):
    rejected(workspace, lena)
    hold = LegalHold.objects.create(
        workspace=workspace, person=lena, reason="AGG-Klage", set_by=alice
    )
    with time_machine.travel(SIX_MONTHS, tick=False):
        assert retention_run(workspace=workspace) == 0
        with pytest.raises(ValidationError):
            person_anonymise(person=lena, reason="retention")
    lena.refresh_from_db()
    assert lena.first_name == "Lena"
    assert not Anonymisation.objects.exists()
    assert not AuditEvent.objects.filter(action="person.anonymised").exists()
    hold.released_at = SIX_MONTHS
    hold.save(update_fields=["released_at"])
    with time_machine.travel(SIX_MONTHS + dt.timedelta(days=1), tick=False):
        assert retention_run(workspace=workspace) == 1


def test_it_is_idempotent(workspace, lena):
    rejected(workspace, lena)
    with time_machine.travel(SIX_MONTHS, tick=False):
        assert retention_run_all() == 1
        assert retention_run_all() == 0
        again = person_anonymise(person=lena, reason="retention")
    assert Anonymisation.objects.count() == 1
    assert again.reason == "retention"
    assert AuditEvent.objects.filter(action="person.anonymised").count() == 1


def test_a_person_with_an_open_candidacy_is_kept(workspace, lena):
    candidacy = rejected(workspace, lena)
    second = Opening.objects.create(workspace=workspace, title="Controller")
    Candidacy.objects.create(
        workspace=workspace,
        person=lena,
        opening=second,
        stage=PipelineStage.objects.get(workspace=workspace, key="applied"),
    )
    with time_machine.travel(SIX_MONTHS, tick=False):
        assert retention_run(workspace=workspace) == 0
    assert Person.objects.get(pk=lena.pk).first_name == "Lena"
    assert candidacy.pk


def test_the_cv_file_and_its_text_are_removed(
    workspace, lena, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    candidacy = rejected(workspace, lena)
    document = CandidateDocument(
        workspace=workspace,
        person=lena,
        candidacy=candidacy,
        original_name="lebenslauf.pdf",
        content_type="application/pdf",
        size=3,
        sha256="0" * 64,
        text="Lena Vogel, Leipzig",
    )
    document.file.save("lebenslauf.pdf", ContentFile(b"pdf"), save=False)
    document.save()
    path = tmp_path / document.file.name
    assert path.exists()
    with (
        time_machine.travel(SIX_MONTHS, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        retention_run(workspace=workspace)
    assert not CandidateDocument.objects.filter(person=lena).exists()
    assert not path.exists()


def test_the_dry_run_lists_and_changes_nothing(workspace, lena, capsys):
    rejected(workspace, lena)
    with time_machine.travel(SIX_MONTHS, tick=False):
        call_command("run_retention", "--dry-run")
    out = capsys.readouterr().out
    assert f"person {lena.pk}" in out and "would anonymise 1 people" in out
    assert "Lena" not in out
    lena.refresh_from_db()
    assert lena.first_name == "Lena"
    assert not Anonymisation.objects.exists()
