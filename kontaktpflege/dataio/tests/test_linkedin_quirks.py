"""LinkedIn 2018–2026 exports as they arrive (issue #10, points 1, 4, 8, 9, 10, 11): the
synthetic corpus in fixtures/li_*.csv imports with the expected values, field by field, through
the service the CLI uses, through the CLI itself and through the web flow with the worker."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from kontaktpflege.contacts.models import Person
from kontaktpflege.dataio import services
from kontaktpflege.dataio.importers import parse_file
from kontaktpflege.dataio.models import ColumnMapping, ImportJob
from kontaktpflege.dataio.tests.conftest import FIXTURES, fixture_bytes
from kontaktpflege.touchpoints.models import Touchpoint

D = dt.date
URL = "https://www.linkedin.com/in/"
# file → rows: (file line, first, last, organisation, position, email, connected on, warning)
CORPUS: dict[str, list[tuple]] = {
    "li_2026_preamble.csv": [
        (5, "Maren", "Feldkamp", "Feldkamp Consulting", "Partnerin", "", D(2026, 1, 14), ""),
        (6, "Jonas", "Wetterau", "Wetterau, Kling & Partner", "Associate", "", D(2025, 3, 3), ""),
        # A position over two lines (lines 7–8) is one line; the next row is on line 9.
        (
            7,
            "Ilka",
            "Brandes",
            "Nordhafen Logistik",
            "Teamleiterin Disposition",
            "ilka.brandes@example.org",
            D(2024, 11, 28),
            "",
        ),
        (
            9,
            "Bent",
            "Solberg",
            "Solberg Marine",
            "Skipper",
            "",
            None,
            "“31 Feb 2024” is not a date",
        ),
    ],
    "li_2024_no_preamble.csv": [
        (2, "Theo", "Marquardt", "Marquardt Bau", "Bauleiter", "", D(2024, 8, 22), ""),
        (3, "Wiebke", "Ahlers", "", "Freelance Illustrator", "", D(2023, 5, 5), ""),
    ],
    "li_2021_no_url.csv": [
        (2, "Rike", "Hollmann", "Hollmann Design", "Gründerin", "", D(2021, 6, 11), ""),
        (
            3,
            "Yusuf",
            "Demirel",
            "Demirel Import",
            "Einkäufer",
            "yusuf.demirel@example.com",
            D(2021, 2, 2),
            "",
        ),
    ],
    "linkedin_2018.csv": [
        (
            2,
            "Karl",
            "Sommer",
            "Sommer & Söhne",
            "Inhaber",
            "karl.sommer@example.de",
            D(2018, 1, 8),
            "",
        ),
        (3, "Mira", "Stein", "Steinbruch KG", "Geologin", "", D(2017, 12, 24), "internal address"),
        (
            4,
            "Tom",
            "Brandt",
            "Brandt Media",
            "Producer",
            "tom.brandt@example.org",
            D(2018, 3, 2),
            "",
        ),
    ],
    "li_headerless.csv": [
        (1, "Carla", "Wendt", "Wendt Maschinenbau", "Konstrukteurin", "", D(2021, 6, 11), ""),
        (
            2,
            "Piet",
            "Oosterhuis",
            "Oosterhuis, van Dijk & Co",
            "Account Manager",
            "",
            D(2020, 9, 17),
            "",
        ),
        (
            3,
            "Marta",
            "Kowalczyk",
            "Baltic Freight",
            "Dispatcher",
            "",
            None,
            "“29 Feb 2021” is not a date",
        ),
        (4, "Ruben", "Falk", "Falk Studios", 'Lead "Sound" Engineer', "", D(2019, 12, 8), ""),
        (5, "Hanne", "Lüders", "", "Rentnerin", "hanne.lueders@example.de", D(2022, 4, 1), ""),
    ],
    "li_headerless_url.csv": [
        (1, "Lotte", "Behrens", "Behrens Verlag", "Lektorin", "", D(2025, 6, 19), ""),
        (2, "Arne", "Jessen", "Jessen, Hinz GmbH", "CFO", "", D(2023, 10, 2), ""),
    ],
    "li_headerless_2018.csv": [
        (1, "Ute", "Rahn", "Rahn KG", "Prokuristin", "ute.rahn@example.de", D(2018, 4, 3), ""),
        (2, "Knut", "Ebel", "Ebel & Sohn", "Meister", "", D(2017, 11, 20), ""),
    ],
    "li_placeholders.csv": [
        (2, "Fenja", "Rasmussen", "", "Selbstständig", "", D(2025, 1, 12), ""),
        (3, "Malte", "Kruse", "", "Student", "", D(2025, 1, 13), ""),
        (4, "Gesa", "Thiele", "", "", "", D(2025, 1, 14), ""),
        (5, "Okke", "Janssen", "Janssen - Holz & Form", "Tischler", "", D(2025, 1, 15), ""),
    ],
    "li_bad_dates.csv": [
        (2, "Silke", "Voss", "Voss Media", "Redakteurin", "", None, "“31 Feb 2023” is not a date"),
        (3, "Timo", "Graf", "Graf IT", "Admin", "", None, "“gestern” is not a date"),
        (4, "Nele", "Ufer", "Ufer & Sand", "Geologin", "", None, "2099-01-01 lies in the future"),
        (5, "Bodo", "Kamp", "Kamp Recht", "Anwalt", "", None, ""),
        (6, "Anke", "Stolle", "Stolle Druck", "Druckerin", "", D(2022, 3, 9), ""),
        (7, "Ewald", "Pohl", "Pohl Archiv", "Archivar", "", None, "1850-01-12 lies in the future"),
    ],
}
TODAY = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _on_a_fixed_day():
    with time_machine.travel(TODAY, tick=False):
        yield


def stored(workspace, first: str, last: str) -> tuple:
    """What the import wrote for one person, in the order of the CORPUS tuples."""
    person = Person.objects.select_related("organisation").get(
        workspace=workspace, first_name=first, last_name=last
    )
    # "Connected On" is when we connected (known since), not a touchpoint (issue #10.12).
    assert not Touchpoint.objects.filter(participants=person).exists()
    return (
        person.first_name,
        person.last_name,
        person.organisation.name if person.organisation else "",
        person.job_title,
        ",".join(e.email for e in person.emails.all()),
        person.known_since,
    )


def check_corpus(name: str, workspace, problems: list[dict]) -> None:
    by_row = {p["row"]: " ".join(p["problems"]) for p in problems}
    for line, first, last, org, position, email, date, warning in CORPUS[name]:
        assert stored(workspace, first, last) == (first, last, org, position, email, date), line
        if warning:
            assert warning in by_row.get(line, ""), (name, line, by_row)
        else:
            assert line not in by_row, (name, line, by_row)
    expected_warnings = sorted(r[0] for r in CORPUS[name] if r[7])
    assert sorted(p["row"] for p in problems if p["kind"] == "warning") == expected_warnings


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_linkedin_variant_imports_every_row_with_its_values(import_file, workspace, name):
    outcome = import_file(name)
    rows = CORPUS[name]
    assert outcome.counts["new"] == len(rows) and outcome.counts["invalid"] == 0
    assert outcome.counts["with_warnings"] == sum(1 for r in rows if r[7])
    assert Person.objects.filter(workspace=workspace, user__isnull=True).count() == len(rows)
    check_corpus(name, workspace, outcome.problems)


@pytest.mark.parametrize(
    "name", ["li_headerless.csv", "li_headerless_url.csv", "li_headerless_2018.csv"]
)
def test_a_headerless_export_is_detected_and_its_first_row_is_data(name):
    result = parse_file(fixture_bytes(name), filename="connections.csv")
    assert result.format == "linkedin" and not result.needs_mapping
    assert [r.line for r in result.rows] == [r[0] for r in CORPUS[name]]
    assert "First Name" in result.headers and "Connected On" in result.headers


def test_a_wrapped_row_with_a_space_before_an_inner_quote_keeps_its_columns():
    rows = parse_file(fixture_bytes("li_headerless.csv"), filename="c.csv").rows
    piet = rows[1]
    assert (piet.organisation, piet.job_title, piet.connected_on) == (
        "Oosterhuis, van Dijk & Co",
        "Account Manager",
        D(2020, 9, 17),
    )


def test_a_csv_with_a_header_in_front_of_linkedin_shaped_rows_is_not_read_as_headerless():
    data = b"Vorname,Name,Mail,Firma,Rolle,Datum\nCarla,Wendt,,Wendt AG,Chefin,11 Jun 2021\n"
    result = parse_file(data, filename="c.csv")
    assert result.format != "linkedin" or result.rows[0].line == 2


@pytest.mark.parametrize(
    ("name", "lines"),
    [
        ("li_2026_preamble.csv", [5, 6, 7, 9]),  # three preamble lines, a cell over two lines
        ("li_headerless.csv", [1, 2, 3, 4, 5]),  # no header: the first line is the first row
        ("google_current.csv", [2, 6]),  # notes and an address over several lines
        ("excel_de_cp1252.csv", [3, 4]),  # a `sep=;` line before the header
    ],
)
def test_row_numbers_are_the_files_own_lines(name, lines):
    result = parse_file(fixture_bytes(name), filename=name)
    assert [r.line for r in result.rows] == lines


def test_a_placeholder_company_creates_no_organisation(import_file, workspace):
    from kontaktpflege.contacts.models import Organisation

    import_file("li_placeholders.csv")
    names = set(Organisation.objects.filter(workspace=workspace).values_list("name", flat=True))
    assert names == {"Janssen - Holz & Form"}


def test_a_bad_connected_on_cell_keeps_the_contact_without_the_date(import_file, workspace):
    outcome = import_file("li_bad_dates.csv")
    assert outcome.counts["new"] == 6 and outcome.counts["invalid"] == 0
    silke = Person.objects.get(workspace=workspace, last_name="Voss")
    assert not Touchpoint.objects.filter(participants=silke).exists()
    assert silke.last_touched_at is None


# ---------------------------------------------------------------------------------------------
# The CLI


def cli(*args: str) -> str:
    out = io.StringIO()
    call_command("import_contacts", *args, stdout=out)
    return out.getvalue()


def test_the_cli_imports_a_headerless_export_without_a_mapping(workspace):
    out = cli(
        str(FIXTURES / "li_headerless.csv"), "--workspace", str(workspace.pk), "--language", "en"
    )
    assert "New: 5" in out and "Invalid: 0" in out and "With warnings: 1" in out
    assert "Row 3: Imported with warnings: “Connected on” “29 Feb 2021” is not a date" in out
    assert "Imported with warnings: row 3." in out
    check_corpus(
        "li_headerless.csv",
        workspace,
        [{"row": 3, "kind": "warning", "problems": ["“29 Feb 2021” is not a date"]}],
    )


def test_the_cli_takes_a_mapping_for_a_headerless_file(workspace):
    out = cli(
        str(FIXTURES / "li_headerless.csv"),
        "--workspace",
        str(workspace.pk),
        "--format",
        "generic_csv",
        "--map",
        "last_name=0,first_name=1,organisation=3,connected_on=5",
        "--language",
        "en",
    )
    assert "New: 5" in out
    carla = Person.objects.get(workspace=workspace, first_name="Wendt")
    assert (carla.last_name, carla.organisation.name, carla.job_title) == (
        "Carla",
        "Wendt Maschinenbau",
        "",
    )


def test_the_cli_reads_a_mapping_file(workspace, tmp_path):
    data = tmp_path / "people.csv"
    data.write_text("Ida Kern,Kernwerk,ida@example.org\nPaul Fink,Finkenhof,paul@example.org\n")
    mapping = tmp_path / "mapping.json"
    mapping.write_text('{"full_name": 0, "organisation": 1, "emails": 2}')
    out = cli(
        str(data), "--workspace", str(workspace.pk), "--map-file", str(mapping), "--language", "en"
    )
    assert "New: 2" in out
    ida = Person.objects.get(workspace=workspace, last_name="Kern")
    assert (ida.first_name, ida.organisation.name, ida.emails.get().email) == (
        "Ida",
        "Kernwerk",
        "ida@example.org",
    )


def test_a_bad_cli_mapping_fails_clearly_and_imports_nothing(workspace):
    before = Person.objects.count()
    path, ws = str(FIXTURES / "li_headerless.csv"), str(workspace.pk)
    with pytest.raises(CommandError, match="Unknown field “vorname”"):
        cli(path, "--workspace", ws, "--map", "vorname=0", "--language", "en")
    with pytest.raises(CommandError, match="counted from 0"):
        cli(path, "--workspace", ws, "--map", "first_name=A", "--language", "en")
    with pytest.raises(CommandError, match="Unbekanntes Feld „vorname“"):
        cli(path, "--workspace", ws, "--map", "vorname=0", "--language", "de")
    assert Person.objects.count() == before


def test_the_cli_speaks_the_users_language(workspace, alice):
    alice.language = "de"
    alice.save(update_fields=["language"])
    out = cli(
        str(FIXTURES / "li_bad_dates.csv"), "--workspace", str(workspace.pk), "--user", "alice"
    )
    assert "Neu: 6" in out and "Mit Warnungen: 4" in out
    assert "Zeile 2: Mit Warnungen importiert:" in out
    assert "Mit Warnungen importiert: Zeilen 2, 3, 4, 7." in out
    english = cli(
        str(FIXTURES / "li_bad_dates.csv"),
        "--workspace",
        str(workspace.pk),
        "--language",
        "en",
        "--dry-run",
    )
    assert "Will be imported with warnings" not in english  # nothing of it is new now
    assert "Already there: 6" in english and "With warnings: 0" in english


def test_the_cli_dry_run_says_which_rows_would_not_be_imported(workspace):
    before = Person.objects.count()
    out = cli(
        str(FIXTURES / "linkedin_current.csv"),
        "--workspace",
        str(workspace.pk),
        "--dry-run",
        "--language",
        "en",
    )
    assert "Will not be imported: row 14." in out and "Row 14: Not imported:" in out
    assert Person.objects.count() == before


# ---------------------------------------------------------------------------------------------
# The web flow: upload → worker → preview → confirm → worker → result


def upload(client, name: str, data: bytes | None = None):
    file = SimpleUploadedFile(name, data if data is not None else fixture_bytes(name))
    return client.post("/data/import/", {"file": file, "format": "auto"})


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_linkedin_variant_imports_through_the_web_flow(
    alice_client, database_queue, workspace, name
):
    response = upload(alice_client, name)
    job = ImportJob.objects.get()
    run_worker()
    job.refresh_from_db()
    rows = CORPUS[name]
    assert job.state == "previewed" and job.format == "linkedin"
    assert job.counts["new"] == len(rows) and job.counts["invalid"] == 0
    page = alice_client.get(response.url).content.decode()
    assert 'id="import-sample"' in page and "Change column mapping" in page
    alice_client.post(f"/data/import/{job.pk}/confirm/")
    run_worker()
    job.refresh_from_db()
    assert job.state == "done" and job.counts["new"] == len(rows)
    check_corpus(name, workspace, job.problems)
    result = alice_client.get(f"/data/import/{job.pk}/progress/").content.decode()
    warned = [str(r[0]) for r in rows if r[7]]
    if warned:
        assert re.search(rf"Imported with warnings: rows? {', '.join(warned)}\.", result)
    assert "Not imported: row" not in result


def test_the_mapping_page_never_shows_a_data_row_as_the_header(alice_client, workspace, alice):
    data = b"Ida Kern,Kernwerk,ida@example.org\nPaul Fink,Finkenhof,paul@example.org\n"
    job = services.import_job_create(workspace=workspace, user=alice, data=data, filename="p.csv")
    services.import_parse(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "needs_mapping" and job.mapping["headers"] == ["", "", ""]
    page = alice_client.get(f"/data/import/{job.pk}/mapping/").content.decode()
    labels = re.findall(r'<label for="id_col_\d+">([^<]*)</label>', page)
    assert labels == ["Column 1", "Column 2", "Column 3"]
    assert "Ida Kern · Paul Fink" in page and "ida@example.org · paul@example.org" in page
    services.import_mapping_set(job=job, columns={"0": "full_name", "2": "emails"})
    assert not ColumnMapping.objects.exists()  # no header names: nothing to recognise it by
    services.import_parse(job_id=job.pk)
    job.refresh_from_db()
    assert job.counts["new"] == 2  # the first row is a contact, not a header
    assert [r["name"] for r in job.preview] == ["Ida Kern", "Paul Fink"]


def test_a_headerless_linkedin_mapping_page_names_the_export_columns(
    alice_client, workspace, alice
):
    job = services.import_job_create(
        workspace=workspace, user=alice, data=fixture_bytes("li_headerless.csv"), filename="c.csv"
    )
    services.import_parse(job_id=job.pk)
    page = alice_client.get(f"/data/import/{job.pk}/mapping/").content.decode()
    labels = re.findall(r'<label for="id_col_\d+">([^<]*)</label>', page)
    assert labels[0] == "First Name" and "Carla" not in labels
    # A changed mapping is read by the LinkedIn reader again, the first row included.
    job.refresh_from_db()
    services.import_mapping_set(
        job=job, columns={"0": "first_name", "1": "last_name", "3": "organisation"}
    )
    services.import_parse(job_id=job.pk)
    job.refresh_from_db()
    assert job.format == "linkedin" and job.counts["new"] == 5
    assert (
        job.preview[0]["organisation"] == "Wendt Maschinenbau" and job.preview[0]["job_title"] == ""
    )


def test_the_preview_shows_what_will_be_stored_for_the_first_20_rows(
    alice_client, workspace, alice
):
    lines = ["Vorname;Nachname;Titel;Firma;Position;E-Mail;Telefon;Geburtstag"]
    lines.append(
        "Jana;Beispiel;Dr.;Musterwerk GmbH;Leitung;JANA@Example.org;+49 170 1234567;22.03.1980"
    )
    lines.append(f"{'K' * 101};Zulang;;Zu GmbH;;kai@example.org;;")
    lines += [f"Person{i};Reihe;;Firma {i};;p{i}@example.org;;" for i in range(30)]
    data = ("\n".join(lines) + "\n").encode()
    job = services.import_job_create(workspace=workspace, user=alice, data=data, filename="l.csv")
    services.import_parse(job_id=job.pk)
    job.refresh_from_db()
    assert len(job.preview) == 20
    assert job.preview[0] == {
        "row": 2,
        "action": "new",
        "name": "Dr. Jana Beispiel",
        "organisation": "Musterwerk GmbH",
        "job_title": "Leitung",
        "emails": ["jana@example.org"],
        "phones": ["+491701234567"],
        "birthday": "03/22/1980",
        "connected_on": "",
        "problems": [],
    }
    assert job.preview[1]["row"] == 3 and job.preview[1]["action"] == "invalid"
    assert job.preview[1]["organisation"] == "Zu GmbH"
    assert "At most 100 characters" in job.preview[1]["problems"][0]
    page = alice_client.get(f"/data/import/{job.pk}/").content.decode()
    table = page[page.index('id="import-sample"') :]
    first = table[table.index('data-row="2"') : table.index('data-row="3"')]
    assert '<td data-field="name">Dr. Jana Beispiel</td>' in first
    assert '<td data-field="organisation">Musterwerk GmbH</td>' in first
    assert '<td data-field="emails">jana@example.org</td>' in first
    assert '<td data-field="phones">+491701234567</td>' in first
    assert '<td data-field="birthday">03/22/1980</td>' in first
    assert table.count("<tr data-row=") == 20 and 'data-row="22"' not in table


def test_a_vcard_preview_offers_no_column_mapping(alice_client, workspace, alice):
    job = services.import_job_create(
        workspace=workspace, user=alice, data=fixture_bytes("vcard30.vcf"), filename="a.vcf"
    )
    services.import_parse(job_id=job.pk)
    page = alice_client.get(f"/data/import/{job.pk}/").content.decode()
    assert "Change column mapping" not in page and 'id="import-sample"' in page
    assert alice_client.get(f"/data/import/{job.pk}/mapping/").url == f"/data/import/{job.pk}/"


def test_the_worker_writes_the_result_in_the_importing_users_language(
    alice_client, workspace, alice, settings
):
    settings.LANGUAGE_CODE = "en"
    alice.language = "de"
    alice.save(update_fields=["language"])
    job = services.import_job_create(
        workspace=workspace, user=alice, data=fixture_bytes("li_bad_dates.csv"), filename="c.csv"
    )
    services.import_parse(job_id=job.pk)
    services.import_confirm(job=ImportJob.objects.get(pk=job.pk))
    services.import_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "done"
    text = " ".join(" ".join(p["problems"]) for p in job.problems)
    assert "„Vernetzt am“ „31 Feb 2023“ ist kein Datum; das Datum wurde weggelassen." in text
    assert "is not a date" not in text
    page = alice_client.get(f"/data/import/{job.pk}/progress/").content.decode()
    assert "Mit Warnungen importiert: Zeilen 2, 3, 4, 7." in page


def test_the_result_page_in_english_names_rows_with_warnings_and_rows_not_imported(
    alice_client, workspace, alice
):
    job = services.import_job_create(
        workspace=workspace,
        user=alice,
        data=fixture_bytes("linkedin_current.csv"),
        filename="c.csv",
    )
    services.import_parse(job_id=job.pk)
    services.import_confirm(job=ImportJob.objects.get(pk=job.pk))
    services.import_run(job_id=job.pk)
    page = alice_client.get(f"/data/import/{job.pk}/progress/").content.decode()
    assert "Not imported: row 14." in page
    assert "Imported with warnings" not in page  # no row of this file lost a value
