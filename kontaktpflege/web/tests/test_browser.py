"""End-to-end flows in real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from kontaktpflege.contacts.models import Person
from kontaktpflege.touchpoints.models import Touchpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_user_adds_a_person_logs_a_touchpoint_and_finds_them_by_an_umlaut_variant(
    logged_in_page,
):
    page = logged_in_page
    page.goto("/people/new/")
    page.fill("#id_first_name", "Jürgen")
    page.fill("#id_last_name", "Müller")
    page.fill("#id_emails", "juergen.mueller@example.com")
    page.fill("#id_organisation_name", "Bäckerei Groß")
    page.click("#main form button[type=submit]")
    expect(page.locator("#person-name")).to_have_text("Jürgen Müller")

    page.fill("#quicklog-text", "Kaffee mit Jürgen – Design Thinking")
    page.press("#quicklog-text", "Enter")
    expect(page.locator("#messages")).to_contain_text("Jürgen Müller")
    person = Person.objects.get(last_name="Müller")
    touchpoint = Touchpoint.objects.get(participants=person)
    assert touchpoint.channel == "meeting"
    assert touchpoint.notes == "Design Thinking"

    page.goto("/people/?q=Mueller")
    expect(page.locator("#people-table")).to_contain_text("Jürgen Müller")
    page.goto("/people/?q=muller")
    expect(page.locator("#people-table")).to_contain_text("Jürgen Müller")


def test_search_narrows_the_list_as_you_type(logged_in_page, make_person):
    make_person(first_name="Jürgen", last_name="Müller")
    make_person(first_name="Anna", last_name="Schmidt")
    page = logged_in_page
    page.goto("/people/")
    expect(page.locator("#people-table")).to_contain_text("Anna Schmidt")
    page.fill("#people-q", "mueller")
    expect(page.locator("#people-table")).not_to_contain_text("Anna Schmidt")
    expect(page.locator("#people-table")).to_contain_text("Jürgen Müller")
    assert "q=mueller" in page.url


def test_the_language_switch_turns_the_interface_german_and_back(logged_in_page, alice):
    page = logged_in_page
    page.goto("/people/")
    expect(page.locator("h1")).to_have_text("People")
    page.click("#language-form button")
    expect(page.locator("h1")).to_have_text("Personen")
    alice.refresh_from_db()
    assert alice.language == "de"
    page.click("#language-form button")
    expect(page.locator("h1")).to_have_text("People")


def test_script_in_a_name_or_note_is_shown_as_text_and_never_runs(logged_in_page, make_person):
    payload = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    person = make_person(first_name=payload[:100], last_name="Evil", notes=payload)
    page = logged_in_page
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"/people/{person.pk}/")
    expect(page.locator("#person-notes")).to_contain_text("<script>window.__pwned = 1</script>")
    assert page.evaluate("window.__pwned") is None
    page.goto("/people/")
    expect(page.locator("#people-table")).to_contain_text("<script>")
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert re.search(r"&lt;script&gt;", page.content())
