"""Seeds 003 and 004 end to end in real Chromium, with an axe-core check of the new pages."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from kontaktpflege.applications.models import Activation, Conversation
from kontaktpflege.contacts.models import Person
from kontaktpflege.contacts.services import organisation_create
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.followups.services import followups_refresh_people, workspace_today
from kontaktpflege.web.tests.browser import collect_console_errors, serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_conversation_is_planned_held_and_debriefed_with_two_new_contacts(
    logged_in_page, workspace, make_person
):
    acme = organisation_create(workspace=workspace, name="Acme GmbH", is_target=True)
    julia = make_person(first_name="Julia", last_name="Weber", gender="f", language="de")
    page = logged_in_page
    errors = collect_console_errors(page)

    page.goto(f"/people/{julia.pk}/")
    page.click("#plan-conversation")
    page.fill("#id_goal", "Wie gelingt der Einstieg ins Produktmanagement?")
    page.click("#main button[type=submit]")
    expect(page.locator("#conversation-status")).to_have_attribute("data-status", "planned")
    assert serious_axe_violations(page) == []

    page.locator("#walk-through label", has_text="Acme GmbH").click()
    page.locator("#checklist label", has_text="Never ask for a job").click()
    page.click("#preparation button[type=submit]")
    expect(page.locator("#messages")).to_contain_text("Preparation saved")

    page.click("#mark-held")
    expect(page.locator("#conversation-status")).to_have_attribute("data-status", "held")
    page.fill("#id_learned", "Das Produktteam in Köln wächst im Herbst.")
    page.fill("#id_contact_1_name", "Anna Schmidt")
    page.fill("#id_contact_1_email", "anna@example.org")
    page.fill("#id_contact_2_name", "Ben Krause")
    page.fill(f"#id_insight_{acme.pk}", "Neues Produktteam in Köln ab Herbst")
    page.click("#save-debrief")
    expect(page.locator("#conversation-status")).to_have_attribute("data-status", "debriefed")
    expect(page.locator("#new-contacts li")).to_have_count(2)
    assert serious_axe_violations(page) == []

    tomorrow = workspace_today(workspace) + dt.timedelta(days=1)
    assert FollowUp.objects.get(person=julia, rule="conversation_thanks").due_on == tomorrow
    for last in ("Schmidt", "Krause"):
        person = Person.objects.get(last_name=last)
        assert person.introduced_by == julia
        assert FollowUp.objects.filter(person=person, rule="new_contact", state="open").exists()
        page.goto(f"/people/{person.pk}/")
        expect(page.locator("#main")).to_contain_text("Julia Weber")
    page.goto(f"/organisations/{acme.pk}/")
    expect(page.locator("#org-insights")).to_contain_text("Neues Produktteam in Köln ab Herbst")
    page.goto("/organisations/?target=1")
    expect(page.locator("td.insights")).to_contain_text("Neues Produktteam")
    page.goto("/conversations/")
    expect(page.locator(f"#conversation-{Conversation.objects.get().pk}")).to_be_visible()
    assert serious_axe_violations(page) == []
    assert errors == []


def test_a_dormant_contact_is_activated_back_into_a_circle(logged_in_page, workspace, make_person):
    dora = make_person(first_name="Dora", last_name="Schlaf", circle="dormant", language="en")
    Person.objects.filter(pk=dora.pk).update(created_at=dora.created_at - dt.timedelta(days=400))
    followups_refresh_people(person_ids=[dora.pk])
    assert FollowUp.objects.filter(person=dora, rule="reactivation", state="open").exists()
    page = logged_in_page
    errors = collect_console_errors(page)

    page.goto("/reactivate/")
    row = page.locator(f"#dormant-{dora.pk}")
    expect(row.locator(".missing-contact-data")).to_be_visible()
    assert serious_axe_violations(page) == []
    row.locator("a.activate").click()
    page.locator("label", has_text="Reminisce and catch up").click()
    page.fill("#id_offer", "The article on design sprints")
    page.click("#start-activation")
    expect(page.locator("#starters li")).to_have_count(3)
    expect(page.locator("#starters")).to_contain_text("How is your family?")
    assert serious_axe_violations(page) == []

    page.fill("#id_summary", "Coffee with Dora")
    page.select_option("#id_circle", "active")
    page.click("#log-conversation")
    expect(page.locator("#messages")).to_contain_text("back in your circle")
    dora.refresh_from_db()
    assert dora.circle == "active"
    assert Activation.objects.get().completed_at is not None
    assert not FollowUp.objects.filter(person=dora, rule="reactivation", state="open").exists()
    page.goto("/")
    expect(page.locator("li.followup[data-rule=reactivation]")).to_have_count(0)
    assert errors == []
