"""Campaigns: consent checked at send time for every recipient, through the outbox, throttled,
scheduled (time-machine), cancelled, with a report of sent / skipped (why) / failed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from kontaktpflege.messaging.models import MessageTemplate, OutboundMessage
from kontaktpflege.messaging.transports.email import build_email
from kontaktpflege.privacy import campaigns, services
from kontaktpflege.privacy.campaign_models import Campaign, CampaignRecipient, CampaignState
from kontaktpflege.privacy.models import ConsentRecord, Purpose, RecordKind, Source
from kontaktpflege.privacy.tests.conftest import LINK
from kontaktpflege.recruiting import pools
from kontaktpflege.recruiting.services import recruiting_switch

pytestmark = pytest.mark.django_db


@pytest.fixture
def start():
    """A moment just after the fixtures wrote their consent records."""
    return timezone.now().replace(microsecond=0) + dt.timedelta(minutes=5)


@pytest.fixture
def recruiting(workspace, pool):
    return recruiting_switch(workspace=workspace, enabled=True, job_seeker_areas=False)


@pytest.fixture
def people(make_person, alice, recruiting):
    """Five people: two consented, one withdrew, one only requested, one never asked."""
    made = {
        name: make_person(first_name=name, last_name="Test", emails=[f"{name.lower()}@example.com"])
        for name in ("Ada", "Ben", "Cem", "Dana", "Emil")
    }
    for name in ("Ada", "Ben", "Cem"):
        grant(made[name], alice)
    services.consent_withdraw(person=made["Cem"], purpose=Purpose.TALENT_POOL, channel="link")
    services.consent_request(
        person=made["Dana"], purpose=Purpose.TALENT_POOL, source=Source.EMAIL_LINK, send=False
    )
    return made


def grant(person, user, purpose=Purpose.TALENT_POOL):
    return services.consent_record_by_recruiter(
        person=person, purpose=purpose, user=user, proof_note="Agreed on the phone on 1 March."
    )


@pytest.fixture
def static_pool(workspace, people, alice):
    pool = pools.pool_create(workspace=workspace, name="Backend", kind="static", user=alice)
    pools.pool_members_add(pool=pool, person_ids=[p.pk for p in people.values()])
    return pool


def create(workspace, alice, pool=None, filters=None, **kw):
    kw.setdefault("name", "Spring news")
    kw.setdefault("template_key", "nurture_update")
    kw.setdefault("notes", "Two new openings in Köln.")
    return campaigns.campaign_create(
        workspace=workspace, user=alice, pool=pool, filters=filters, **kw
    )


def outcomes(campaign):
    return {
        r.person.first_name: (r.outcome, r.reason)
        for r in CampaignRecipient.objects.filter(campaign=campaign).select_related("person")
    }


def test_the_preview_counts_who_would_receive_and_who_would_be_skipped(
    workspace, alice, static_pool
):
    campaign = create(workspace, alice, pool=static_pool)
    preview = campaigns.campaign_preview(campaign=campaign)
    assert (preview.total, preview.receive) == (5, 2)
    assert preview.skipped == {"withdrawn": 1, "requested": 1, "no_consent": 1}
    assert not OutboundMessage.objects.exists() and campaign.state == "draft"


def test_consent_is_checked_at_send_time_for_every_recipient(
    workspace, alice, static_pool, people, start
):
    campaigns.campaign_settings_save(workspace=workspace, messages_per_minute=1)
    with time_machine.travel(start, tick=False) as clock:
        campaign = create(workspace, alice, pool=static_pool)
        campaigns.campaign_schedule(campaign=campaign)
        assert not OutboundMessage.objects.exists()  # the request only changed the state
        first = campaigns.campaign_send_batch(campaign_id=campaign.pk)
        assert (first.queued, first.more) == (1, True)  # Ada; Ben waits for the next minute
        # Ben withdraws after the audience was read, before his message is queued.
        services.consent_withdraw(person=people["Ben"], purpose=Purpose.TALENT_POOL, channel="link")
        clock.shift(dt.timedelta(minutes=1))
        result = campaigns.campaign_send_batch(campaign_id=campaign.pk)
    assert (result.queued, result.skipped, result.more) == (0, 4, False)
    assert outcomes(campaign) == {
        "Ada": ("sent", ""),
        "Ben": ("skipped", "withdrawn"),
        "Cem": ("skipped", "withdrawn"),
        "Dana": ("skipped", "requested"),
        "Emil": ("skipped", "no_consent"),
    }
    message = OutboundMessage.objects.get()
    assert message.to_address == "ada@example.com" and message.state == "queued"
    assert "Two new openings in Köln." in message.body
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.DONE and campaign.finished_at is not None


def test_every_campaign_mail_carries_the_one_click_headers_and_a_footer_link(
    workspace, alice, static_pool, settings
):
    settings.SITE_URL = "https://crm.example.org"
    campaign = create(workspace, alice, pool=static_pool)
    campaigns.campaign_schedule(campaign=campaign)
    campaigns.campaign_send_batch(campaign_id=campaign.pk)
    for message in OutboundMessage.objects.all():
        headers = build_email(message).extra_headers
        assert headers["List-Unsubscribe"].startswith(
            "<https://crm.example.org/consent/unsubscribe/"
        )
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "https://crm.example.org/consent/withdraw/" in message.body
        # One token for both links: whichever is used first withdraws, the other is a no-op.
        assert LINK.search(message.body).group(2) in headers["List-Unsubscribe"]  # type: ignore[union-attr]


def test_the_send_is_throttled_per_workspace_per_minute(
    workspace, alice, make_person, recruiting, start
):
    campaigns.campaign_settings_save(workspace=workspace, messages_per_minute=2)
    members = [make_person(first_name=f"P{i}", emails=[f"p{i}@example.com"]) for i in range(5)]
    for person in members:
        grant(person, alice)
    pool = pools.pool_create(workspace=workspace, name="All", kind="static")
    pools.pool_members_add(pool=pool, person_ids=[p.pk for p in members])
    with time_machine.travel(start, tick=False) as clock:
        campaign = create(workspace, alice, pool=pool)
        campaigns.campaign_schedule(campaign=campaign)
        assert campaigns.campaign_send_batch(campaign_id=campaign.pk).queued == 2
        assert campaigns.campaign_send_batch(campaign_id=campaign.pk).queued == 0  # same minute
        clock.shift(dt.timedelta(seconds=59))
        assert campaigns.campaign_send_batch(campaign_id=campaign.pk).queued == 0
        clock.shift(dt.timedelta(seconds=2))
        result = campaigns.campaign_send_batch(campaign_id=campaign.pk)
        assert (result.queued, result.more) == (2, True)
        clock.shift(dt.timedelta(minutes=1))
        result = campaigns.campaign_send_batch(campaign_id=campaign.pk)
        assert (result.queued, result.more) == (1, False)
    assert OutboundMessage.objects.count() == 5
    assert Campaign.objects.get(pk=campaign.pk).state == "done"


def test_a_scheduled_campaign_starts_at_its_time_and_not_before(
    workspace, alice, static_pool, start
):
    with time_machine.travel(start, tick=False) as clock:
        campaign = create(workspace, alice, pool=static_pool)
        campaigns.campaign_schedule(campaign=campaign, send_at=start + dt.timedelta(hours=2))
        assert campaign.state == "scheduled"
        clock.shift(dt.timedelta(hours=1, minutes=59))
        assert campaigns.campaigns_due() == []
        assert campaigns.campaign_send_batch(campaign_id=campaign.pk).queued == 0
        assert not CampaignRecipient.objects.exists() and not OutboundMessage.objects.exists()
        clock.shift(dt.timedelta(minutes=1))
        assert campaigns.campaigns_due() == [campaign.pk]
        from kontaktpflege.privacy.campaign_tasks import campaigns_dispatch

        assert campaigns_dispatch.call() == 1
    campaign.refresh_from_db()
    assert campaign.state == "done" and campaign.started_at == start + dt.timedelta(hours=2)
    assert OutboundMessage.objects.count() == 2


def test_a_cancelled_scheduled_campaign_sends_nothing(workspace, alice, static_pool, start):
    with time_machine.travel(start, tick=False) as clock:
        campaign = create(workspace, alice, pool=static_pool)
        campaigns.campaign_schedule(campaign=campaign, send_at=start + dt.timedelta(days=1))
        campaigns.campaign_cancel(campaign=campaign, user=alice)
        clock.shift(dt.timedelta(days=2))
        assert campaigns.campaigns_due() == []
        assert campaigns.campaign_send_batch(campaign_id=campaign.pk).queued == 0
    assert not OutboundMessage.objects.exists()
    with pytest.raises(ValidationError):
        campaigns.campaign_cancel(campaign=campaign)  # twice: a clear error


def test_a_double_submit_schedules_once_and_a_batch_run_twice_queues_once(
    workspace, alice, static_pool
):
    campaign = create(workspace, alice, pool=static_pool)
    campaigns.campaign_schedule(campaign=campaign)
    with pytest.raises(ValidationError, match="already"):
        campaigns.campaign_schedule(campaign=Campaign.objects.get(pk=campaign.pk))
    campaigns.campaign_send_batch(campaign_id=campaign.pk)
    Campaign.objects.filter(pk=campaign.pk).update(state="sending")  # as if a retry ran it again
    CampaignRecipient.objects.filter(campaign=campaign).update(outcome="pending")
    campaigns.campaign_send_batch(campaign_id=campaign.pk)
    assert OutboundMessage.objects.count() == 2  # the idempotency key is the recipient row


def test_a_segment_where_nobody_consented_gets_a_clear_message_and_nothing_is_sent(
    workspace, alice, people
):
    campaign = create(workspace, alice, filters={"consent_state": ["none", "requested"]})
    before = (OutboundMessage.objects.count(), ConsentRecord.objects.count())
    with pytest.raises(ValidationError, match="nothing was sent"):
        campaigns.campaign_schedule(campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.state == "draft" and not CampaignRecipient.objects.exists()
    assert (OutboundMessage.objects.count(), ConsentRecord.objects.count()) == before


def test_a_segment_reaches_the_consented_people_it_matches(workspace, alice, people):
    campaign = create(workspace, alice, filters={"consent_state": ["granted", "withdrawn"]})
    campaigns.campaign_schedule(campaign=campaign)
    campaigns.campaign_send_batch(campaign_id=campaign.pk)
    assert outcomes(campaign) == {
        "Ada": ("sent", ""),
        "Ben": ("sent", ""),
        "Cem": ("skipped", "withdrawn"),
    }


def test_no_address_and_a_shared_address_are_skipped_with_their_reason(
    workspace, alice, make_person, recruiting
):
    a = make_person(first_name="A", emails=["same@example.com"])
    b = make_person(first_name="B", emails=["SAME@example.com"])
    c = make_person(first_name="C")
    for person in (a, b, c):
        grant(person, alice)
    pool = pools.pool_create(workspace=workspace, name="P", kind="static")
    pools.pool_members_add(pool=pool, person_ids=[a.pk, b.pk, c.pk])
    campaign = create(workspace, alice, pool=pool)
    campaigns.campaign_schedule(campaign=campaign)
    campaigns.campaign_send_batch(campaign_id=campaign.pk)
    assert outcomes(campaign) == {
        "A": ("sent", ""),
        "B": ("skipped", "duplicate"),
        "C": ("skipped", "no_email"),
    }
    report = campaigns.campaign_report(campaign=campaign)
    assert (report.in_outbox, report.skipped) == (1, {"duplicate": 1, "no_email": 1})


def test_campaigns_consent_is_a_purpose_of_its_own(workspace, alice, make_person, recruiting):
    pool_only = make_person(first_name="Pia", emails=["pia@example.com"])
    news = make_person(first_name="Nils", emails=["nils@example.com"])
    grant(pool_only, alice)
    grant(news, alice, purpose=Purpose.CAMPAIGNS)
    pool = pools.pool_create(workspace=workspace, name="P", kind="static")
    pools.pool_members_add(pool=pool, person_ids=[pool_only.pk, news.pk])
    campaign = create(workspace, alice, pool=pool, purpose=Purpose.CAMPAIGNS)
    campaigns.campaign_schedule(campaign=campaign)
    campaigns.campaign_send_batch(campaign_id=campaign.pk)
    assert outcomes(campaign) == {"Pia": ("skipped", "no_consent"), "Nils": ("sent", "")}


@pytest.mark.parametrize(
    "notes",
    [
        "{{ 7 * 7 }} {% for x in range(10**9) %}x{% endfor %}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "<script>alert(1)</script>",
    ],
)
def test_hostile_notes_are_text_never_template_code(workspace, alice, static_pool, notes):
    campaign = create(workspace, alice, pool=static_pool, notes=notes)
    campaigns.campaign_schedule(campaign=campaign)
    campaigns.campaign_send_batch(campaign_id=campaign.pk)
    bodies = list(OutboundMessage.objects.values_list("body", flat=True))
    assert len(bodies) == 2 and all(notes in body for body in bodies)


def test_a_hostile_workspace_template_fails_in_the_sandbox_and_sends_nothing(
    workspace, alice, static_pool
):
    # Written past the template form's checks (as an old or imported row might be).
    MessageTemplate.objects.create(
        workspace=workspace,
        key="evil",
        variant="de_sie",
        name="Evil",
        subject="Hi",
        body="{% for x in range(10**9) %}{% for y in range(10**9) %}x{% endfor %}{% endfor %}",
    )
    campaign = create(workspace, alice, pool=static_pool, template_key="evil")
    campaigns.campaign_schedule(campaign=campaign)
    result = campaigns.campaign_send_batch(campaign_id=campaign.pk)
    assert (result.queued, result.failed) == (0, 2)
    assert not OutboundMessage.objects.exists()
    report = campaigns.campaign_report(campaign=campaign)
    assert report.failed == 2
    assert all(r.error for r in CampaignRecipient.objects.filter(outcome="failed"))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"template_key": "nope"}, "template_key"),
        ({"purpose": "marketing"}, "purpose"),
        ({"filters": {"age": 30}, "pool": None}, "filters"),
        ({"filters": {"consent_state": ["granted"]}, "pool": "both"}, "pool"),
        ({"pool": None}, "pool"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_is_created(
    workspace, alice, static_pool, fields, field
):
    values = {"pool": static_pool, "filters": None, **fields}
    if values["pool"] == "both":
        values["pool"] = static_pool
    with pytest.raises(ValidationError) as exc:
        create(workspace, alice, **values)
    assert field in exc.value.message_dict
    assert not Campaign.objects.exists()


def test_another_workspaces_pool_and_campaign_are_404(workspace, alice, charlie, static_pool):
    other = charlie.active_workspace
    recruiting_switch(workspace=other, enabled=True)
    with pytest.raises(Http404):
        create(other, charlie, pool=static_pool)
    campaign = create(workspace, alice, pool=static_pool)
    with pytest.raises(Http404):
        campaigns.campaign_get(workspace=other, pk=campaign.pk)
    assert Campaign.objects.count() == 1


def test_a_campaign_to_a_deleted_pool_ends_with_nobody(workspace, alice, static_pool):
    campaign = create(workspace, alice, pool=static_pool)
    campaigns.campaign_schedule(campaign=campaign, send_at=timezone.now() + dt.timedelta(hours=1))
    pools.pool_delete(pool=static_pool)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        campaigns.campaign_send_batch(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    assert campaign.state == "done" and not OutboundMessage.objects.exists()


def test_a_withdrawal_by_the_mail_link_is_recorded_with_its_channel(workspace, alice, people):
    campaign = create(workspace, alice, filters={"consent_state": ["granted"]})
    campaigns.campaign_schedule(campaign=campaign)
    campaigns.campaign_send_batch(campaign_id=campaign.pk)
    message = OutboundMessage.objects.get(to_address="ada@example.com")
    token = LINK.search(message.body).group(2)  # type: ignore[union-attr]
    services.consent_withdraw_by_token(token=token, channel="one_click")
    record = ConsentRecord.objects.get(person=people["Ada"], kind=RecordKind.WITHDRAWAL)
    assert record.channel == "one_click"


def test_anonymisation_removes_the_address_from_reports_and_the_export_lists_campaigns(
    workspace, alice, static_pool, people
):
    from kontaktpflege.privacy.dsr import person_export
    from kontaktpflege.privacy.retention import person_anonymise

    campaign = create(workspace, alice, pool=static_pool)
    campaigns.campaign_schedule(campaign=campaign)
    campaigns.campaign_send_batch(campaign_id=campaign.pk)
    exported = person_export(person=people["Ada"])["campaigns"]
    assert [(c["campaign"], c["address"], c["outcome"]) for c in exported] == [
        ("Spring news", "ada@example.com", "sent")
    ]
    person_anonymise(person=people["Ada"], reason="erasure")
    row = CampaignRecipient.objects.get(person=people["Ada"])
    assert (row.email, row.outcome) == ("", "sent")  # the count stays, the address goes


def test_two_campaigns_of_a_workspace_share_its_rate(workspace, alice, static_pool, start):
    campaigns.campaign_settings_save(workspace=workspace, messages_per_minute=3)
    with time_machine.travel(start, tick=False) as clock:
        one = create(workspace, alice, pool=static_pool, name="One")
        two = create(workspace, alice, pool=static_pool, name="Two")
        for campaign in (one, two):
            campaigns.campaign_schedule(campaign=campaign)
        assert campaigns.campaign_send_batch(campaign_id=one.pk).queued == 2
        assert campaigns.campaign_send_batch(campaign_id=two.pk).queued == 1  # 3 per minute
        clock.shift(dt.timedelta(seconds=61))
        assert campaigns.campaign_send_batch(campaign_id=two.pk).queued == 1
    assert OutboundMessage.objects.count() == 4
