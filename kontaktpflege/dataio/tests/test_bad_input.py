"""Bad input: a clear message, and nothing changed (no partial or corrupted person)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from kontaktpflege.contacts.models import Person
from kontaktpflege.dataio.models import ImportJob
from kontaktpflege.dataio.services import import_job_create, import_parse
from kontaktpflege.dataio.tests.test_import_service import snapshot


@pytest.fixture
def unchanged(workspace, make_person):
    make_person(first_name="Bestand", last_name="Person")
    before = snapshot()
    yield
    assert snapshot() == before
    # At most a failed job remains, pointing at no file: its upload is deleted.
    assert not ImportJob.objects.exclude(state="failed", file="").exists()


def upload(workspace, alice, data: bytes, name: str = "contacts.csv"):
    """Upload, then read the file as the worker does; a file it cannot read raises its reason."""
    job = import_job_create(workspace=workspace, user=alice, data=data, filename=name)
    import_parse(job_id=job.pk)
    job.refresh_from_db()
    if job.state == "failed":
        raise ValidationError(job.error)
    return job


BAD_FILES = {
    "empty": (b"", "contacts.csv", "empty"),
    "whitespace only": (b"\n\n  \r\n", "contacts.csv", "empty"),
    "header only": (b"First Name,Last Name,Company\n", "contacts.csv", "no contacts"),
    "linkedin header only": (
        b'Notes:\n"Some text"\n\n'
        b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n",
        "Connections.csv",
        "no contacts",
    ),
    "binary named csv": (bytes(range(256)) * 40, "contacts.csv", "not a text file"),
    "png named csv": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10, "x.csv", "not a text file"),
    "10000 columns": (
        (
            ",".join(f"Col{i}" for i in range(10_000)) + "\n" + ",".join("x" * 10_000) + "\n"
        ).encode(),
        "wide.csv",
        "columns",
    ),
    "not a zip named xlsx": (b"First Name\nAnna\n", "people.xlsx", "not a valid Excel"),
    "zip without contacts": (None, "archive.zip", "neither"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_gets_a_clear_message_and_changes_nothing(case, workspace, alice, unchanged):
    data, name, message = BAD_FILES[case]
    if data is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("readme.txt", "hello")
        data = buffer.getvalue()
    with pytest.raises(ValidationError, match=message):
        upload(workspace, alice, data, name)


def test_a_file_above_the_limit_is_refused_before_parsing(
    workspace, alice, unchanged, settings, monkeypatch
):
    from kontaktpflege.dataio import importers

    settings.IMPORT_MAX_BYTES = 1024
    monkeypatch.setattr(importers, "parse_file", lambda *a, **k: pytest.fail("parsed"))
    with pytest.raises(ValidationError, match="at most"):
        upload(workspace, alice, b"First Name\n" + b"A\n" * 1000)


def test_an_upload_above_the_limit_is_refused_by_the_form(alice_client, workspace, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.IMPORT_MAX_BYTES = 1024 * 1024
    before = Person.objects.count()
    big = SimpleUploadedFile("big.csv", b"First Name\n" + b"Anna\n" * 300_000)
    response = alice_client.post("/data/import/", {"file": big, "format": "auto"})
    assert response.status_code == 400
    assert "imports take at most 1.0 MB" in response.content.decode()
    assert Person.objects.count() == before
    assert ImportJob.objects.count() == 0


def test_a_100_mb_file_is_refused_by_the_command_before_reading(workspace, unchanged, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "huge.csv"
    with open(path, "wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: no disk space needed
    with pytest.raises(CommandError, match=r"100\.0 MB; imports take at most 25\.0 MB"):
        call_command("import_contacts", str(path), "--workspace", str(workspace.pk))


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    return buffer.getvalue()


def test_an_xlsx_zip_bomb_is_refused_before_openpyxl_opens_it(
    workspace, alice, unchanged, monkeypatch
):
    import openpyxl

    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("opened"))
    data = _zip_bomb()
    assert len(data) < 2 * 1024 * 1024
    with pytest.raises(ValidationError, match="zip bomb"):
        upload(workspace, alice, data, "bomb.xlsx")


def test_a_vcard_missing_end_imports_the_whole_cards_only(import_file, workspace):
    outcome = import_file("vcard_missing_end.vcf")
    assert outcome.counts["new"] == 1
    assert "no END:VCARD" in outcome.problems[0]["problems"][0]
    assert not Person.objects.filter(last_name="Kaputt").exists()
    assert Person.objects.filter(last_name="Ganz").exists()


def test_control_characters_in_a_name_reject_that_row_only(import_file, workspace):
    data = b"First Name,Last Name\nEvil\x07Bell,Name\nRuth,Klar\n"
    outcome = import_file(data)
    assert outcome.counts["new"] == 1
    assert "control characters" in outcome.problems[0]["problems"][0]
    assert not Person.objects.filter(first_name__contains="Evil").exists()


def test_formulas_in_cells_reject_that_row_with_a_clear_message(import_file, workspace):
    data = (
        b'First Name,Last Name,Company\n=HYPERLINK("http://evil.example","x"),Name,Firma\n'
        b"Ruth,Klar,=1+2\nMarie,Curie,Institut\n"
    )
    outcome = import_file(data)
    assert outcome.counts["new"] == 1
    assert [p["row"] for p in outcome.problems] == [2, 3]
    assert all("formula" in p["problems"][0] for p in outcome.problems)
    assert (
        list(
            Person.objects.filter(workspace=workspace)
            .values_list("last_name", flat=True)
            .order_by("id")
        )[-1]
        == "Curie"
    )


def test_formulas_in_xlsx_cells_are_not_evaluated_or_imported(import_file, workspace):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Vorname", "Nachname", "Firma"])
    sheet.append(["Anna", "Zelle", "=CONCAT(A2,B2)"])
    sheet.append(["Otto", "Normal", "Normal AG"])
    buffer = io.BytesIO()
    book.save(buffer)
    outcome = import_file(buffer.getvalue(), filename="people.xlsx")
    assert outcome.counts["new"] == 1
    assert "formula" in outcome.problems[0]["problems"][0]


def test_rtl_marks_are_removed_at_the_edges_and_real_text_stays_exact(import_file, workspace):
    data = "First Name,Last Name\n\u200fנועה\u202c,\u200eכהן\nSun ☀️,Lee 🇰🇷\n".encode()
    import_file(data)
    names = set(Person.objects.filter(workspace=workspace).values_list("first_name", "last_name"))
    assert ("נועה", "כהן") in names
    assert ("Sun ☀️", "Lee 🇰🇷") in names


def test_a_name_that_is_too_long_rejects_its_row(import_file, workspace):
    outcome = import_file(("First Name,Last Name\n" + "A" * 101 + ",B\n").encode())
    assert outcome.counts["invalid"] == 1
    assert "At most 100 characters" in outcome.problems[0]["problems"][0]


def test_a_broken_xlsx_gets_a_clear_message(workspace, alice, unchanged):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not really>")
    with pytest.raises(ValidationError, match=r"damaged|not a valid"):
        upload(workspace, alice, buffer.getvalue(), "broken.xlsx")
