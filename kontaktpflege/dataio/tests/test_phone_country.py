"""Phone numbers of an import: no invented country code; the country the user chose for the
import (upload form, CLI --phone-country) normalises numbers without a prefix (issue #10)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import TestCase

from kontaktpflege.contacts.models import Person
from kontaktpflege.dataio import services
from kontaktpflege.dataio.models import ImportJob
from kontaktpflege.dataio.tests.test_corpus import CORPUS

OUTLOOK2003 = "outlook2003_phones_without_prefix.vcf"


def _numbers(workspace, last_name):
    person = Person.objects.get(workspace=workspace, last_name=last_name)
    return list(person.phones.order_by("-is_primary", "id").values_list("number", flat=True))


def test_a_number_without_country_code_is_kept_as_written_with_a_warning(import_file, workspace):
    outcome = import_file("excel_de_cp1252.csv")
    assert _numbers(workspace, "Maßmann") == ["0151 23456789"]
    assert any(
        "“0151 23456789” has no country code; kept as written." in " ".join(p["problems"])
        for p in outcome.problems
    )


def test_the_chosen_country_normalises_numbers_without_a_prefix(import_file, workspace):
    outcome = import_file((CORPUS / OUTLOOK2003).read_bytes(), phone_country="US")
    # 555 is no US area code: that number stays as written and is named.
    assert _numbers(workspace, "Halvorsen") == ["+12125551234", "5555551111"]
    problems = [m for p in outcome.problems for m in p["problems"]]
    assert problems == [
        "The phone number “5555551111” is not a valid number (in US); kept as written."
    ]


def test_the_chosen_country_does_not_override_an_explicit_prefix(import_file, workspace):
    import_file("excel_de_cp1252.csv", phone_country="US")
    assert _numbers(workspace, "Maßmann") == ["0151 23456789"]
    import_file((CORPUS / "ios_unparseable_phones.vcf").read_bytes(), phone_country="US")
    assert _numbers(workspace, "Tannenberg")[-1] == "+491701234567"


def test_an_unknown_phone_country_is_refused_and_nothing_changes(import_file, workspace, alice):
    with pytest.raises(ValidationError, match="“XX” is not a known country"):
        import_file((CORPUS / OUTLOOK2003).read_bytes(), phone_country="XX")
    with pytest.raises(ValidationError, match="“XX” is not a known country"):
        services.import_job_create(
            workspace=workspace, user=alice, data=b"x", filename="x.vcf", phone_country="XX"
        )
    assert not Person.objects.filter(workspace=workspace, user__isnull=True).exists()
    assert not ImportJob.objects.exists()


def test_the_upload_form_passes_the_country_to_preview_and_import(
    alice_client, workspace, django_capture_on_commit_callbacks
):
    file = SimpleUploadedFile(OUTLOOK2003, (CORPUS / OUTLOOK2003).read_bytes())
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = alice_client.post(
            "/data/import/", {"file": file, "format": "auto", "phone_country": "US"}
        )
    job = ImportJob.objects.get()
    assert job.phone_country == "US"
    page = alice_client.get(response.url).content.decode()
    assert "“5555551111” is not a valid number (in US)" in page
    assert "“2125551234”" not in page  # normalised: no warning about it
    assert "+12125551234" in page  # the preview shows what will be stored
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"/data/import/{job.pk}/confirm/")
    assert _numbers(workspace, "Halvorsen") == ["+12125551234", "5555551111"]


def test_the_upload_form_offers_the_country_and_keeps_numbers_as_written_by_default(
    alice_client,
):
    page = alice_client.get("/data/").content.decode()
    assert 'name="phone_country"' in page
    assert '<option value="US">' in page
    assert '<option value="" selected>' in page


def test_the_cli_takes_a_phone_country(workspace):
    out = io.StringIO()
    path = str(CORPUS / OUTLOOK2003)
    call_command(
        "import_contacts",
        path,
        "--workspace",
        str(workspace.pk),
        "--phone-country",
        "us",
        stdout=out,
    )
    assert _numbers(workspace, "Halvorsen") == ["+12125551234", "5555551111"]
    assert "is not a valid number (in US)" in out.getvalue()
    with pytest.raises(CommandError, match="not a known country"):
        call_command(
            "import_contacts",
            path,
            "--workspace",
            str(workspace.pk),
            "--phone-country",
            "Atlantis",
            stdout=out,
        )
