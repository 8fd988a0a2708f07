"""Seed 000 in real Chromium at phone size (390×844): an application, an interview
yesterday, the thank-you due today with its draft, sent; 22 days of silence bring the status
inquiry; a rejection brings the feedback request within two days. The card moves on the board
with its button (a plain form), pages fit the screen and have no serious axe finding."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kontaktpflege.applications.models import Application, Interview
from kontaktpflege.contacts.services import organisation_create
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.followups.services import followups_recompute_workspace
from kontaktpflege.touchpoints.models import Participation, Touchpoint

from .browser import collect_console_errors, serious_axe_violations
from .test_browser_shell import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
    assert serious_axe_violations(page) == [], page.url


def _days_pass(workspace, days: int) -> None:
    """Let days go by: every recorded date moves back (the server keeps its real clock)."""
    delta = dt.timedelta(days=days)
    for app in Application.objects.all():
        app.applied_on = app.applied_on - delta if app.applied_on else None
        app.save(update_fields=["applied_on"])
    for iv in Interview.objects.all():
        iv.at -= delta
        iv.save(update_fields=["at"])
    for tp in Touchpoint.objects.all():
        tp.occurred_at -= delta
        tp.save(update_fields=["occurred_at"])
    for part in Participation.objects.all():
        part.occurred_at -= delta
        part.save(update_fields=["occurred_at"])
    followups_recompute_workspace(workspace=workspace, from_scratch=False)


def test_seed_000_from_application_to_feedback_request_on_a_phone(
    logged_in_page, workspace, make_person
):
    acme = organisation_create(workspace=workspace, name="Acme GmbH")
    make_person(
        first_name="Eva",
        last_name="Berg",
        gender="f",
        organisation=acme,
        emails=["eva.berg@acme.example"],
    )
    page = logged_in_page
    page.set_viewport_size(PHONE)
    errors = collect_console_errors(page)
    today = timezone.localdate()

    page.goto("/applications/")
    expect(page.locator(".empty-state")).to_contain_text("No applications yet")
    _fits(page)
    page.locator("#main a[href='/applications/new/']").first.click()
    page.fill("#id_organisation_name", "Acme GmbH")
    page.fill("#id_position", "Product Designer")
    page.select_option("#id_stage", "applied")
    page.fill("#id_applied_on", (today - dt.timedelta(days=10)).isoformat())
    page.click("#main button[type=submit]")
    expect(page.locator("#application-title")).to_have_text("Product Designer")
    app = Application.objects.get()

    # Contacts with roles: the recruiter we know, the interviewer a new person.
    for name, role, gender in (("Eva Berg", "recruiter", ""), ("Jonas Ost", "interviewer", "m")):
        page.locator("#add-contact summary").click()
        page.fill("#id_name", name)
        page.select_option("#id_role", role)
        if gender:
            page.select_option("#id_gender", gender)
        page.locator("#add-contact button[type=submit]").click()
        expect(page.locator("#application-contacts")).to_contain_text(name)
    _fits(page)

    # The board: the card moves with its stage menu and button (a plain form post).
    page.goto("/applications/")
    _fits(page)
    card = page.locator(f"#application-{app.pk}")
    card.locator("select[name=stage]").select_option("interview")
    card.locator("button[type=submit]").click()
    expect(page.locator("section[aria-labelledby=stage-interview]")).to_contain_text(
        "Product Designer"
    )

    # An interview yesterday with Jonas.
    page.goto(f"/applications/{app.pk}/interviews/new/")
    page.fill("#id_day", (today - dt.timedelta(days=1)).isoformat())
    page.fill("#id_time", "10:00")
    page.select_option("#id_kind", "on_site")
    page.get_by_label("Jonas Ost").check()
    page.fill("#id_questions", "Wie gehen Sie mit Zielkonflikten um?")
    _fits(page)
    page.click("#main button[type=submit]")
    expect(page.locator("#application-interviews")).to_contain_text("Jonas Ost")

    # Today: the thank-you to Jonas is due, its draft names him, the date and the position.
    page.goto("/")
    item = page.locator("li.followup[data-rule=interview_thanks]")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Jonas Ost")
    item.locator(".followup-compose").click()
    body = page.locator("#id_body")
    text = body.input_value()
    assert "Herr Ost" in text and "Product Designer" in text
    assert (today - dt.timedelta(days=1)).strftime("%d.%m.%Y") in text
    page.select_option("#id_channel", "linkedin")
    page.locator("#mark-sent-button").click()
    page.wait_for_load_state("load")
    assert FollowUp.objects.get(rule="interview_thanks").state == "done"

    # 22 days of silence: the friendly status inquiry to the recruiter.
    _days_pass(workspace, 22)
    page.goto("/")
    inquiry = page.locator("li.followup[data-rule=status_inquiry]")
    expect(inquiry).to_have_count(1)
    expect(inquiry).to_contain_text("Eva Berg")

    # The rejection, logged with its date, brings the feedback request within two days.
    page.goto(f"/applications/{app.pk}/")
    page.locator("#detail-stage").select_option("rejected")
    page.locator("#main form button:has-text('Move')").click()
    expect(page.locator("#id_rejected_on")).to_have_value(today.isoformat())
    page.fill("#id_feedback", "Zu wenig Erfahrung mit Design-Systemen")
    _fits(page)
    page.click("#main button[type=submit]")
    expect(page.locator("#application-stage")).to_have_text("Rejected")
    expect(page.locator("#application-followups")).to_contain_text("Feedback request")
    feedback = FollowUp.objects.get(rule="feedback_request")
    assert feedback.due_on == today + dt.timedelta(days=2)
    assert not FollowUp.objects.active().filter(rule="status_inquiry").exists()
    _fits(page)
    assert errors == []
