"""The CLI: kontaktpflege import / export / backup / restore."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from kontaktpflege.contacts.models import Person
from kontaktpflege.dataio.tests.conftest import FIXTURES


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_import_reports_counts_and_row_problems(workspace):
    out = run(
        "import_contacts", str(FIXTURES / "linkedin_current.csv"), "--workspace", str(workspace.pk)
    )
    assert "New: 10" in out and "Row 14: Not imported:" in out
    assert Person.objects.filter(workspace=workspace, last_name="Beispiel").exists()


def test_import_dry_run_changes_nothing(workspace):
    before = Person.objects.count()
    out = run(
        "import_contacts", str(FIXTURES / "vcard30.vcf"), "--dry-run", "--workspace", workspace.name
    )
    assert "New: 2" in out
    assert Person.objects.count() == before


def test_import_of_a_bad_file_fails_clearly(workspace, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        run("import_contacts", str(path), "--workspace", str(workspace.pk))


def test_export_writes_vcards_and_csv(workspace, make_person, tmp_path):
    make_person(first_name="Ex", last_name="Port", emails=["ex@example.org"])
    target = tmp_path / "out.vcf"
    run("export_contacts", "--workspace", str(workspace.pk), "--format", "vcard", "-o", str(target))
    assert "EMAIL;PREF=1:ex@example.org" in target.read_text()
    target = tmp_path / "out.csv"
    run("export_contacts", "--workspace", str(workspace.pk), "--q", "port", "-o", str(target))
    assert target.read_text(encoding="utf-8-sig").count("\n") == 2


def test_the_console_script_maps_import_to_the_command(workspace, monkeypatch):
    from kontaktpflege import cli

    calls = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", calls.append)
    cli.main(["kontaktpflege", "import", "x.csv"])
    assert calls == [["kontaktpflege", "import_contacts", "x.csv"]]
