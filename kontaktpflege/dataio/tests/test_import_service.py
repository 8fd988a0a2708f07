"""The import as a whole: people, employment, known since, idempotence, row atomicity."""

from __future__ import annotations

import datetime as dt

import pytest

from kontaktpflege.contacts.models import EmailAddress, Employment, Organisation, Person, Tag
from kontaktpflege.dataio import bulk
from kontaktpflege.dataio.models import ImportKey
from kontaktpflege.touchpoints.models import Touchpoint


def snapshot():
    """Row counts of every table an import writes."""
    return {
        m.__name__: m.objects.count()
        for m in (Person, EmailAddress, Employment, Organisation, Tag, Touchpoint, ImportKey)
    }


def test_it_imports_linkedin_connections_with_employment_and_known_since(import_file, workspace):
    outcome = import_file("linkedin_current.csv")
    assert outcome.counts["new"] == 10
    assert outcome.counts["invalid"] == 1
    jana = Person.objects.get(workspace=workspace, last_name="Beispiel")
    assert jana.organisation.name == "Musterwerk GmbH"
    assert jana.job_title == "Head of Design"
    job = Employment.objects.get(person=jana)
    assert (job.organisation_id, job.title, job.is_current) == (
        jana.organisation_id,
        "Head of Design",
        True,
    )
    # "Connected On" is when we connected, not a conversation: known since, no touchpoint.
    assert jana.known_since == dt.date(2024, 10, 7)
    assert not Touchpoint.objects.filter(participants=jana).exists()
    assert jana.last_touched_at is None
    assert (jana.circle, jana.origin) == ("unsorted", "import")


def test_it_makes_people_findable_by_search(import_file, workspace):
    from kontaktpflege.contacts.selectors import PersonFilters, person_list

    import_file("linkedin_current.csv")
    found = person_list(workspace=workspace, filters=PersonFilters(q="musterwerk"))
    assert [p.last_name for p in found] == ["Beispiel"]


def test_it_writes_the_same_search_text_as_the_services(import_file, workspace):
    from kontaktpflege.contacts.services import person_reindex

    import_file("google_current.csv")
    before = dict(Person.objects.values_list("id", "search_text"))
    person_reindex(person_ids=list(before))
    assert dict(Person.objects.values_list("id", "search_text")) == before


@pytest.mark.parametrize(
    "name",
    [
        "linkedin_current.csv",
        "linkedin_2018.csv",
        "google_current.csv",
        "google_legacy_utf16.csv",
        "outlook_en.csv",
        "outlook_de_cp1252.csv",
        "vcard21.vcf",
        "vcard30.vcf",
        "vcard40.vcf",
        "excel_de_cp1252.csv",
        "excel_de_utf8bom.csv",
    ],
)
def test_importing_the_same_file_twice_adds_nothing(import_file, name):
    first = import_file(name)
    assert first.counts["new"] > 0
    before = snapshot()
    second = import_file(name)
    assert second.counts["new"] == 0
    assert second.counts["updated"] == 0
    assert snapshot() == before


def test_it_fills_blanks_of_a_matching_person_without_overwriting(
    import_file, make_person, workspace
):
    karl = make_person(
        first_name="Karl", last_name="Sommer", emails=["karl.sommer@example.de"], job_title="Chef"
    )
    outcome = import_file("linkedin_2018.csv")
    assert outcome.counts["updated"] == 1
    karl.refresh_from_db()
    assert karl.job_title == "Chef"  # kept
    assert karl.organisation.name == "Sommer & Söhne"  # filled
    assert karl.known_since is not None  # filled from "Connected On"
    assert not Touchpoint.objects.filter(participants=karl).exists()
    assert karl.last_touched_at is None
    assert karl.circle == "network"  # a person the user already sorted keeps their circle


def test_an_existing_person_listed_twice_keeps_the_earliest_connected_on(
    import_file, make_person, workspace
):
    """The later row fills what the earlier left blank; known since is the earliest date,
    whatever other people's rows the updates are written with."""
    make_person(first_name="Ada", last_name="Ahrens", emails=["ada@example.org"])
    ben = make_person(first_name="Ben", last_name="Brandt", emails=["ben@example.org"])
    data = (
        b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        b"Ada,Ahrens,,ada@example.org,,,01 Jan 2020\n"
        b"Ben,Brandt,https://www.linkedin.com/in/ben,ben@example.org,,,01 Jan 2021\n"
        b"Ben,Brandt,,ben@example.org,,,01 Jan 2019\n"
    )
    outcome = import_file(data)
    assert outcome.counts["updated"] == 3
    ben.refresh_from_db()
    assert ben.known_since == dt.date(2019, 1, 1)
    assert ben.linkedin_url == "https://www.linkedin.com/in/ben"


def test_it_counts_a_person_listed_twice_in_one_file_once(import_file, workspace):
    data = (
        b"First Name,Last Name,Email Address,Company,Position,Connected On\n"
        b"Ina,Hahn,ina@example.org,Hahnwerk,CEO,01 Jan 2020\n"
        b"Ina,Hahn,ina.hahn@example.org,Hahnwerk,,01 Jan 2020\n"
    )
    outcome = import_file(data)
    assert (outcome.counts["new"], outcome.counts["duplicate"]) == (1, 1)
    ina = Person.objects.get(workspace=workspace, last_name="Hahn")
    assert sorted(ina.emails.values_list("email", flat=True)) == [
        "ina.hahn@example.org",
        "ina@example.org",
    ]
    assert import_file(data).counts["new"] == 0


def test_it_notes_a_possible_duplicate_by_fuzzy_name_and_organisation(
    import_file, make_person, workspace
):
    from kontaktpflege.contacts.services import organisation_get_or_create

    org = organisation_get_or_create(workspace=workspace, name="Musterwerk GmbH")
    make_person(first_name="Jana", last_name="Beyspiel", organisation=org)
    outcome = import_file("linkedin_current.csv")
    assert outcome.counts["possible_duplicate"] == 1
    notes = [
        p
        for p in outcome.problems
        if p["kind"] == "note" and "same person" in " ".join(p["problems"])
    ]
    assert notes and "same organisation" in notes[0]["problems"][0]


def test_an_invalid_row_is_reported_and_the_others_import(import_file, workspace):
    # A row without any name (nor an email to name it after) cannot become a person.
    data = (
        b"First Name,Last Name,Email Address,Company,Position,Connected On\n"
        b"Gute,Zeile,gut@example.org,,,01 Jan 2020\n"
        b",,,Namenlos GmbH,Einkauf,01 Jan 2020\n"
        b"Noch,Eine,noch@example.org,,,01 Jan 2020\n"
    )
    outcome = import_file(data)
    assert outcome.counts["new"] == 2
    assert (outcome.problems[0]["row"], outcome.problems[0]["kind"]) == (3, "invalid")
    assert not Person.objects.filter(organisation__name="Namenlos GmbH").exists()


def test_an_email_that_is_not_an_address_is_left_out_and_the_row_imports(import_file, workspace):
    data = (
        b"First Name,Last Name,Email Address,Company,Position,Connected On\n"
        b"Kaputte,Zeile,kein-at-zeichen,,,01 Jan 2020\n"
    )
    outcome = import_file(data)
    assert (outcome.counts["new"], outcome.counts["invalid"]) == (1, 0)
    person = Person.objects.get(first_name="Kaputte")
    assert not person.emails.exists()
    assert outcome.problems == [
        {
            "row": 2,
            "kind": "warning",
            "problems": ["“kein-at-zeichen” is not a valid email address; left out."],
        }
    ]


def test_a_failure_in_one_row_keeps_the_rows_before_and_after(import_file, workspace, monkeypatch):
    rows = ["First Name,Last Name,Company,Position,Connected On"]
    rows += [f"Person{i},Nummer{i},Firma {i % 7},Rolle,01 Jan 2020" for i in range(1, 31)]
    original = bulk._create_people

    def explode_on_row_nine(workspace, rows, orgs, user):
        if any(r.fields["first_name"] == "Person9" for r in rows):
            raise bulk.DatabaseError("disk full (simulated)")
        return original(workspace, rows, orgs, user)

    monkeypatch.setattr(bulk, "_create_people", explode_on_row_nine)
    outcome = import_file("\n".join(rows).encode(), chunk_size=10)
    assert outcome.counts["new"] == 29
    assert [p["row"] for p in outcome.problems if p["kind"] == "failed"] == [10]
    assert Person.objects.filter(first_name__startswith="Person").count() == 29
    assert not Person.objects.filter(first_name="Person9").exists()
    assert Employment.objects.filter(person__first_name__startswith="Person").count() == 29


def test_a_cancelled_import_keeps_finished_chunks_and_lists_the_rest(import_file, workspace):
    rows = ["First Name,Last Name"] + [f"P{i},N{i}" for i in range(25)]
    calls = []

    def progress(done):
        calls.append(done)
        return done < 10

    outcome = import_file("\n".join(rows).encode(), chunk_size=10, progress=progress)
    assert outcome.cancelled
    assert Person.objects.filter(first_name__startswith="P").count() == 10
    assert outcome.counts["not_imported"] == 15
    assert sum(1 for p in outcome.problems if p["kind"] == "cancelled") == 15


def test_it_drops_linkedin_member_urns_and_exchange_addresses_with_a_note(import_file, workspace):
    outcome = import_file("linkedin_2018.csv")
    mira = Person.objects.get(workspace=workspace, last_name="Stein")
    assert not mira.emails.exists()
    outlook = import_file("outlook_en.csv")
    piotr = Person.objects.get(workspace=workspace, last_name="Nowak")
    assert list(piotr.emails.values_list("email", flat=True)) == ["piotr.nowak@example.pl"]
    assert any(
        "internal address" in " ".join(p["problems"]) for p in outcome.problems + outlook.problems
    )


def test_it_leaves_out_a_phone_number_excel_destroyed(import_file, workspace):
    outcome = import_file("excel_de_cp1252.csv", phone_country="DE")
    renee = Person.objects.get(workspace=workspace, last_name="Fröhlich")
    assert not renee.phones.exists()
    assert any("shortened by Excel" in " ".join(p["problems"]) for p in outcome.problems)
    guenther = Person.objects.get(workspace=workspace, last_name="Maßmann")
    assert list(guenther.phones.values_list("number", flat=True)) == ["+4915123456789"]


def test_the_bulk_path_writes_the_same_rows_as_the_services(import_file, workspace, charlie):
    from django.forms.models import model_to_dict

    from kontaktpflege.contacts.services import organisation_get_or_create, person_create

    data = (
        b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        b"Jana,Beispiel,https://www.linkedin.com/in/jana,jana@example.org,"
        b"Musterwerk,CTO,07 Oct 2024\n"
    )
    import_file(data)
    bulk_person = Person.objects.get(workspace=workspace, last_name="Beispiel")
    other = charlie.active_workspace
    org = organisation_get_or_create(workspace=other, name="Musterwerk")
    service_person = person_create(
        workspace=other,
        first_name="Jana",
        last_name="Beispiel",
        linkedin_url="https://www.linkedin.com/in/jana",
        emails=["jana@example.org"],
        organisation=org,
        job_title="CTO",
        known_since=dt.date(2024, 10, 7),
        circle="unsorted",
        origin="import",
    )
    service_person.refresh_from_db()
    ignore = {"id", "workspace", "organisation", "person", "created_by", "participants", "tags"}

    def same(a, b):
        return {k: v for k, v in model_to_dict(a).items() if k not in ignore} == {
            k: v for k, v in model_to_dict(b).items() if k not in ignore
        }

    assert same(bulk_person, service_person)
    assert bulk_person.search_text == service_person.search_text
    assert same(bulk_person.employments.get(), service_person.employments.get())
    assert same(bulk_person.emails.get(), service_person.emails.get())
    assert not Touchpoint.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_imported_peoples_follow_ups_are_computed_by_the_worker(workspace, settings):
    """New people get no items while unsorted; sorted (the triage announces it), the worker
    (database queue) computes their cadence."""
    from django.core.management import call_command

    from kontaktpflege.contacts.services import people_bulk_update
    from kontaktpflege.dataio.services import import_data
    from kontaktpflege.dataio.tests.conftest import fixture_bytes
    from kontaktpflege.followups.models import FollowUp

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    import_data(
        workspace=workspace,
        data=fixture_bytes("linkedin_current.csv"),
        filename="Connections.csv",
        fmt="linkedin",
    )
    imported = Person.objects.filter(workspace=workspace, user__isnull=True)
    assert imported.exists()
    assert not FollowUp.objects.filter(person__in=imported).exists()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert not FollowUp.objects.filter(person__in=imported).exists()  # unsorted: no items
    chosen = list(imported.order_by("pk").values_list("pk", flat=True)[:3])
    people_bulk_update(workspace=workspace, person_ids=chosen, circle="core")
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert set(
        FollowUp.objects.filter(person__in=imported, rule="keep_in_touch").values_list(
            "person_id", flat=True
        )
    ) == set(chosen)
