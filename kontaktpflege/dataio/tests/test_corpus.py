"""The quirk corpus (fixtures/corpus, one file per quirk of real exports, issue #10): every
contact arrives and every value is kept, checked field by field as stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kontaktpflege.contacts.models import Organisation, Person
from kontaktpflege.dataio.tests.fixtures.corpus.build import FILES

CORPUS = Path(__file__).parent / "fixtures" / "corpus"


@dataclass
class Contact:
    """A person as it must be stored; `warnings` are parts of the row's notes."""

    first_name: str
    last_name: str = ""
    organisation: str = ""
    job_title: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    notes: str = ""
    website: str = ""
    linkedin_url: str = ""
    xing_url: str = ""
    tags: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Company:
    """An organisation a company card must become (and no person)."""

    name: str
    website: str = ""
    notes: str = ""
    warnings: list[str] = field(default_factory=list)


NO_PREFIX = "has no country code; kept as written"
NOT_VALID = "is not a valid number; kept as written"

EXPECTED: dict[str, list[Contact | Company]] = {
    "ios_unparseable_phones.vcf": [
        Contact(
            "Wiebke",
            "Tannenberg",
            emails=["wiebke.t@example.org"],
            phones=["905-555-1234", "(111) 555-1111", "+123456789", "123456", "+491701234567"],
            warnings=[
                f"“905-555-1234” {NO_PREFIX}",
                f"“(111) 555-1111” {NO_PREFIX}",
                f"“+123456789” {NOT_VALID}",
                f"“123456” {NO_PREFIX}",
            ],
        )
    ],
    "android_second_email_not_an_address.vcf": [
        Contact(
            "Chidi",
            "Okafor",
            emails=["chidi.okafor@example.com"],
            phones=["+4915123456789"],
            warnings=["“Buero” is not a valid email address; left out."],
        )
    ],
    "outlook2003_phones_without_prefix.vcf": [
        Contact(
            "Trine",
            "Halvorsen",
            organisation="Fjordlys Consulting",
            job_title="Partner",
            emails=["trine@example.no"],
            phones=["2125551234", "5555551111"],
            warnings=[f"“2125551234” {NO_PREFIX}", f"“5555551111” {NO_PREFIX}"],
        )
    ],
    "radicale_email_only.vcf": [
        Contact("jo.keller", emails=["jo.keller@example.net"], warnings=["Name missing"]),
        Contact(
            "info-desk",
            emails=["info-desk@example.com"],
            phones=["+493012345678"],
            warnings=["Name missing"],
        ),
    ],
    "evolution_repeated_notes_urls.vcf": [
        Contact(
            "Vitus",
            "Brandl",
            emails=["vitus@example.de"],
            website="http://www.brandl-imkerei.example",
            linkedin_url="https://www.linkedin.com/in/vitus-brandl",
            notes="Imker, liefert Honig.\n\nZweite Notiz: kennt den Bürgermeister.\n\n"
            "Web address: https://blog.example.org/vitus",
        )
    ],
    "vcard40_tel_extension.vcf": [
        Contact("Elif", "Demir", phones=["+49301234567 ext. 102", "+491707654321"])
    ],
    "android_categories.vcf": [
        Contact(
            "Mats",
            "Lindgren",
            emails=["mats@example.se"],
            tags=['"Golf" Club', "Kunden, Partner"],
        )
    ],
    "gmail_system_groups_pager.vcf": [
        Contact(
            "Rosa",
            "Quintero",
            emails=["rosa.quintero@example.com"],
            phones=["123456", "+34612345678"],
            website="https://rosa.example.es",
            tags=["Tango"],
            warnings=[f"“123456” {NO_PREFIX}"],
        )
    ],
    "apple_company_card.vcf": [
        Company(
            "Kaffeerösterei Beispiel GmbH",
            website="https://kaffee.example",
            notes="Bestellungen immer montags.\n\nPhone: +49401234567\nEmail: hallo@kaffee.example",
            warnings=["A company card"],
        )
    ],
    "outlook2007_company_card.vcf": [
        Company(
            "Nordwind Logistik AG",
            website="http://www.nordwind.example",
            notes="Phone: +49891234567\nEmail: zentrale@nordwind.example",
            warnings=["A company card"],
        )
    ],
    "thebat_qp_without_charset.vcf": [
        Contact(
            "Ma³gorzata",
            "Wróbel",
            emails=["m.wrobel@example.pl"],
            warnings=["declares no character set", "Windows-1252", "Ma³gorzata"],
        ),
        Contact("Paweł", "Kowalczyk", organisation="Łódź Tech", emails=["pawel@example.pl"]),
        Contact("Ville", "Järvinen", emails=["ville@example.fi"]),
    ],
    "google_pager_websites.csv": [
        Contact(
            "Henrike",
            "Adebayo",
            organisation="Lichtblick Verlag",
            emails=["henrike@lichtblick.example"],
            phones=["+491712345678", "(111) 555-1111", "123456"],
            xing_url="https://www.xing.com/profile/Henrike_Adebayo",
            website="https://henrike.example.org",
            notes="Web address: https://lichtblick.example",
            tags=["Lesekreis"],
            warnings=[
                "“henrike at home” is not a valid email address; left out.",
                f"“(111) 555-1111” {NO_PREFIX}",
                f"“123456” {NO_PREFIX}",
            ],
        ),
        Contact(
            "Bruno",
            "Castell",
            phones=["5555551111"],
            website="https://castell.example",
            warnings=[f"“5555551111” {NO_PREFIX}"],
        ),
    ],
    "outlook_web_pages.csv": [
        Contact(
            "Greta",
            "Holmqvist",
            organisation="Skärgård Reisen",
            job_title="Inhaberin",
            emails=["greta@skargard.example"],
            phones=["+46812345678", "905-555-1234"],
            website="http://www.skargard.example/",
            notes="Trifft man in Stockholm.\n\nWeb address: https://greta.example.se",
            tags=["Kunden", "Reisen"],
            warnings=[
                "“siehe Visitenkarte” is not a valid email address; left out.",
                f"“905-555-1234” {NO_PREFIX}",
            ],
        )
    ],
}


def stored_person(person: Person) -> Contact:
    """A stored person in the shape of the expectation (warnings filled in separately)."""
    return Contact(
        person.first_name,
        person.last_name,
        organisation=person.organisation.name if person.organisation else "",
        job_title=person.job_title,
        emails=list(person.emails.order_by("-is_primary", "id").values_list("email", flat=True)),
        phones=list(person.phones.order_by("-is_primary", "id").values_list("number", flat=True)),
        notes=person.notes,
        website=person.website,
        linkedin_url=person.linkedin_url,
        xing_url=person.xing_url,
        tags=sorted(person.tags.values_list("name", flat=True)),
    )


def stored(workspace: Any) -> tuple[dict[str, Contact], dict[str, Company]]:
    people = {
        f"{p.first_name} {p.last_name}".strip(): stored_person(p)
        for p in Person.objects.filter(workspace=workspace, user__isnull=True)
    }
    companies = {
        o.name: Company(o.name, website=o.website, notes=o.notes)
        for o in Organisation.objects.filter(workspace=workspace)
    }
    return people, companies


def _key(contact: Contact) -> str:
    return f"{contact.first_name} {contact.last_name}".strip()


def test_the_corpus_files_are_the_ones_build_writes():
    assert sorted(FILES) == sorted(EXPECTED)
    for name, data in FILES.items():
        assert (CORPUS / name).read_bytes() == data, name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_contact_and_value_of_the_corpus_file_arrives(name, import_file, workspace):
    outcome = import_file((CORPUS / name).read_bytes(), filename=name)
    people, companies = stored(workspace)
    expected = EXPECTED[name]
    expected_people = [c for c in expected if isinstance(c, Contact)]
    expected_companies = [c for c in expected if isinstance(c, Company)]
    assert outcome.counts["invalid"] == 0, outcome.problems
    assert sorted(people) == sorted(_key(c) for c in expected_people)
    notes = sorted((p["row"], p["problems"]) for p in outcome.problems)
    for want in expected_people:
        got = people[_key(want)]
        assert got == Contact(**{**want.__dict__, "warnings": []}), name
    for want_company in expected_companies:
        assert companies[want_company.name] == Company(
            want_company.name, website=want_company.website, notes=want_company.notes
        )
    # Each warning appears in the problems of the import (per value, per row).
    text = "\n".join(" ".join(problems) for _row, problems in notes)
    for contact in expected:
        for warning in contact.warnings:
            assert warning in text, (name, warning, text)
    if not any(c.warnings for c in expected):
        assert outcome.problems == []
