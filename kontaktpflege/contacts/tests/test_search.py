import pytest

from kontaktpflege.contacts.models import Person
from kontaktpflege.contacts.search import filter_search
from kontaktpflege.core.text import fold

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("variant", ["Müller", "Mueller", "muller", "MÜLLER", "mül"])
def test_it_finds_umlaut_names_by_every_spelling(make_person, workspace, variant):
    person = make_person(first_name="Thomas", last_name="Müller")
    make_person(first_name="Anna", last_name="Schmidt")
    found = filter_search(Person.objects.filter(workspace=workspace), variant)
    assert list(found) == [person]


def test_a_transliterated_name_is_found_by_its_umlaut(make_person, workspace):
    person = make_person(first_name="Jürgen", last_name="Mueller")
    found = filter_search(Person.objects.filter(workspace=workspace), "jürgen müller")
    assert list(found) == [person]


def test_it_searches_organisation_title_tags_and_notes(make_person, workspace):
    from kontaktpflege.contacts.services import organisation_create

    org = organisation_create(workspace=workspace, name="Bäckerei Groß AG")
    person = make_person(
        first_name="Eva",
        last_name="Klein",
        organisation=org,
        job_title="Designerin",
        tags=["Design Thinking"],
        notes="Trifft sich gern zum Frühstück",
    )
    qs = Person.objects.filter(workspace=workspace)
    for query in ["backerei gross", "designerin", "design thinking", "fruhstuck"]:
        assert list(filter_search(qs, query)) == [person], query


def test_fold_meets_umlauts_and_transliterations():
    assert fold("Müller") == fold("Mueller") == fold("muller") == "muller"
    assert fold("Straße") == "strasse"
    assert fold("\u200fJosé\u202c") == "jose"
