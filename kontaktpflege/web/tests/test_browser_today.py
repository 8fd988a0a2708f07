"""The Today agenda end to end in real Chromium."""

import pytest
from playwright.sync_api import expect

from kontaktpflege.followups.models import FollowUp
from kontaktpflege.touchpoints.models import Touchpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_first_meeting_becomes_a_72_hour_item_that_can_be_snoozed_and_completed(
    logged_in_page, make_person
):
    person = make_person(first_name="Julia", last_name="Weber")
    page = logged_in_page
    page.fill("#quicklog-text", "Kaffee mit Julia Weber – Konferenz in Köln")
    page.press("#quicklog-text", "Enter")
    expect(page.locator("#messages")).to_contain_text("Julia Weber")

    page.goto("/")
    item = page.locator("li.followup[data-rule=new_contact]")
    expect(item).to_have_count(1)
    expect(item.locator(".followup-reason")).to_contain_text("Julia")
    expect(item.locator(".followup-reason")).to_contain_text("72")
    followup = FollowUp.objects.get(person=person, rule="new_contact")

    item.locator("button[name=snooze][value=tomorrow]").click()
    expect(page.locator(f"#followup-{followup.pk}.followup-closed")).to_be_visible()
    followup.refresh_from_db()
    assert followup.state == "snoozed"

    # Snoozed until tomorrow, it waits in "this week"; completing it logs a touchpoint.
    page.goto("/")
    row = page.locator(f"#followup-{followup.pk}")
    expect(row.locator(".followup-due")).to_contain_text("snoozed until")
    row.locator("input[name=summary]").fill("Nachricht mit dem Artikel geschickt")
    row.locator("button[name=done]").click()
    expect(page.locator(f"#followup-{followup.pk}.followup-closed")).to_be_visible()
    followup.refresh_from_db()
    assert followup.state == "done"
    assert Touchpoint.objects.filter(
        participants=person, summary="Nachricht mit dem Artikel geschickt"
    ).exists()
    page.goto("/")
    expect(page.locator(f"#followup-{followup.pk}")).to_have_count(0)
