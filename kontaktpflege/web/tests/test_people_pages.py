"""People pages: create, edit, list, detail, bad input."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kontaktpflege.contacts.models import EmailAddress, Employment, Person, PhoneNumber
from kontaktpflege.touchpoints.services import touchpoint_log

pytestmark = pytest.mark.django_db

GOOD = {
    "first_name": "Julia",
    "last_name": "Weber",
    "gender": "f",
    "academic_title": "Dr.",
    "emails": "julia.weber@example.com\nj.weber@example.org",
    "phones": "0170 1234567",
    "organisation_name": "Acme GmbH",
    "job_title": "Head of Design",
    "circle": "active",
    "language": "de",
    "form_of_address": "sie",
    "tags": "Design, München",
}


def _people_state():
    return (
        list(Person.objects.order_by("pk").values()),
        EmailAddress.objects.count(),
        PhoneNumber.objects.count(),
        Employment.objects.count(),
    )


def test_it_creates_a_person_with_normalised_contact_data(alice_client, workspace):
    response = alice_client.post("/people/new/", GOOD)
    assert response.status_code == 302
    person = Person.objects.get(last_name="Weber")
    assert [e.email for e in person.emails.all()] == [
        "julia.weber@example.com",
        "j.weber@example.org",
    ]
    # No country code is invented for a number typed without one (issue #10).
    assert [p.number for p in person.phones.all()] == ["0170 1234567"]
    assert person.organisation.name == "Acme GmbH"
    assert sorted(t.name for t in person.tags.all()) == ["Design", "München"]
    assert Employment.objects.filter(person=person, is_current=True).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("emails", "not-an-email", "is not a valid email address"),
        ("phones", "12", "not a valid phone number"),
        ("phones", "+49 12", "not a valid phone number"),
        ("phones", "call me maybe", "not a phone number"),
        ("first_name", "x" * 10_000, "at most 100 characters"),
        ("last_name", "Weber\x00", "NUL"),
        ("notes", "ok\x07bell", "control characters"),
        ("keep_in_touch_days", "0", "greater than or equal to 1"),
        ("keep_in_touch_days", "4000", "less than or equal to 3650"),
        ("birthday_day", "31", "does not exist"),
    ],
)
def test_bad_input_gets_a_field_error_and_changes_nothing(
    alice_client, workspace, field, value, message
):
    before = _people_state()
    data = {**GOOD, field: value}
    if field == "birthday_day":
        data["birthday_month"] = "2"
    response = alice_client.post("/people/new/", data)
    assert response.status_code == 200
    assert message.lower() in response.content.decode().lower()
    assert _people_state() == before


def test_bad_input_on_edit_changes_nothing(alice_client, make_person):
    person = make_person(emails=["t@example.com"])
    before = _people_state()
    response = alice_client.post(
        f"/people/{person.pk}/edit/", {**GOOD, "emails": "t@example.com\nbroken@"}
    )
    assert response.status_code == 200
    assert _people_state() == before


def test_hostile_html_in_names_and_notes_is_escaped(alice_client, make_person):
    person = make_person(first_name="<b>Bold</b>", notes="<script>alert(1)</script>")
    html = alice_client.get(f"/people/{person.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Bold</b>" not in alice_client.get("/people/").content.decode()


def test_the_list_filters_by_circle_tag_target_and_last_touch(alice_client, workspace, make_person):
    from kontaktpflege.contacts.services import organisation_create

    acme = organisation_create(workspace=workspace, name="Acme", is_target=True)
    core = make_person(first_name="Kern", last_name="Person", circle="core", tags=["Golf"])
    target = make_person(first_name="Ziel", last_name="Person", organisation=acme)
    touched = make_person(first_name="Neu", last_name="Kontakt")
    touchpoint_log(workspace=workspace, participants=[touched], summary="Call", channel="call")

    def names(query):
        html = alice_client.get("/people/" + query).content.decode()
        return {p.full_name for p in (core, target, touched) if p.full_name in html}

    assert names("?circle=core") == {"Kern Person"}
    tag_id = core.tags.get().pk
    assert names(f"?tag={tag_id}") == {"Kern Person"}
    assert names("?target=1") == {"Ziel Person"}
    assert names("?never=1") == {"Kern Person", "Ziel Person"}
    assert names("?touched_after=2000-01-01") == {"Neu Kontakt"}


def test_the_list_paginates_and_keeps_filters(alice_client, workspace):
    from kontaktpflege.contacts.services import person_create

    for i in range(55):
        person_create(
            workspace=workspace, first_name=f"P{i:02d}", last_name="Netz", circle="network"
        )
    first = alice_client.get("/people/?circle=network").content.decode()
    assert "Page 1 of 2" in first
    link = re.search(r'rel="next" href="\?([^"]+)"', first).group(1).replace("&amp;", "&")
    assert link.startswith("circle=network&cursor=")
    second = alice_client.get(f"/people/?{link}").content.decode()
    assert "P54 Netz" in second and "P00 Netz" not in second
    assert "Page 2 of 2" in second


def test_the_list_and_person_page_use_a_fixed_number_of_queries(alice_client, workspace):
    from kontaktpflege.contacts.services import person_create

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert alice_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    person_create(workspace=workspace, first_name="A", last_name="B", tags=["x"])
    few = count("/people/")
    for i in range(20):
        person_create(workspace=workspace, first_name=f"N{i}", last_name="M", tags=["x", "y"])
    assert count("/people/") == few
    person = Person.objects.filter(first_name="N1").get()
    for i in range(5):
        touchpoint_log(workspace=workspace, participants=[person], summary=f"T{i}")
    once = count(f"/people/{person.pk}/")
    for i in range(10):
        touchpoint_log(workspace=workspace, participants=[person], summary=f"U{i}")
    assert count(f"/people/{person.pk}/") == once


def test_the_empty_list_explains_what_to_do_first(alice_client):
    html = alice_client.get("/people/?circle=dormant").content.decode()
    assert "Nobody matches" in html
    html = alice_client.get("/people/").content.decode()
    # The user's own node is not a contact (issue #11): a new account's list is empty.
    assert "Your network starts here" in html
    assert "Alice Adler" not in html


def test_quick_log_reports_an_unknown_name_and_logs_nothing(alice_client, make_person):
    make_person()
    response = alice_client.post("/log/quick/", {"text": "Kaffee mit Zacharias"})
    assert response.status_code == 400
    assert "Nobody called “Zacharias” was found." in response.content.decode()
    from kontaktpflege.touchpoints.models import Touchpoint

    assert not Touchpoint.objects.exists()


def test_quick_log_asks_to_disambiguate_two_thomases(alice_client, make_person):
    make_person(first_name="Thomas", last_name="Müller")
    make_person(first_name="Thomas", last_name="Schmidt")
    response = alice_client.post("/log/quick/", {"text": "Kaffee mit Thomas"})
    assert response.status_code == 400
    assert "matches 2 people" in response.content.decode()


def test_a_person_page_shows_timeline_relationships_and_employment(
    alice_client, workspace, make_person
):
    from kontaktpflege.contacts.services import relationship_set

    person = make_person(organisation=None)
    friend = make_person(first_name="Julia", last_name="Weber")
    relationship_set(a=person, b=friend, strength=5, context="studies")
    alice_client.post(
        f"/people/{person.pk}/employment/",
        {
            "organisation_name": "Neue Firma AG",
            "title": "Leiter",
            "start_date": "2025-01-01",
            "is_current": "on",
        },
    )
    touchpoint_log(workspace=workspace, participants=[person, friend], summary="Stammtisch")
    html = alice_client.get(f"/people/{person.pk}/").content.decode()
    assert "Stammtisch" in html and "Julia Weber" in html and "Neue Firma AG" in html
    person.refresh_from_db()
    assert person.organisation.name == "Neue Firma AG"


def test_introduced_by_links_to_someone_in_the_network(alice_client, make_person):
    julia = make_person(first_name="Julia", last_name="Weber")
    response = alice_client.post(
        "/people/new/", {**GOOD, "last_name": "Neu", "introduced_by_name": "Julia Weber"}
    )
    assert response.status_code == 302
    assert Person.objects.get(last_name="Neu").introduced_by == julia


def test_an_unknown_introducer_is_a_field_error_and_nothing_is_saved(alice_client, make_person):
    before = _people_state()
    response = alice_client.post("/people/new/", {**GOOD, "introduced_by_name": "Niemand Da"})
    assert response.status_code == 200
    assert "Nobody called “Niemand Da” was found." in response.content.decode()
    assert _people_state() == before


def test_adding_a_connection_to_an_unknown_name_shows_the_form_again(alice_client, make_person):
    from kontaktpflege.contacts.models import Relationship

    person = make_person()
    url = f"/people/{person.pk}/relationships/"
    assert alice_client.get(url).status_code == 200
    response = alice_client.post(
        url, {"other_name": "Niemand", "strength": "3", "context": "colleague"}
    )
    assert response.status_code == 400
    assert "Nobody called “Niemand” was found." in response.content.decode()
    assert not Relationship.objects.exists()
    julia = make_person(first_name="Julia", last_name="Weber")
    alice_client.post(url, {"other_name": "Julia Weber", "strength": "5", "context": "studies"})
    edge = Relationship.objects.get()
    assert {edge.from_person_id, edge.to_person_id} == {person.pk, julia.pk}
    assert edge.strength == 5


def test_the_list_exports_with_its_filters(alice_client, make_person):
    make_person(first_name="Kern", last_name="Person", circle="core")
    make_person(first_name="Netz", last_name="Person", circle="network")
    html = alice_client.get("/people/?circle=core").content.decode()
    assert "/data/export/?format=csv&amp;circle=core&amp;" in html
    response = alice_client.get("/data/export/?format=csv&circle=core&")
    body = b"".join(response.streaming_content if response.streaming else [response.content])
    text = body.decode("utf-8-sig")
    assert "Kern" in text and "Netz" not in text


def test_times_are_read_and_shown_in_the_users_time_zone(alice_client, alice, make_person):
    import datetime as dt

    from kontaktpflege.touchpoints.models import Touchpoint

    person = make_person()
    alice.time_zone = "Europe/Berlin"
    alice.save(update_fields=["time_zone"])
    alice_client.post(
        f"/people/{person.pk}/log/",
        {
            "occurred_at": "2026-07-01T14:00",
            "channel": "call",
            "direction": "out",
            "summary": "Anruf",
        },
    )
    touchpoint = Touchpoint.objects.get()
    assert touchpoint.occurred_at == dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
    page = alice_client.get(f"/people/{person.pk}/").content.decode()
    assert "14:00" in page or "2 p.m." in page


def test_the_last_touch_filter_uses_the_users_calendar_day(
    alice_client, alice, workspace, make_person
):
    import datetime as dt

    person = make_person(first_name="Spät", last_name="Abends")
    alice.time_zone = "America/New_York"
    alice.save(update_fields=["time_zone"])
    # 23:30 in New York on 1 July is already 2 July in UTC.
    late = dt.datetime(2026, 7, 2, 3, 30, tzinfo=dt.UTC)
    touchpoint_log(workspace=workspace, participants=[person], summary="spät", occurred_at=late)
    html = alice_client.get("/people/?touched_before=2026-07-01").content.decode()
    assert "Spät Abends" in html
    html = alice_client.get("/people/?touched_after=2026-07-02").content.decode()
    assert "Spät Abends" not in html


def test_deleting_a_person_keeps_shared_touchpoints_and_removes_their_own(
    alice_client, workspace, make_person
):
    from kontaktpflege.touchpoints.models import Touchpoint

    person = make_person()
    friend = make_person(first_name="Julia", last_name="Weber")
    touchpoint_log(workspace=workspace, participants=[person], summary="Nur wir")
    touchpoint_log(workspace=workspace, participants=[person, friend], summary="Zu dritt")
    alice_client.post(f"/people/{person.pk}/delete/")
    assert list(Touchpoint.objects.values_list("summary", flat=True)) == ["Zu dritt"]
    assert not Person.objects.filter(pk=person.pk).exists()


def test_organisation_search_terms_are_encoded_in_page_links(alice_client, workspace):
    from kontaktpflege.contacts.services import organisation_create

    for i in range(55):
        organisation_create(workspace=workspace, name=f"A&B #{i:02d}")
    html = alice_client.get("/organisations/", {"q": "A&B #"}).content.decode()
    assert "q=A%26B+%23&amp;cursor=" in html


def test_a_touchpoint_can_be_edited_and_deleted_after_confirmation(
    alice_client, workspace, make_person
):
    from kontaktpflege.touchpoints.models import Touchpoint

    person = make_person()
    touchpoint = touchpoint_log(workspace=workspace, participants=[person], summary="Kaffe")
    url = f"/log/{touchpoint.pk}/edit/?next=/people/{person.pk}/"
    assert alice_client.get(url).status_code == 200
    response = alice_client.post(
        url,
        {
            "occurred_at": "2026-01-05T09:30",
            "channel": "meeting",
            "direction": "mutual",
            "summary": "Kaffee",
            "notes": "",
            "give_take": "",
            "next": f"/people/{person.pk}/",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/people/{person.pk}/"
    touchpoint.refresh_from_db()
    assert touchpoint.summary == "Kaffee"
    person.refresh_from_db()
    assert person.last_touched_at == touchpoint.occurred_at

    bad = alice_client.post(
        url,
        {
            "occurred_at": "2026-01-05T09:30",
            "channel": "meeting",
            "direction": "mutual",
            "summary": "",
        },
    )
    assert bad.status_code == 200
    touchpoint.refresh_from_db()
    assert touchpoint.summary == "Kaffee"

    delete_url = f"/log/{touchpoint.pk}/delete/"
    assert "Delete this touchpoint?" in alice_client.get(delete_url).content.decode()
    assert Touchpoint.objects.exists()
    alice_client.post(delete_url)
    assert not Touchpoint.objects.exists()
    person.refresh_from_db()
    assert person.last_touched_at is None


def test_a_birthday_without_year_is_shown_as_day_and_month(alice_client, make_person):
    person = make_person(birthday_day=3, birthday_month=2)
    html = alice_client.get(f"/people/{person.pk}/").content.decode()
    assert "February 3" in html or "3 February" in html


def test_the_timeline_names_the_others_in_a_touchpoint_without_a_trailing_comma(
    alice_client, workspace, make_person
):
    ada = make_person(first_name="Ada", last_name="Ort")
    ben = make_person(first_name="Ben", last_name="Ort")
    julia = make_person(first_name="Julia", last_name="Weber")
    touchpoint_log(workspace=workspace, participants=[ada, ben, julia], summary="Mittagessen")
    page = alice_client.get(f"/people/{julia.pk}/").content.decode()
    # The commas come from the stylesheet between the names (.name-list), never after the last.
    names = page.split('<span class="name-list">')[1].split("</span></span></div>")[0]
    assert sorted(names.removeprefix("<span>").split("</span><span>")) == ["Ada Ort", "Ben Ort"]
    assert "Ort," not in page


def test_the_cached_person_page_shows_every_change_at_once(alice_client, workspace, make_person):
    """The profile and timeline are cached under a digest of what they show (web/fragments)."""
    from kontaktpflege.contacts.models import Organisation
    from kontaktpflege.contacts.services import person_update
    from kontaktpflege.touchpoints.services import touchpoint_update

    person = make_person(emails=["t@example.org"])
    friend = make_person(first_name="Julia", last_name="Weber")
    tp = touchpoint_log(workspace=workspace, participants=[person, friend], summary="Kaffee")
    url = f"/people/{person.pk}/"

    def page():
        return alice_client.get(url).content.decode()

    assert "Kaffee" in page() and "Julia Weber" in page()
    touchpoint_update(touchpoint=tp, summary="Mittagessen")
    assert "Mittagessen" in page() and "Kaffee" not in page()
    Person.objects.filter(pk=friend.pk).update(last_name="Schmidt")  # not even updated_at
    assert "Julia Schmidt" in page()
    person = Person.objects.get(pk=person.pk)
    person_update(person=person, emails=["neu@example.org"], tags=["Messe"])
    html = page()
    assert "neu@example.org" in html and "t@example.org" not in html and "Messe" in html
    org = Organisation.objects.create(workspace=workspace, name="Acme", name_folded="acme")
    Person.objects.filter(pk=person.pk).update(organisation=org, notes="Mag Tee")
    html = page()
    assert "Acme" in html and "Mag Tee" in html
    Organisation.objects.filter(pk=org.pk).update(name="Beta AG")
    assert "Beta AG" in page()
    tp.delete()
    assert "Mittagessen" not in page()


def test_the_cached_timeline_follows_the_readers_rights_and_language(
    alice_client, bob, workspace, make_person
):
    from django.test import Client

    from kontaktpflege.accounts.models import Membership

    person = make_person()
    touchpoint_log(workspace=workspace, participants=[person], summary="Kaffee")
    url = f"/people/{person.pk}/"
    assert "/edit/?next=" in alice_client.get(url).content.decode()
    Membership.objects.filter(user=bob, workspace=workspace).update(role="viewer")
    reader = Client()
    reader.force_login(bob)
    html = reader.get(url).content.decode()
    assert "Kaffee" in html and "/edit/?next=" not in html
    alice = workspace.memberships.get(role="owner").user
    alice.language = "de"
    alice.save(update_fields=["language"])
    assert re.search(r'/edit/\?next=[^"]*">Bearbeiten</a>', alice_client.get(url).content.decode())


def test_a_person_with_thousands_of_connections_shows_the_strongest_hundred(
    alice_client, workspace, make_person
):
    from kontaktpflege.contacts.models import Relationship

    hub = make_person(first_name="Hub", last_name="Mitte")
    others = [
        Person(workspace=workspace, first_name=f"K{i:03d}", last_name="Netz") for i in range(105)
    ]
    Person.objects.bulk_create(others)
    Relationship.objects.bulk_create(
        Relationship(workspace=workspace, from_person=hub, to_person=o, strength=1 + (i == 104) * 4)
        for i, o in enumerate(others)
    )
    html = alice_client.get(f"/people/{hub.pk}/").content.decode()
    assert "K104 Netz" in html  # the strongest first
    assert html.count("Remove connection") == 100
    assert "The 100 strongest connections are shown." in html
