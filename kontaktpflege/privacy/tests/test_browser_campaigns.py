"""Issue 15's acceptance in real Chromium with a real SMTP server (aiosmtpd on loopback):
a finalist is rejected → the received mail carries the talent-pool invitation → the double
opt-in link from that mail, opened in the browser, records consent → a campaign to the pool
reaches her over SMTP with the RFC 8058 headers → the mail program's one-click POST to the
List-Unsubscribe URL of the received mail withdraws at once (the footer link then says so)
→ the next campaign skips her, and its report says "skipped: consent withdrawn".

The worker is not in this process: its steps (the rejection send, the campaign's batch and
the outbox) run in the test, as the scheduler would enqueue them. Setup by service: the
opening, the finalist's candidacy at the final interview, and a second pool member who gave
consent by phone (recorded by a recruiter) so that the second campaign has someone to reach.
"""

from __future__ import annotations

import re
import time
import urllib.request
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from kontaktpflege.contacts.services import person_create
from kontaktpflege.messaging import delivery
from kontaktpflege.privacy import services
from kontaktpflege.privacy.campaign_models import Campaign, CampaignRecipient
from kontaktpflege.privacy.campaign_tasks import campaign_send
from kontaktpflege.privacy.models import ConsentRecord, Purpose, RecordKind
from kontaktpflege.privacy.selectors import consent_status
from kontaktpflege.recruiting import pools, rejections
from kontaktpflege.recruiting.models import CandidateProfile, PipelineStage
from kontaktpflege.recruiting.services import candidacy_create, opening_create, recruiting_switch
from kontaktpflege.web.tests.browser import collect_console_errors, serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 60_000
SITE = "https://kontaktpflege.example"
URL = re.compile(r"https://kontaktpflege\.example(/consent/(confirm|withdraw)/[^/\s]+/)")


def mails_to(smtp_server, address: str, count: int) -> list:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = [m for m in smtp_server.messages if str(m["To"]) == address]
        if len(found) >= count:
            return found
        time.sleep(0.1)
    return [m for m in smtp_server.messages if str(m["To"]) == address]


def text(mail) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def paths(mail) -> dict[str, str]:
    return {kind: path for path, kind in URL.findall(text(mail))}


def new_campaign(page, name: str, pool_name: str, notes: str) -> None:
    page.goto("/recruiting/campaigns/")
    page.click("#campaign-new")
    page.fill("#id_name", name)
    page.select_option("#id_pool", label=pool_name)
    page.select_option("#id_template_key", "nurture_update")
    page.fill("#id_notes", notes)
    page.get_by_role("button", name="Save and preview").click()
    expect(page.locator("#campaign-title")).to_have_text(name, timeout=WAIT)


def test_reject_invite_confirm_campaign_unsubscribe_and_the_next_campaign_skips(
    logged_in_page, alice, workspace, smtp_server, settings, live_server
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.SITE_URL = SITE  # https links: List-Unsubscribe-Post is only offered over https
    page = logged_in_page
    page.set_default_timeout(WAIT)
    errors = collect_console_errors(page)
    workspace.name = "Acme Recruiting"
    workspace.save(update_fields=["name"])
    recruiting_switch(workspace=workspace, enabled=True, job_seeker_areas=False)
    job = opening_create(workspace=workspace, created_by=alice, title="Backend-Entwickler:in")
    anna = person_create(
        workspace=workspace, first_name="Anna", last_name="Finale", emails=["anna@example.com"]
    )
    final = PipelineStage.objects.get(workspace=workspace, key="final_interview")
    finalist = candidacy_create(opening=job, person=anna, stage=final)

    # 1. reject the finalist (personal tier); the worker sends it
    page.goto(f"/recruiting/candidacies/{finalist.pk}/reject/")
    page.fill("#id_feedback_notes", "Starkes Gespräch; knappe Entscheidung.")
    page.get_by_role("button", name="Draft the personal rejection").click()
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("Rejection scheduled")
    assert rejections.rejections_send_due() == 1
    delivery.outbox_drain()
    (rejection,) = mails_to(smtp_server, "anna@example.com", 1)
    assert "Starkes Gespräch" in text(rejection)
    invitation = paths(rejection)["confirm"]  # the talent-pool invitation: double opt-in

    # 2. the double opt-in link from the received mail, in the browser
    assert consent_status(person=anna, purpose=Purpose.TALENT_POOL).state == "requested"
    page.goto(invitation)
    page.click("#confirm-button")
    expect(page.locator("#confirmed")).to_be_visible()
    assert consent_status(person=anna, purpose=Purpose.TALENT_POOL).state == "granted"
    assert CandidateProfile.objects.get(person=anna).silver_medallist

    # a second silver medallist who agreed by phone, and the pool of both
    ben = person_create(workspace=workspace, first_name="Ben", emails=["ben@example.com"])
    services.consent_record_by_recruiter(
        person=ben, purpose=Purpose.TALENT_POOL, user=alice, proof_note="Am Telefon zugestimmt."
    )
    CandidateProfile.objects.filter(person=ben).update(silver_medallist=True)
    pools.pool_create(
        workspace=workspace,
        name="Silbermedaillen",
        kind="dynamic",
        filters={"silver_medallist": True},
    )

    # 3. a campaign to the pool: preview, confirmation, the worker sends, Anna receives it
    new_campaign(page, "Neue Stellen im März", "Silbermedaillen", "Zwei neue Stellen in Köln.")
    expect(page.locator("#preview-receive")).to_have_text("2 people would receive it")
    assert serious_axe_violations(page) == [], page.url
    page.click("#campaign-send")
    expect(page.locator("#campaign-preview")).to_contain_text("2 people would receive it")
    assert serious_axe_violations(page) == [], page.url
    page.click("#campaign-confirm")
    expect(page.locator("#messages")).to_contain_text("Campaign is being sent.")
    first = Campaign.objects.get(name="Neue Stellen im März")
    assert first.state == "sending" and not CampaignRecipient.objects.exists()
    assert campaign_send.call(first.pk) == 2
    delivery.outbox_drain()
    _rejection, news = mails_to(smtp_server, "anna@example.com", 2)
    assert "Zwei neue Stellen in Köln." in text(news)
    unsubscribe = str(news["List-Unsubscribe"]).strip()  # a long header arrives folded
    assert re.fullmatch(rf"<{re.escape(SITE)}/consent/unsubscribe/[^/\s>]+/>", unsubscribe)
    assert str(news["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    footer = paths(news)["withdraw"]

    # 4. the mail program's one-click POST to the received mail's List-Unsubscribe URL:
    #    no cookie, no CSRF token, no login
    one_click = live_server.url + urlsplit(unsubscribe.strip("<>")).path
    request = urllib.request.Request(
        one_click,
        data=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    assert consent_status(person=anna, purpose=Purpose.TALENT_POOL).state == "withdrawn"
    withdrawal = ConsentRecord.objects.get(person=anna, kind=RecordKind.WITHDRAWAL)
    assert withdrawal.channel == "one_click"
    # the footer link of the same mail says it is done and changes nothing
    assert errors == []
    page.goto(footer)
    expect(page.locator("#link-problem")).to_contain_text("your consent is withdrawn")
    # that page answers 410 Gone (a used link), which the console reports: expected
    assert len(errors) == 1 and "410" in errors.pop()
    assert ConsentRecord.objects.filter(person=anna, kind=RecordKind.WITHDRAWAL).count() == 1

    # 5. the next campaign skips her: the preview says so, the report says why
    new_campaign(page, "Neue Stellen im April", "Silbermedaillen", "Eine Stelle in Bonn.")
    expect(page.locator("#preview-receive")).to_have_text("1 person would receive it")
    expect(page.locator("#campaign-preview")).to_contain_text("Consent withdrawn: 1")
    page.click("#campaign-send")
    page.click("#campaign-confirm")
    expect(page.locator("#messages")).to_contain_text("Campaign is being sent.")
    second = Campaign.objects.get(name="Neue Stellen im April")
    assert campaign_send.call(second.pk) == 1
    delivery.outbox_drain()
    page.goto(f"/recruiting/campaigns/{second.pk}/")
    expect(page.locator("#campaign-state")).to_have_text("Done")
    expect(page.locator("#campaign-skip-reasons")).to_contain_text("Consent withdrawn: 1")
    expect(page.locator("#campaign-recipients tr[data-outcome=skipped]")).to_contain_text(
        "Anna Finale"
    )
    expect(page.locator("#campaign-recipients tr[data-outcome=skipped]")).to_contain_text(
        "Skipped: Consent withdrawn"
    )
    expect(page.locator("#campaign-recipients tr[data-outcome=sent]")).to_contain_text("Ben")
    assert serious_axe_violations(page) == [], page.url
    assert len(mails_to(smtp_server, "ben@example.com", 2)) == 2
    assert len(mails_to(smtp_server, "anna@example.com", 2)) == 2  # nothing new for Anna
    assert errors == []
