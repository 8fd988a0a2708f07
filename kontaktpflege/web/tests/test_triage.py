"""Issue #10, point 12: an import does not flood Today; triage and bulk actions sort people."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
import time_machine

from kontaktpflege.contacts.models import Organisation, Person
from kontaktpflege.dataio.services import import_data
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.followups.tests.conftest import berlin
from kontaktpflege.touchpoints.models import Touchpoint

pytestmark = pytest.mark.django_db


def linkedin_csv(n: int) -> bytes:
    """A synthetic LinkedIn export: n connections made years ago (no real people)."""
    lines = [
        "Notes:",
        '"When exporting your connection data, you may notice that some of the email '
        'addresses are missing."',
        "",
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
    ]
    for i in range(n):
        lines.append(
            f"Vorname{i:03d},Nachname{i:03d},https://www.linkedin.com/in/person-{i:03d},,"
            f"Firma {i % 17},Rolle {i % 5},{(i % 28) + 1:02d} Mar {2012 + i % 10}"
        )
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def imported(alice, workspace, django_capture_on_commit_callbacks):
    """200 LinkedIn connections imported into alice's workspace, follow-ups computed."""
    with (
        time_machine.travel(berlin(2025, 6, 2, 8), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        outcome = import_data(
            workspace=workspace, data=linkedin_csv(200), filename="Connections.csv", user=alice
        )
    assert outcome.counts["new"] == 200
    return list(Person.objects.filter(workspace=workspace, origin="import").order_by("pk"))


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_an_import_of_200_connections_shows_one_triage_item_not_200(
    imported, alice_client, bob_client
):
    assert {p.circle for p in imported} == {"unsorted"}
    assert all(p.known_since and p.known_since.year < 2022 for p in imported)
    assert all(p.last_touched_at is None for p in imported)
    assert not Touchpoint.objects.exists()
    assert not FollowUp.objects.filter(person__in=imported).exists()
    en = alice_client.get("/").content.decode()
    assert en.count('id="triage-item"') == 1
    assert "200 new people from your import: choose your key contacts" in en
    assert 'class="followup ' not in en and "overdue" not in en.lower().replace("-overdue", "")
    de = bob_client.get("/").content.decode()
    assert "200 neue Personen aus Ihrem Import: wählen Sie Ihre wichtigsten Kontakte" in de
    person = alice_client.get(f"/people/{imported[0].pk}/").content.decode()
    assert 'id="known-since"' in person and "03/01/2012" in person


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_the_triage_page_sorts_50_at_a_time_and_today_shows_what_is_due_for_them(
    imported, alice_client, django_capture_on_commit_callbacks
):
    page = alice_client.get("/people/triage/").content.decode()
    assert page.count('name="ids"') == 50
    first_page = imported[:50]
    key = first_page[:20]
    data = {"ids": [p.pk for p in first_page], "after": "0", "action": "save"}
    for p in key:
        data[f"circle-{p.pk}"] = "core"
        data[f"form-{p.pk}"] = "du"
        data[f"tags-{p.pk}"] = "Schlüsselkontakt, Design"
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/people/triage/save/", data)
    assert response.status_code == 302
    assert response["Location"] == f"/people/triage/?after={first_page[-1].pk}"
    chosen = Person.objects.filter(pk__in=[p.pk for p in key])
    assert {(p.circle, p.form_of_address) for p in chosen} == {("core", "du")}
    assert all(
        sorted(p.tags.values_list("name", flat=True)) == ["Design", "Schlüsselkontakt"]
        for p in chosen
    )
    assert Person.objects.filter(circle="unsorted").count() == 180
    # The next 50 come next; the rest can be left unsorted, and Today stops asking.
    next_page = alice_client.get(response["Location"]).content.decode()
    assert f'value="{imported[50].pk}"' in next_page and f'value="{key[0].pk}"' not in next_page
    response = alice_client.post(
        "/people/triage/save/",
        {"ids": [p.pk for p in imported[50:100]], "after": key[-1].pk, "action": "leave"},
    )
    assert response["Location"] == "/"
    today = alice_client.get("/").content.decode()
    assert 'id="triage-item"' not in today
    # Only the 20 key contacts have items: their cadence, due a month after the import.
    assert set(FollowUp.objects.values_list("person_id", flat=True)) == {p.pk for p in key}
    assert set(FollowUp.objects.values_list("rule", "due_on")) == {
        ("keep_in_touch", dt.date(2025, 7, 2))
    }


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_a_bad_triage_choice_changes_nothing(imported, alice_client, charlie):
    data = {"ids": [imported[0].pk, imported[1].pk], "after": "0", "action": "save"}
    data[f"circle-{imported[0].pk}"] = "core"
    data[f"circle-{imported[1].pk}"] = "unsorted-or-worse"
    response = alice_client.post("/people/triage/save/", data, follow=True)
    assert "Unknown circle." in response.content.decode()
    assert Person.objects.filter(circle="unsorted").count() == 200
    foreign = Person.objects.create(workspace=charlie.active_workspace, last_name="Fremd")
    response = alice_client.post(
        "/people/triage/save/", {"ids": [foreign.pk], f"circle-{foreign.pk}": "core"}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.circle == "network"


def test_bulk_actions_on_the_people_list_without_javascript(
    alice_client, make_person, django_capture_on_commit_callbacks
):
    acme = Organisation.objects.create(
        workspace=make_person().workspace, name="Acme", name_folded="acme"
    )
    people = [make_person(first_name=f"P{i}", organisation=acme) for i in range(3)]
    other = make_person(first_name="Other")
    page = alice_client.get("/people/").content.decode()
    assert 'id="bulk-bar"' in page and f'name="ids" value="{people[0].pk}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            "/people/bulk/",
            {
                "ids": [p.pk for p in people],
                "circle": "active",
                "form_of_address": "du",
                "tags": "Alumni, Berlin",
                "target": "1",
                "next": "/people/?circle=active",
            },
        )
    assert response.status_code == 302 and response["Location"] == "/people/?circle=active"
    for p in people:
        p.refresh_from_db()
        assert (p.circle, p.form_of_address) == ("active", "du")
        assert sorted(p.tags.values_list("name", flat=True)) == ["Alumni", "Berlin"]
        assert "alumni" in p.search_text.lower()
    acme.refresh_from_db()
    assert acme.is_target
    other.refresh_from_db()
    assert other.circle == "network" and not other.tags.exists()


def test_bad_bulk_actions_say_why_and_change_nothing(alice_client, make_person, charlie, bob):
    mine = make_person(first_name="Mine")
    theirs = Person.objects.create(workspace=charlie.active_workspace, last_name="Theirs")
    cases = [
        ({"ids": [mine.pk], "circle": "inner"}, "Select a valid choice"),
        ({"ids": [mine.pk]}, "Choose what to change."),
        ({"circle": "core"}, "Choose at least one person."),
        ({"ids": [mine.pk, theirs.pk], "circle": "core"}, "Not found."),
        ({"ids": ["x"], "circle": "core"}, "Not found."),
    ]
    for data, message in cases:
        response = alice_client.post("/people/bulk/", data, follow=True)
        assert message in response.content.decode(), data
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.circle, theirs.circle) == ("network", "network")


def test_linkedin_import_touchpoints_become_known_since_in_the_migration(
    workspace, make_person, django_capture_on_commit_callbacks
):
    from django.apps import apps

    from kontaktpflege.dataio.models import ImportKey
    from kontaktpflege.touchpoints.services import touchpoint_log

    old = make_person(first_name="Alt")
    ImportKey.objects.create(workspace=workspace, key="k1", person=old)
    connected = berlin(2014, 10, 7, 12)
    touchpoint_log(
        workspace=workspace,
        participants=[old],
        summary="Connected on LinkedIn",
        channel="linkedin",
        occurred_at=connected,
        source="dataio:linkedin",
    )
    real = touchpoint_log(
        workspace=workspace,
        participants=[old],
        summary="Kaffee",
        occurred_at=berlin(2020, 2, 3, 10),
    )
    migration = importlib.import_module(
        "kontaktpflege.contacts.migrations.0005_linkedin_touch_to_known_since"
    )
    migration.forwards(apps, None)
    old.refresh_from_db()
    assert old.known_since == dt.date(2014, 10, 7)
    assert old.origin == "import"
    assert old.last_touched_at == real.occurred_at
    assert list(Touchpoint.objects.values_list("summary", flat=True)) == ["Kaffee"]
