"""The daily upkeep under time-machine: reminders at days 23 and 28, lapse at 30, renewal
before expiry and leaving the pool without it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from kontaktpflege.contacts.models import Person
from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.privacy import services
from kontaktpflege.privacy.audit import audit_verify
from kontaktpflege.privacy.models import AuditEvent, ConsentRecord, Purpose, RecordKind, Source
from kontaktpflege.privacy.selectors import consent_status
from kontaktpflege.privacy.tests.conftest import links
from kontaktpflege.privacy.upkeep import privacy_upkeep
from kontaktpflege.recruiting.models import CandidateProfile, PoolMember, TalentPool

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def at(days: float, hours: float = 0):
    return time_machine.travel(START + dt.timedelta(days=days, hours=hours), tick=False)


def mails(kind: str) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(template_key=f"privacy_{kind}").order_by("id"))


@pytest.fixture
def requested(pool, workspace):
    with at(0):
        services.pool_signup(
            workspace=workspace, name="Mara Stern", email="mara@example.com", language="de"
        )
    return ConsentRecord.objects.get(kind=RecordKind.REQUEST)


def test_reminders_go_out_on_day_23_and_day_28_once_each(requested):
    for day, expected in [(22, 0), (22.99, 0), (23, 1), (24, 1), (27.9, 1), (28, 2), (29, 2)]:
        with at(day):
            privacy_upkeep()
        assert len(mails("consent_reminder")) == expected, day
    first, second = mails("consent_reminder")
    assert "7 Tage" in first.body and "2 Tage" in second.body  # German, as signed up
    reminders = ConsentRecord.objects.filter(kind=RecordKind.REMINDER).order_by("reminder_days")
    assert [r.reminder_days for r in reminders] == [2, 7]
    assert all(r.request_id == requested.pk for r in reminders)


def test_the_link_in_a_reminder_confirms_the_request(requested):
    with at(23):
        privacy_upkeep()
    with at(24):
        services.consent_confirm(token=links(mails("consent_reminder")[0].body)["confirm"])
        assert consent_status(person=requested.person, purpose="talent_pool").state == "granted"
    with at(28):
        privacy_upkeep()
    assert len(mails("consent_reminder")) == 1  # confirmed: no second reminder
    with at(31):
        assert privacy_upkeep()["lapsed"] == 0
    assert ConsentRecord.objects.filter(pk=requested.pk).exists()


def test_an_unconfirmed_request_is_deleted_at_day_30_with_the_person_it_created(requested):
    person_id = requested.person_id
    with at(23):
        privacy_upkeep()
    with at(29, 23):
        assert privacy_upkeep()["lapsed"] == 0
    assert ConsentRecord.objects.filter(pk=requested.pk).exists()
    with at(30):
        counts = privacy_upkeep()
    assert counts["lapsed"] == 1
    assert not ConsentRecord.objects.exists()  # the request and its reminders
    assert not Person.objects.filter(pk=person_id).exists()
    lapsed = AuditEvent.objects.get(action="consent.request_lapsed")
    assert lapsed.subject_id == person_id and lapsed.data["record"] == requested.pk
    assert audit_verify() == []


def test_a_person_who_only_signed_up_twice_unconfirmed_goes_with_the_last_request(
    requested, workspace
):
    with at(10):
        services.pool_signup(workspace=workspace, name="Mara Stern", email="mara@example.com")
    with at(30):
        assert privacy_upkeep()["lapsed"] == 1
    assert Person.objects.filter(pk=requested.person_id).exists()  # the second one is open
    with at(40):
        assert privacy_upkeep()["lapsed"] == 1
    assert not Person.objects.filter(pk=requested.person_id).exists()
    assert not ConsentRecord.objects.exists()


def test_a_lapsed_request_of_a_known_person_keeps_the_person(pool, lena):
    with at(0):
        services.consent_request(person=lena, purpose=Purpose.TALENT_POOL, source=Source.FORM)
    with at(30):
        privacy_upkeep()
    lena.refresh_from_db()
    assert not ConsentRecord.objects.exists()
    assert CandidateProfile.objects.get(person=lena).consent_state == "none"


def test_renewal_is_asked_before_expiry_and_without_it_the_person_leaves_the_pool(
    pool, lena, workspace
):
    with at(0):
        services.consent_request(person=lena, purpose=Purpose.TALENT_POOL, source=Source.FORM)
        grant = services.consent_confirm(token=links(OutboundMessage.objects.get().body)["confirm"])
    talent = TalentPool.objects.create(workspace=workspace, name="Design", kind="static")
    PoolMember.objects.create(workspace=workspace, pool=talent, person=lena)
    expires = grant.expires_at
    assert expires == services.add_months(START, 24)

    with time_machine.travel(expires - dt.timedelta(days=31), tick=False):
        assert privacy_upkeep()["renewal_requested"] == 0
    with time_machine.travel(expires - dt.timedelta(days=30), tick=False):
        assert privacy_upkeep()["renewal_requested"] == 1
        assert privacy_upkeep()["renewal_requested"] == 0  # once
    [renewal] = mails("consent_renewal")
    request = ConsentRecord.objects.get(kind=RecordKind.REQUEST, renewal=True)
    assert request.expires_at == expires  # the renewal request lapses with the consent
    with time_machine.travel(expires - dt.timedelta(days=7), tick=False):
        privacy_upkeep()
        assert CandidateProfile.objects.get(person=lena).consent_state == "granted"
    assert len(mails("consent_reminder")) == 1
    with time_machine.travel(expires, tick=False):
        counts = privacy_upkeep()
    assert counts["expired"] == 1 and counts["lapsed"] == 1
    assert CandidateProfile.objects.get(person=lena).consent_state == "expired"
    assert not PoolMember.objects.filter(person=lena).exists()
    assert ConsentRecord.objects.filter(kind=RecordKind.EXPIRY).count() == 1
    with time_machine.travel(expires + dt.timedelta(days=1), tick=False):
        assert privacy_upkeep()["expired"] == 0
    assert audit_verify() == []
    assert renewal.body


def test_a_confirmed_renewal_extends_the_consent(pool, lena):
    with at(0):
        services.consent_request(person=lena, purpose=Purpose.TALENT_POOL, source=Source.FORM)
        grant = services.consent_confirm(token=links(OutboundMessage.objects.get().body)["confirm"])
    with time_machine.travel(grant.expires_at - dt.timedelta(days=30), tick=False):
        privacy_upkeep()
    with time_machine.travel(grant.expires_at - dt.timedelta(days=10), tick=False):
        renewed = services.consent_confirm(token=links(mails("consent_renewal")[0].body)["confirm"])
        assert renewed.renewal
    with time_machine.travel(grant.expires_at + dt.timedelta(days=1), tick=False):
        counts = privacy_upkeep()
        assert counts["expired"] == 0
        assert consent_status(person=lena, purpose="talent_pool").state == "granted"
    assert CandidateProfile.objects.get(person=lena).consent_expires_at == renewed.expires_at


def test_the_scheduler_task_claims_the_upkeep_once_an_hour(db):
    from kontaktpflege.privacy.tasks import privacy_dispatch

    with at(0):
        assert privacy_dispatch.call() is True
        assert privacy_dispatch.call() is False
    with at(0, 1):
        assert privacy_dispatch.call() is True
