"""Compose from a follow-up in real Chromium and send through a real local SMTP server."""

import pytest
from playwright.sync_api import expect

from kontaktpflege.followups.models import FollowUp
from kontaktpflege.touchpoints.services import touchpoint_log

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_composing_from_a_follow_up_sends_once_logs_it_and_closes_the_item(
    logged_in_page, workspace, make_person, smtp_server
):
    julia = make_person(
        first_name="Julia",
        last_name="Weber",
        gender="f",
        emails=["julia.weber@example.com"],
        language="de",
        form_of_address="sie",
    )
    touchpoint_log(
        workspace=workspace, participants=[julia], summary="Kennengelernt auf der Konferenz"
    )
    followup = FollowUp.objects.get(person=julia, rule="new_contact")
    page = logged_in_page

    page.goto("/")
    page.locator(f"#followup-{followup.pk} a.followup-compose").click()
    expect(page.locator("#compose-form")).to_be_visible()
    page.fill("textarea[name=notes]", "Den Artikel über Design Thinking hänge ich Ihnen gleich an.")
    expect(page.locator("#compose-preview")).to_contain_text("Design Thinking")
    expect(page.locator("#compose-preview")).to_contain_text("Sehr geehrte Frau Weber")
    page.click("#send-button")

    expect(page.locator("#messages")).to_be_visible()
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["To"] == "julia.weber@example.com"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Sehr geehrte Frau Weber" in body
    assert "Den Artikel über Design Thinking" in body

    page.goto(f"/people/{julia.pk}/")
    expect(page.locator("#timeline")).to_contain_text(str(mail["Subject"]))
    followup.refresh_from_db()
    assert followup.state == "done"
    page.goto("/")
    expect(page.locator(f"#followup-{followup.pk}")).to_have_count(0)
