"""Consent: double opt-in, confirmation, withdrawal, recorded by a recruiter; append-only."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.privacy import services
from kontaktpflege.privacy.audit import audit_verify
from kontaktpflege.privacy.models import AuditEvent, ConsentRecord, Purpose, RecordKind, Source
from kontaktpflege.privacy.selectors import consent_status
from kontaktpflege.privacy.tests.conftest import last_mail, links
from kontaktpflege.privacy.tokens import TokenError, digest
from kontaktpflege.recruiting.models import CandidateProfile, PoolMember, TalentPool

pytestmark = pytest.mark.django_db


def state(person, purpose=Purpose.TALENT_POOL):
    return consent_status(person=person, purpose=purpose).state


def request_mail(person):
    services.consent_request(person=person, purpose=Purpose.TALENT_POOL, source=Source.FORM)
    return links(last_mail("lena@example.com").body)


def test_a_request_sends_a_double_opt_in_mail_and_the_click_grants_consent(pool, lena):
    record, url = services.consent_request(
        person=lena, purpose=Purpose.TALENT_POOL, source=Source.EMAIL_LINK, language="en"
    )
    mail = last_mail("lena@example.com")
    assert mail.state == "queued" and mail.created_by is None
    assert "Acme Recruiting" in mail.subject
    assert record.consent_text in mail.body and url in mail.body
    assert "/consent/withdraw/" in mail.list_unsubscribe
    assert record.token_sha256 == digest(links(mail.body)["confirm"])
    assert record.notice_version == "default-1" and len(record.notice_sha256) == 64
    assert state(lena) == "requested"
    assert CandidateProfile.objects.get(person=lena).consent_state == "requested"

    grant = services.consent_confirm(token=links(mail.body)["confirm"])

    assert grant.kind == RecordKind.GRANT and grant.request_id == record.pk
    assert grant.clicked_at is not None
    assert grant.expires_at == services.add_months(grant.clicked_at, 24)
    profile = CandidateProfile.objects.get(person=lena)
    assert profile.consent_state == "granted" and profile.consent_expires_at == grant.expires_at
    assert [e.action for e in AuditEvent.objects.order_by("seq")] == [
        "consent.requested",
        "consent.granted",
    ]
    assert audit_verify() == []


def test_a_replayed_confirmation_link_changes_nothing(pool, lena):
    token = request_mail(lena)["confirm"]
    services.consent_confirm(token=token)
    before = (ConsentRecord.objects.count(), AuditEvent.objects.count())
    with pytest.raises(TokenError) as caught:
        services.consent_confirm(token=token)
    assert caught.value.reason == "used"
    assert (ConsentRecord.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "x" + t,
        lambda t: "",
        lambda t: "a" * 500,
        lambda t: t.replace(":", "%3A"),
    ],
)
def test_a_tampered_confirmation_link_is_refused_and_changes_nothing(pool, lena, tamper):
    token = request_mail(lena)["confirm"]
    before = (ConsentRecord.objects.count(), AuditEvent.objects.count())
    with pytest.raises(TokenError) as caught:
        services.consent_confirm(token=tamper(token))
    assert caught.value.reason == "invalid"
    assert (ConsentRecord.objects.count(), AuditEvent.objects.count()) == before
    assert state(lena) == "requested"


def test_an_expired_confirmation_link_is_refused(pool, lena):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        token = request_mail(lena)["confirm"]
    with time_machine.travel(start + dt.timedelta(days=30, seconds=1), tick=False):
        before = ConsentRecord.objects.count()
        with pytest.raises(TokenError) as caught:
            services.consent_confirm(token=token)
        assert caught.value.reason == "expired"
        assert ConsentRecord.objects.count() == before


def test_withdrawal_is_immediate_single_use_and_leaves_static_pools(pool, lena, workspace):
    mail_links = request_mail(lena)
    services.consent_confirm(token=mail_links["confirm"])
    talent = TalentPool.objects.create(workspace=workspace, name="Data", kind="static")
    PoolMember.objects.create(workspace=workspace, pool=talent, person=lena)

    purpose = services.consent_withdraw_by_token(token=mail_links["withdraw"])

    assert purpose == Purpose.TALENT_POOL and state(lena) == "withdrawn"
    assert CandidateProfile.objects.get(person=lena).consent_state == "withdrawn"
    assert not PoolMember.objects.filter(person=lena).exists()
    withdrawal = ConsentRecord.objects.get(person=lena, kind=RecordKind.WITHDRAWAL)
    assert withdrawal.channel == "link"
    assert withdrawal.token_sha256 == digest(mail_links["withdraw"])
    before = (ConsentRecord.objects.count(), AuditEvent.objects.count())
    with pytest.raises(TokenError) as caught:
        services.consent_withdraw_by_token(token=mail_links["withdraw"])
    assert caught.value.reason == "used"
    assert (ConsentRecord.objects.count(), AuditEvent.objects.count()) == before


def test_an_old_request_cannot_be_confirmed_after_a_withdrawal(pool, lena):
    first = request_mail(lena)
    services.consent_withdraw_by_token(token=first["withdraw"])
    before = ConsentRecord.objects.count()
    with pytest.raises(TokenError) as caught:
        services.consent_confirm(token=first["confirm"])
    assert caught.value.reason == "closed"
    assert ConsentRecord.objects.count() == before and state(lena) == "withdrawn"


def test_a_recruiter_records_consent_with_a_note_of_proof(pool, lena, alice):
    with pytest.raises(ValidationError):
        services.consent_record_by_recruiter(
            person=lena, purpose=Purpose.TALENT_POOL, user=alice, proof_note="ok"
        )
    assert not ConsentRecord.objects.exists()
    record = services.consent_record_by_recruiter(
        person=lena,
        purpose=Purpose.TALENT_POOL,
        user=alice,
        proof_note="Agreed on the phone on 1 Dec, call notes in the file",
    )
    assert record.source == "recruiter" and record.recorded_by_id == alice.pk
    assert state(lena) == "granted"
    assert AuditEvent.objects.get(action="consent.recorded").actor_id == alice.pk
    assert not OutboundMessage.objects.exists()


def test_the_purposes_are_separate(pool, lena, alice):
    services.consent_record_by_recruiter(
        person=lena, purpose=Purpose.CAMPAIGNS, user=alice, proof_note="Signed the form at the fair"
    )
    assert state(lena, Purpose.CAMPAIGNS) == "granted"
    assert state(lena) == "none"
    assert CandidateProfile.objects.get(person=lena).consent_state == "none"


def test_the_services_never_update_a_consent_record(pool, lena, alice):
    with CaptureQueriesContext(connection) as queries:
        links_ = request_mail(lena)
        services.consent_confirm(token=links_["confirm"])
        services.consent_withdraw_by_token(token=links_["withdraw"])
        services.consent_record_by_recruiter(
            person=lena, purpose=Purpose.TALENT_POOL, user=alice, proof_note="Asked again by phone"
        )
    writes = [q["sql"] for q in queries.captured_queries if "privacy_consentrecord" in q["sql"]]
    assert any(sql.startswith("INSERT") for sql in writes)
    assert not [sql for sql in writes if sql.startswith(("UPDATE", "DELETE"))]


def test_the_database_refuses_to_update_a_consent_record_or_an_audit_event(pool, lena):
    request_mail(lena)
    record = ConsentRecord.objects.get()
    for model, pk in ((ConsentRecord, record.pk), (AuditEvent, AuditEvent.objects.get().pk)):
        with pytest.raises(DatabaseError), transaction.atomic():
            model.objects.filter(pk=pk).update(created_at=timezone.now())
    record.refresh_from_db()
    assert record.kind == RecordKind.REQUEST


def test_the_pool_invitation_link_is_a_double_opt_in_request_without_a_mail(pool, lena, workspace):
    class Candidacy:  # what recruiting passes: a candidacy with its person
        person = lena

    url = services.pool_invitation_url(Candidacy())
    assert "/consent/confirm/" in url
    assert not OutboundMessage.objects.exists()
    request = ConsentRecord.objects.get()
    assert request.source == "email_link" and request.sent_at is None
    token = url.rstrip("/").rsplit("/", 1)[1]
    services.consent_confirm(token=token)
    assert state(lena) == "granted"
    assert services.pool_invitation_url(Candidacy()) == ""  # consented: no new invitation
