"""Consent is checked again right before the SMTP transaction: a campaign mail that waits in
the outbox when the person withdraws is not sent (issue 15: "Withdrawal ... takes effect at
once"), with a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client

from kontaktpflege.messaging import delivery
from kontaktpflege.messaging.models import MessageState, OutboundMessage
from kontaktpflege.messaging.services import message_queue_email
from kontaktpflege.privacy import campaigns, services
from kontaktpflege.privacy.campaign_models import CampaignRecipient
from kontaktpflege.privacy.models import Purpose
from kontaktpflege.recruiting import pools
from kontaktpflege.recruiting.services import recruiting_switch

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_person, alice, workspace, pool):
    """Ada, Ben and Cem, each with talent-pool consent, in a static pool."""
    recruiting_switch(workspace=workspace, enabled=True, job_seeker_areas=False)
    made = {
        name: make_person(first_name=name, last_name="Test", emails=[f"{name.lower()}@example.com"])
        for name in ("Ada", "Ben", "Cem")
    }
    for person in made.values():
        services.consent_record_by_recruiter(
            person=person, purpose=Purpose.TALENT_POOL, user=alice, proof_note="Agreed by phone."
        )
    return made


@pytest.fixture
def queued(workspace, alice, people):
    """A campaign to the three whose mails wait in the outbox (the worker has not run)."""
    pool = pools.pool_create(workspace=workspace, name="Backend", kind="static", user=alice)
    pools.pool_members_add(pool=pool, person_ids=[p.pk for p in people.values()])
    campaign = campaigns.campaign_create(
        workspace=workspace,
        user=alice,
        name="Spring news",
        pool=pool,
        template_key="nurture_update",
        notes="Two new openings in Köln.",
    )
    campaigns.campaign_schedule(campaign=campaign)
    assert campaigns.campaign_send_batch(campaign_id=campaign.pk).queued == 3
    assert OutboundMessage.objects.filter(state=MessageState.QUEUED).count() == 3
    return campaign


def one_click(address: str) -> None:
    """The mail program's RFC 8058 POST to the message's List-Unsubscribe URL, no login."""
    message = OutboundMessage.objects.get(to_address=address)
    path = urlsplit(message.list_unsubscribe).path
    client = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200


def received(smtp_server) -> list[str]:
    return sorted(str(m["To"]) for m in smtp_server.messages)


def assert_ben_was_skipped(campaign) -> None:
    ben = OutboundMessage.objects.get(to_address="ben@example.com")
    assert ben.state == MessageState.CANCELLED and ben.data_started_at is None
    assert ben.last_error == "Consent withdrawn" and ben.touchpoint_id is None
    row = CampaignRecipient.objects.get(message=ben)
    assert (row.outcome, row.reason) == ("skipped", "withdrawn")
    report = campaigns.campaign_report(campaign=campaign)
    assert (report.sent, report.in_outbox, report.failed) == (2, 0, 0)
    assert report.skipped == {"withdrawn": 1}
    skipped = campaigns.campaign_recipients(campaign=campaign, status="skipped")
    assert [r.email for r in skipped] == ["ben@example.com"]


def test_a_withdrawal_while_the_mail_waits_in_the_outbox_stops_it(queued, smtp_server):
    one_click("ben@example.com")
    claimed, sent = delivery.outbox_drain()  # the worker
    assert (claimed, sent) == (3, 2)
    assert received(smtp_server) == ["ada@example.com", "cem@example.com"]
    assert_ben_was_skipped(queued)


def test_a_withdrawal_after_the_worker_claimed_the_mail_still_stops_it(queued, smtp_server):
    batch = delivery.outbox_claim()
    assert [m.state for m in batch] == [MessageState.SENDING] * 3
    one_click("ben@example.com")
    assert delivery.outbox_send(batch) == 2
    assert received(smtp_server) == ["ada@example.com", "cem@example.com"]
    assert_ben_was_skipped(queued)


def test_a_personal_message_needs_no_campaign_consent(alice, workspace, people, smtp_server):
    """The check is for mails that carry a consent purpose; a recruiter's own mail goes out."""
    ben = people["Ben"]
    services.consent_withdraw(person=ben, purpose=Purpose.TALENT_POOL, channel="link")
    message_queue_email(
        workspace=workspace,
        person=ben,
        user=alice,
        to_address="ben@example.com",
        subject="Your documents",
        body="Hello Ben, thank you for the documents.",
        idempotency_key="personal-1",
    )
    assert delivery.outbox_drain() == (1, 1)
    assert received(smtp_server) == ["ben@example.com"]


def test_the_check_is_one_query_per_message_and_none_for_other_mail(
    queued, people, django_assert_num_queries
):
    message = OutboundMessage.objects.select_related("person").get(to_address="ada@example.com")
    assert message.consent_purpose == Purpose.TALENT_POOL
    with django_assert_num_queries(1):
        assert campaigns.campaign_send_guard(message) == ""
    services.consent_withdraw(person=people["Ada"], purpose=Purpose.TALENT_POOL, channel="link")
    # Refused: the consent read, the anonymisation look-up is not needed, the report row.
    with django_assert_num_queries(2):
        assert campaigns.campaign_send_guard(message) == "Consent withdrawn"


def test_an_anonymised_person_is_skipped_as_anonymised(queued, people, smtp_server):
    from kontaktpflege.privacy.retention import person_anonymise

    person_anonymise(person=people["Cem"], reason="erasure")
    delivery.outbox_drain()
    assert received(smtp_server) == ["ada@example.com", "ben@example.com"]
    row = CampaignRecipient.objects.get(person=people["Cem"])
    assert (row.outcome, row.reason) == ("skipped", "anonymised")
    assert campaigns.campaign_report(campaign=queued).skipped == {"anonymised": 1}
