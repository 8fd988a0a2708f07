"""The settings hub and the page fixes of issue #11 (data, templates, people, login)."""

import re

import pytest
from django.test import Client

from kontaktpflege.accounts.models import User
from kontaktpflege.contacts.models import Person, PhoneNumber
from kontaktpflege.contacts.services import person_create

pytestmark = pytest.mark.django_db

HUB_LINKS = (
    "/settings/#profile",
    "/messages/sender/",
    "/settings/followups/#digest",
    "/settings/followups/#rules",
    "/settings/#members",
    "/settings/#tokens",
    "/settings/#senders",
    "/data/",
)


@pytest.mark.parametrize("url", ["/settings/", "/settings/followups/", "/messages/sender/"])
def test_every_settings_page_shows_the_hub_navigation(alice_client, url):
    html = alice_client.get(url).content.decode()
    nav = re.search(r'<nav[^>]*id="settings-nav".*?</nav>', html, re.S)
    assert nav, url
    for link in HUB_LINKS:
        assert f'href="{link}"' in nav.group(0), link


def test_the_rules_section_is_listed_for_owners_only(bob_client):
    html = bob_client.get("/settings/").content.decode()
    assert 'id="settings-nav"' in html
    assert 'href="/settings/followups/#rules"' not in html


def test_the_time_zone_is_a_select_of_iana_zones_grouped_by_region(alice_client):
    html = alice_client.get("/settings/").content.decode()
    field = re.search(r'<select[^>]*name="time_zone".*?</select>', html, re.S)
    assert field
    assert '<optgroup label="Europe">' in field.group(0)
    assert '<option value="Europe/Berlin" selected>' in field.group(0)
    assert '<option value="America/New_York">' in field.group(0)


def test_the_profile_saves_name_language_and_zone(alice_client, alice):
    data = {
        "action": "preferences",
        "first_name": "Alicia",
        "last_name": "Adler-Berg",
        "language": "de",
        "time_zone": "America/New_York",
    }
    assert alice_client.post("/settings/", data).status_code == 302
    alice.refresh_from_db()
    assert (alice.first_name, alice.last_name) == ("Alicia", "Adler-Berg")
    assert (alice.language, alice.time_zone) == ("de", "America/New_York")


def test_an_unknown_time_zone_is_refused_and_nothing_changes(alice_client, alice):
    before = User.objects.filter(pk=alice.pk).values().get()
    data = {
        "action": "preferences",
        "first_name": "Other",
        "last_name": "",
        "language": "de",
        "time_zone": "Mars/Olympus",
    }
    response = alice_client.post("/settings/", data)
    assert response.status_code == 200
    assert "Unknown time zone." in response.content.decode()
    assert User.objects.filter(pk=alice.pk).values().get() == before


def test_the_digest_page_shows_email_as_a_channel_of_the_digest_and_its_state(alice_client):
    html = alice_client.get("/settings/followups/").content.decode()
    assert 'id="digest-state"' in html
    assert "The daily digest is off" in html
    channels = re.search(r'<fieldset[^>]*id="digest-channels".*?</fieldset>', html, re.S)
    assert channels
    assert 'name="email_enabled"' in channels.group(0)
    assert "used only while the daily digest is on" in channels.group(0)
    # The digest switch is its own checkbox, unticked, outside the channels.
    switch = re.search(r'<input[^>]*name="digest_enabled"[^>]*>', html).group(0)
    assert "checked" not in switch
    assert 'name="digest_enabled"' not in channels.group(0)


def test_the_digest_page_says_on_when_the_digest_is_on(alice_client):
    data = {
        "action": "notifications",
        "digest_enabled": "on",
        "digest_time": "07:30",
        "email_enabled": "on",
        "apprise_urls": "",
        "networking_weekday": "4",
        "networking_time": "16:00",
        "networking_minutes": "60",
    }
    assert alice_client.post("/settings/followups/", data).status_code == 302
    html = alice_client.get("/settings/followups/").content.decode()
    assert "The daily digest is on" in html
    switch = re.search(r'<input[^>]*name="digest_enabled"[^>]*>', html).group(0)
    assert "checked" in switch


def test_the_data_page_shows_no_markdown_or_shell_commands(alice_client):
    html = alice_client.get("/data/").content.decode()
    assert "`" not in html
    assert "kontaktpflege restore" not in html
    assert "Download backup" in html


def test_the_export_buttons_do_not_look_disabled(alice_client):
    html = alice_client.get("/data/").content.decode()
    exports = re.findall(r'<a class="([^"]*)" href="/data/export/\?format=', html)
    assert len(exports) == 4
    assert all("btn-outline-secondary" not in c and "btn" in c for c in exports)


def test_the_template_library_explains_notes_without_raw_variables(alice_client):
    html = alice_client.get("/templates/").content.decode()
    assert "{{" not in html
    assert "your personal notes" in html.lower()


def test_the_template_library_previews_each_template_with_the_sample_person(alice_client):
    html = alice_client.get("/templates/").content.decode()
    previews = re.findall(r'<p class="template-preview[^"]*"[^>]*>(.*?)</p>', html, re.S)
    assert len(previews) >= 5
    assert all("Weber" in p or "Julia" in p for p in previews)


def test_the_new_template_form_asks_for_plain_words_not_a_key(alice_client):
    html = alice_client.get("/templates/").content.decode()
    assert ">Key" not in html
    assert "Short name for the address" in html


def test_the_template_page_shows_variables_as_labelled_chips(alice_client):
    html = alice_client.get("/templates/check_in/").content.decode()
    chips = re.findall(r'<span class="badge variable-chip[^"]*"[^>]*>(.*?)</span>', html, re.S)
    assert chips
    assert "not available yet" not in html


def test_compose_keeps_the_variables_collapsed_and_advertises_nothing_unavailable(
    alice_client, make_person
):
    person = make_person()
    html = alice_client.get(f"/people/{person.pk}/compose/").content.decode()
    details = re.search(r'<details[^>]*id="variables-help"[^>]*>', html).group(0)
    assert " open" not in details
    assert "not available yet" not in html
    assert "not yet available" not in html


def test_the_people_list_leaves_out_and_does_not_count_the_own_person(
    alice_client, alice, make_person
):
    own = Person.objects.get(user=alice)
    make_person(first_name="Julia", last_name="Weber")
    html = alice_client.get("/people/").content.decode()
    assert "1 person" in html
    assert f'href="/people/{own.pk}/"' not in html
    assert "Weber" in html


def test_phone_numbers_are_tel_links(alice_client, workspace):
    person = person_create(workspace=workspace, first_name="Julia", last_name="Weber")
    PhoneNumber.objects.create(workspace=workspace, person=person, number="+491701234567")
    PhoneNumber.objects.create(workspace=workspace, person=person, number="0170 / 765 43-21")
    html = alice_client.get(f"/people/{person.pk}/").content.decode()
    assert 'href="tel:+491701234567"' in html
    assert 'href="tel:01707654321"' in html


def test_a_language_picked_on_the_login_page_is_saved_to_the_account(alice):
    client = Client()
    client.post("/language/", {"language": "de", "next": "/login/"})
    response = client.post("/login/", {"username": "alice", "password": "pw-alice-123"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.language == "de"
    # Only once: the pick does not linger in the session for a later log-in.
    assert "login_language" not in client.session


def test_logging_in_without_a_pick_keeps_the_account_language(alice):
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.cookies["django_language"] = "de"
    response = client.post("/login/", {"username": "alice", "password": "pw-alice-123"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.language == "en"


def test_the_login_page_says_which_language_the_app_uses_after_log_in(client):
    html = client.get("/login/").content.decode()
    assert 'id="login-language-note"' in html


def test_the_hub_speaks_german_to_a_german_user(bob_client):
    html = bob_client.get("/settings/followups/").content.decode()
    assert "Daten: Import, Export, Sicherung" in html
    assert "Die tägliche Übersicht ist aus." in html
