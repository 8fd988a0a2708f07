"""Campaign pages (list, new, preview, confirmation, cancel, report) and the one-click
unsubscribe endpoint of campaign mails (RFC 8058)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.privacy import campaigns, services
from kontaktpflege.privacy.campaign_models import Campaign, CampaignRecipient
from kontaktpflege.privacy.models import ConsentRecord, Purpose, RecordKind
from kontaktpflege.privacy.selectors import consent_status
from kontaktpflege.privacy.tests.conftest import LINK
from kontaktpflege.recruiting import pools
from kontaktpflege.recruiting.services import recruiting_switch
from kontaktpflege.web.tests.test_csp import assert_strict_csp

pytestmark = pytest.mark.django_db


@pytest.fixture
def recruiting(workspace, pool):
    return recruiting_switch(workspace=workspace, enabled=True, job_seeker_areas=False)


@pytest.fixture
def ada(make_person, alice, recruiting):
    person = make_person(first_name="Ada", last_name="Lovelace", emails=["ada@example.com"])
    services.consent_record_by_recruiter(
        person=person, purpose=Purpose.TALENT_POOL, user=alice, proof_note="Agreed by phone today."
    )
    return person


@pytest.fixture
def emil(make_person, recruiting):
    return make_person(first_name="Emil", last_name="Nobody", emails=["emil@example.com"])


@pytest.fixture
def pool_of_two(workspace, ada, emil):
    found = pools.pool_create(workspace=workspace, name="Backend", kind="static")
    pools.pool_members_add(pool=found, person_ids=[ada.pk, emil.pk])
    return found


@pytest.fixture
def draft(workspace, alice, pool_of_two):
    return campaigns.campaign_create(
        workspace=workspace,
        user=alice,
        name="Spring news",
        pool=pool_of_two,
        template_key="nurture_update",
        notes="Two new openings.",
    )


def sent_token(campaign) -> str:
    campaigns.campaign_schedule(campaign=campaign)
    campaigns.campaign_send_batch(campaign_id=campaign.pk)
    message = OutboundMessage.objects.get(to_address="ada@example.com")
    return LINK.search(message.body).group(2)  # type: ignore[union-attr]


def counts() -> tuple[int, int, int]:
    return (
        ConsentRecord.objects.count(),
        OutboundMessage.objects.count(),
        CampaignRecipient.objects.count(),
    )


# ---------------------------------------------------------------- pages


def test_the_empty_list_explains_campaigns_and_offers_a_new_one(alice_client, recruiting):
    response = alice_client.get("/recruiting/campaigns/")
    assert response.status_code == 200
    assert b'id="campaigns-empty"' in response.content and b"New campaign" in response.content
    assert_strict_csp(response)


def test_the_list_pages_through_campaigns_in_a_fixed_number_of_queries(
    alice_client, workspace, alice, pool_of_two, django_assert_max_num_queries
):
    for i in range(30):
        campaigns.campaign_create(
            workspace=workspace,
            user=alice,
            name=f"C{i:02d}",
            pool=pool_of_two,
            template_key="nurture_update",
        )
    with django_assert_max_num_queries(12):
        first = alice_client.get("/recruiting/campaigns/")
    assert first.content.count(b'class="campaign-state"') == 25 and b'rel="next"' in first.content
    second = alice_client.get("/recruiting/campaigns/?page=2")
    assert second.content.count(b'class="campaign-state"') == 5


def test_create_preview_confirm_and_report(alice_client, pool_of_two, ada):
    response = alice_client.post(
        "/recruiting/campaigns/new/",
        {
            "name": "Spring news",
            "pool": pool_of_two.pk,
            "purpose": "talent_pool",
            "template_key": "nurture_update",
            "notes": "Two new openings in Köln.",
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response.url == f"/recruiting/campaigns/{campaign.pk}/"
    page = alice_client.get(response.url)
    assert b"1 person would receive it" in page.content
    assert b"1 would be skipped" in page.content and b"No consent: 1" in page.content
    confirm = alice_client.get(f"/recruiting/campaigns/{campaign.pk}/send/")
    assert b"Confirm and send" in confirm.content and not OutboundMessage.objects.exists()
    sent = alice_client.post(f"/recruiting/campaigns/{campaign.pk}/send/", {"send_at": ""})
    assert sent.status_code == 302
    campaign.refresh_from_db()
    assert campaign.state == "sending"
    campaigns.campaign_send_batch(campaign_id=campaign.pk)
    report = alice_client.get(f"/recruiting/campaigns/{campaign.pk}/")
    assert b'data-count="skipped">Skipped: <strong>1' in report.content
    assert b"Skipped: No consent" in report.content and b"ada@example.com" in report.content
    skipped_only = alice_client.get(f"/recruiting/campaigns/{campaign.pk}/?status=skipped")
    assert b"emil@example.com" in skipped_only.content
    assert b"ada@example.com" not in skipped_only.content


def test_the_pages_speak_german(bob, draft):
    client = Client()
    client.force_login(bob)  # bob's language is German
    page = client.get(f"/recruiting/campaigns/{draft.pk}/")
    assert "Wer sie jetzt erhalten würde".encode() in page.content


def test_nobody_consented_shows_a_clear_message_and_nothing_is_sent(
    alice_client, workspace, alice, emil, recruiting
):
    campaign = campaigns.campaign_create(
        workspace=workspace,
        user=alice,
        name="Nobody",
        filters={"consent_state": ["none"]},
        template_key="nurture_update",
    )
    before = counts()
    response = alice_client.post(f"/recruiting/campaigns/{campaign.pk}/send/", {"send_at": ""})
    assert response.status_code == 200
    assert b"nothing was sent" in response.content
    campaign.refresh_from_db()
    assert campaign.state == "draft" and counts() == before


def test_a_scheduled_campaign_can_be_cancelled_and_then_sends_nothing(alice_client, draft):
    when = (timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    alice_client.post(f"/recruiting/campaigns/{draft.pk}/send/", {"send_at": when})
    draft.refresh_from_db()
    assert draft.state == "scheduled"
    assert (
        b"Cancel the campaign"
        in alice_client.get(f"/recruiting/campaigns/{draft.pk}/cancel/").content
    )
    alice_client.post(f"/recruiting/campaigns/{draft.pk}/cancel/")
    draft.refresh_from_db()
    assert draft.state == "cancelled"
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        campaigns.campaign_send_batch(campaign_id=draft.pk)
    assert not OutboundMessage.objects.exists()


def test_viewers_read_but_cannot_create_send_or_cancel(workspace, draft, django_user_model):
    from kontaktpflege.accounts.services import membership_add

    viewer = django_user_model.objects.create_user("vera", "vera@example.org", "pw-vera-123")
    membership_add(workspace=workspace, user=viewer, role="viewer")
    viewer.active_workspace = workspace
    viewer.save(update_fields=["active_workspace"])
    client = Client()
    client.force_login(viewer)
    assert client.get(f"/recruiting/campaigns/{draft.pk}/").status_code == 200
    assert client.post("/recruiting/campaigns/new/", {"name": "x"}).status_code == 403
    assert client.post(f"/recruiting/campaigns/{draft.pk}/send/").status_code == 403
    assert client.post(f"/recruiting/campaigns/{draft.pk}/cancel/").status_code == 403
    draft.refresh_from_db()
    assert draft.state == "draft" and Campaign.objects.count() == 1


def test_another_workspaces_campaign_and_pool_are_404(charlie_client, charlie, alice_client, draft):
    recruiting_switch(workspace=charlie.active_workspace, enabled=True)
    for url in ("", "send/", "cancel/"):
        assert charlie_client.get(f"/recruiting/campaigns/{draft.pk}/{url}").status_code == 404
        assert charlie_client.post(f"/recruiting/campaigns/{draft.pk}/{url}").status_code == 404
    response = charlie_client.post(
        "/recruiting/campaigns/new/",
        {"name": "x", "pool": draft.pool_id, "purpose": "talent_pool", "template_key": "check_in"},
    )
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.state == "draft" and Campaign.objects.count() == 1


# ---------------------------------------------------------------- one-click unsubscribe


def test_the_one_click_post_withdraws_at_once_without_login_or_csrf(draft, ada):
    token = sent_token(draft)
    strict = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
    page = strict.get(f"/consent/unsubscribe/{token}/")
    assert page.status_code == 200 and b"unsubscribe-button" in page.content
    assert consent_status(person=ada, purpose=Purpose.TALENT_POOL).state == "granted"
    response = strict.post(f"/consent/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and b"You are unsubscribed" in response.content
    record = ConsentRecord.objects.get(person=ada, kind=RecordKind.WITHDRAWAL)
    assert record.channel == "one_click"
    assert consent_status(person=ada, purpose=Purpose.TALENT_POOL).state == "withdrawn"


def test_the_one_click_post_is_idempotent(draft, ada):
    token = sent_token(draft)
    client = Client(enforce_csrf_checks=True)
    client.post(f"/consent/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})
    before = counts()
    again = client.post(f"/consent/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200 and b'id="unsubscribed-before"' in again.content
    assert counts() == before
    # The footer link of the same mail, used afterwards, changes nothing either.
    assert client.post(f"/consent/withdraw/{token}/").status_code == 410
    assert counts() == before


@pytest.mark.parametrize(
    "mangle",
    [lambda t: t[:-3] + "abc", lambda t: t.split(":")[0] + ":1w5K5o:x", lambda t: "x" * 400],
)
def test_a_tampered_unsubscribe_link_shows_a_clear_page_and_changes_nothing(draft, ada, mangle):
    token = sent_token(draft)
    before = counts()
    response = Client(headers={"Accept-Language": "en"}).post(
        f"/consent/unsubscribe/{mangle(token)}/"
    )
    assert response.status_code == 400 and b"This link cannot be used" in response.content
    assert counts() == before


def test_an_expired_unsubscribe_link_shows_a_clear_page_and_changes_nothing(draft, ada, settings):
    token = sent_token(draft)
    before = counts()
    with time_machine.travel(timezone.now() + dt.timedelta(days=3 * 366 + 1)):
        response = Client(headers={"Accept-Language": "en"}).post(f"/consent/unsubscribe/{token}/")
    assert response.status_code == 410 and b"expired" in response.content
    assert counts() == before


# ---------------------------------------------------------------- a report of 300, in German


@pytest.fixture
def report_of_300(workspace, alice, draft):
    """A finished campaign of 300: 180 sent, 60 without consent, 40 withdrawn, 20 failed
    (people with long German names and addresses)."""
    from kontaktpflege.contacts.models import Person

    people = Person.objects.bulk_create(
        Person(
            workspace=workspace,
            first_name=f"Maximiliane-Friederike {i:03d}",
            last_name="von Schwarzenberg-Müllerhausen",
        )
        for i in range(300)
    )
    outcomes = [("sent", "")] * 180 + [("skipped", "no_consent")] * 60
    outcomes += [("skipped", "withdrawn")] * 40 + [("failed", "")] * 20
    CampaignRecipient.objects.bulk_create(
        CampaignRecipient(
            workspace=workspace,
            campaign=draft,
            person=person,
            email=f"maximiliane.friederike.{i:03d}@personalberatung-schwarzenberg.example.de",
            outcome=outcome,
            reason=reason,
            error="Die Vorlage konnte nicht gerendert werden." if outcome == "failed" else "",
            processed_at=timezone.now(),
        )
        for i, (person, (outcome, reason)) in enumerate(zip(people, outcomes, strict=True))
    )
    Campaign.objects.filter(pk=draft.pk).update(
        state="done", started_at=timezone.now(), finished_at=timezone.now()
    )
    return draft


def test_a_report_of_300_pages_in_german_with_the_right_counts(bob, report_of_300):
    client = Client()
    client.force_login(bob)  # German
    url = f"/recruiting/campaigns/{report_of_300.pk}/"
    first = client.get(url).content.decode()
    counts = dict(re.findall(r'data-count="(\w+)">[^<]*<strong>(\d+)</strong>', first))
    assert counts == {"sent": "180", "in_outbox": "0", "skipped": "100", "failed": "20"}
    assert 'data-reason="withdrawn">Einwilligung widerrufen: 40<' in first
    assert 'data-reason="no_consent">Keine Einwilligung: 60<' in first
    assert first.count("<tr data-outcome=") == 50
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert "Seite 1 von 6" in first
    last = client.get(url, {"page": 6}).content.decode()
    assert last.count('<tr data-outcome="failed">') == 20 and 'rel="next"' not in last
    assert "Seite 6 von 6" in last
    skipped = client.get(url, {"status": "skipped", "page": 2}).content.decode()
    assert skipped.count('<tr data-outcome="skipped">') == 50 and 'rel="next"' not in skipped
    assert "Seite 2 von 2" in skipped
    assert "Übersprungen: Einwilligung widerrufen" in skipped
    # Each value says what it is when the table stacks on a phone.
    assert 'data-label="Adresse"' in first and 'data-label="Ergebnis"' in first


def test_the_sending_rate_is_set_on_the_list_page_and_a_bad_one_changes_nothing(
    alice_client, workspace, recruiting
):
    page = alice_client.get("/recruiting/campaigns/").content.decode()
    assert re.search(r'name="messages_per_minute"[^>]*value="60"', page)  # the default
    alice_client.post("/recruiting/campaigns/rate/", {"messages_per_minute": "30"})
    assert campaigns.campaign_settings_get(workspace=workspace).messages_per_minute == 30
    alice_client.post("/recruiting/campaigns/rate/", {"messages_per_minute": "0"})
    assert campaigns.campaign_settings_get(workspace=workspace).messages_per_minute == 30
