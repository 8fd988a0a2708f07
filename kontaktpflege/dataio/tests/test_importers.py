"""Each format's parser against fixtures that reproduce the real exports' structure."""

from __future__ import annotations

import datetime as dt

from kontaktpflege.dataio.importers import parse_file
from kontaktpflege.dataio.tests.conftest import fixture_bytes


def parse(name: str, **kwargs):
    return parse_file(fixture_bytes(name), filename=name, **kwargs)


def by_last(result):
    return {r.last_name: r for r in result.rows}


def test_it_finds_the_linkedin_header_below_the_notes_preamble():
    result = parse("linkedin_current.csv")
    assert result.format == "linkedin"
    rows = by_last(result)
    jana = rows["Beispiel"]
    assert (jana.organisation, jana.job_title) == ("Musterwerk GmbH", "Head of Design")
    assert jana.connected_on == dt.date(2024, 10, 7)
    assert jana.linkedin_url == "https://www.linkedin.com/in/jana-beispiel-0a1b2c"


def test_it_keeps_linkedin_quirks_as_real_text():
    rows = by_last(parse("linkedin_current.csv"))
    assert rows["Nayak, MSc, MBA"].organisation == "CivicMinds, Inc"
    assert rows["Hollow"].first_name == 'James "Tyler"'
    assert rows["Vogt"].first_name == "Lena"  # surrounding spaces go
    assert rows["Berg"].first_name == "Ole\tMartin"  # a TAB inside stays byte-exact
    assert rows["Lee 🇰🇷"].first_name == "Sun ☀️"
    assert rows["山田"].organisation == "東京商事"


def test_it_strips_bidi_marks_only_at_the_edges():
    rows = by_last(parse("linkedin_current.csv"))
    assert rows["כהן"].first_name == "נועה"  # U+200F before and U+202C after removed


def test_it_reports_the_hidden_linkedin_member_in_plain_words():
    result = parse("linkedin_current.csv")
    hidden = [r for r in result.rows if not r.display_name]
    assert len(hidden) == 1
    assert "hidden or deleted" in hidden[0].problems[0]


def test_it_reads_the_2018_linkedin_export_and_unwraps_a_wrapped_row():
    rows = by_last(parse("linkedin_2018.csv"))
    assert rows["Sommer"].connected_on == dt.date(2018, 1, 8)
    assert rows["Sommer"].emails == ["karl.sommer@example.de"]
    assert rows["Brandt"].organisation == "Brandt Media"
    assert rows["Brandt"].connected_on == dt.date(2018, 3, 2)


def test_it_reads_the_2021_linkedin_export_without_url_column():
    rows = by_last(parse("linkedin_2021.csv"))
    assert rows["Lind"].connected_on == dt.date(2021, 6, 14)
    assert rows["Lind"].linkedin_url == ""


def test_it_accepts_the_linkedin_zip_archive():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Connections.csv", fixture_bytes("linkedin_current.csv"))
        archive.writestr("Invitations.csv", "x")
    result = parse_file(buffer.getvalue(), filename="Basic_LinkedInDataExport.zip")
    assert result.format == "linkedin"
    assert len(result.rows) == 11


def test_it_reads_google_multi_values_labels_and_multiline_notes():
    result = parse("google_current.csv")
    assert result.format == "google"
    anna = by_last(result)["Schmidt"]
    assert anna.emails == ["anna.schmidt@example.org", "a.schmidt@example.net", "anna@example.com"]
    assert anna.tags == ["Familie", "Ärzte"]  # * myContacts and * starred are system labels
    assert "Land/Region geschäftlich: Schweiz" in anna.notes
    assert (anna.birthday_day, anna.birthday_month, anna.birthday_year) == (22, 3, None)
    assert anna.xing_url.endswith("Anna_Schmidt")
    assert anna.location == "Hamburg"


def test_it_reads_the_legacy_google_export_in_utf16():
    claudia = by_last(parse("google_legacy_utf16.csv"))["Wendt"]
    assert claudia.first_name == "Claudia"
    assert claudia.organisation == "Wendt & Partner"
    assert claudia.tags == ["Kunden"]


def test_it_reads_outlook_in_english_and_german_cp1252():
    en = by_last(parse("outlook_en.csv"))
    assert en["Marsh"].academic_title == "Dr."
    assert en["Marsh"].birthday_day is None  # 1/0/00 is Outlook's empty date
    assert en["Marsh"].tags == ["Clients", "VIP"]
    assert en["Marsh"].location == "Leeds"
    de = by_last(parse("outlook_de_cp1252.csv"))
    assert de["Weiß"].first_name == "Jürgen"
    assert de["Weiß"].organisation == "Müller & Söhne GmbH"
    assert de["Weiß"].academic_title == ""
    assert de["Weiß"].location == "Köln"  # "Herr" is a salutation, not a title
    assert de["Öztürk"].birthday_year == 1984


def test_it_reads_vcard_21_quoted_printable_with_and_without_charset():
    rows = by_last(parse("vcard21.vcf"))
    assert rows["Müller-Lüdenscheidt"].first_name == "Jörg"
    assert rows["Müller-Lüdenscheidt"].notes == "Zeile eins\nZeile zwei"
    assert rows["Gröning"].first_name == "Bärbel"
    assert rows["Gröning"].organisation == "Gröning Bau"
    assert rows["Hoß"].first_name == "Käthe"


def test_it_reads_vcard_30_apple_quirks():
    rows = by_last(parse("vcard30.vcf"))
    astrid = rows["Lindqvist"]
    assert astrid.academic_title == "Prof. Dr."
    assert astrid.organisation == "Universität Beispielstadt"
    assert (astrid.birthday_day, astrid.birthday_month, astrid.birthday_year) == (6, 5, None)
    assert astrid.linkedin_url == "http://www.linkedin.com/in/astrid-lindqvist"
    assert astrid.notes == "Trifft man auf der Konferenz, meistens im Herbst.\nZweite Zeile"
    assert len(astrid.phones) == 2
    mehmet = rows["Kaya"]  # N:;;;; with FN only
    assert mehmet.first_name == "Mehmet"
    assert mehmet.notes.endswith("Zeilen nach 75 Zeichen umbricht.")
    assert (mehmet.birthday_day, mehmet.birthday_month) == (3, 2)
    assert mehmet.location == "Mannheim"


def test_it_reads_vcard_40_with_data_uri_photos():
    rows = by_last(parse("vcard40.vcf"))
    assert rows["Rossi"].emails == ["chiara.rossi@example.it", "chiara@example.com"]
    assert rows["Rossi"].phones == ["+39-06-1234-5678"]
    assert (rows["Rossi"].birthday_day, rows["Rossi"].birthday_month) == (3, 2)
    assert rows["Ortega"].birthday_year == 1980


def test_it_reads_a_utf16_vcard_without_bom():
    assert by_last(parse("vcard_utf16be.vcf"))["Åberg"].first_name == "Björn"


def test_it_reads_german_excel_csv_with_sep_hint_in_cp1252():
    result = parse("excel_de_cp1252.csv")
    assert result.format == "excel_csv"
    rows = by_last(result)
    assert rows["Maßmann"].first_name == "Günther"
    assert (rows["Maßmann"].birthday_day, rows["Maßmann"].birthday_year) == (15, 1962)


def test_it_reads_german_excel_csv_in_utf8_with_bom():
    rows = by_last(parse("excel_de_utf8bom.csv"))
    assert rows["Åström"].first_name == "Zoë"
    assert rows["Petrović"].organisation == "Beograd IT"


def test_it_asks_for_a_mapping_when_no_column_is_recognised():
    result = parse("generic_mapping.csv")
    assert result.needs_mapping
    assert result.headers == ["Kontakt", "Arbeitgeber", "Mail", "Bemerkungen intern"]
    mapped = parse(
        "generic_mapping.csv",
        fmt="generic_csv",
        mapping={"0": "full_name", "1": "organisation", "2": "emails"},
    )
    ida = by_last(mapped)["Kern"]
    assert (ida.first_name, ida.organisation, ida.emails) == (
        "Ida",
        "Kernwerk",
        ["ida.kern@example.org"],
    )
