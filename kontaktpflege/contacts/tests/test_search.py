import pytest
from django.db import connection

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
    assert fold("ＡＢＣ  Co\ufb01") == "abc cofi"  # full-width letters and a ligature
    assert fold("Ångström Øre") == "angstrom ore"
    assert fold(" Plain  ASCII ") == "plain ascii"


def _ranking_network(make_person, workspace):
    """51 people at "Schmidt Mueller and Partner" whose names sort before any Müller."""
    from kontaktpflege.contacts.services import organisation_create

    org = organisation_create(workspace=workspace, name="Schmidt Mueller and Partner")
    for i in range(51):
        make_person(first_name="Kim", last_name=f"Adler{i:02d}", organisation=org)
    make_person(first_name="Paula", last_name="Berg", notes="Kennt Herrn Müller vom Segeln")
    make_person(first_name="Lena", last_name="Müllerschön")
    exact = [
        make_person(first_name="Anna", last_name="Müller"),
        make_person(first_name="Jürgen", last_name="Mueller"),
    ]
    return exact


def test_search_ranks_exact_names_then_prefixes_then_organisation_and_notes(make_person, workspace):
    from kontaktpflege.contacts.selectors import PersonFilters, person_list_rows

    exact = _ranking_network(make_person, workspace)
    rows = list(
        person_list_rows(workspace=workspace, filters=PersonFilters(q="Müller", sort="relevance"))
    )
    names = [p.full_name for p in rows]
    assert len(rows) == 55
    assert set(names[:2]) == {p.full_name for p in exact}
    assert names[2] == "Lena Müllerschön"
    assert "Paula Berg" in names[3:]


def test_the_people_list_shows_the_named_mullers_on_page_one(alice_client, make_person, workspace):
    _ranking_network(make_person, workspace)
    for query in ["Müller", "mueller"]:
        page = alice_client.get("/people/", {"q": query})
        rows = list(page.context["page_obj"])
        assert [p.full_name for p in rows[:3]][:2] in (
            ["Anna Müller", "Jürgen Mueller"],
            ["Jürgen Mueller", "Anna Müller"],
        ), query
        assert rows[2].full_name == "Lena Müllerschön", query
        assert page.context["filters"].sort == "relevance"


def test_a_chosen_sort_still_wins_over_relevance(alice_client, make_person, workspace):
    _ranking_network(make_person, workspace)
    page = alice_client.get("/people/", {"q": "Müller", "sort": "name"})
    assert next(iter(page.context["page_obj"])).last_name == "Adler00"


def test_a_two_word_query_puts_the_full_name_first(make_person, workspace):
    from kontaktpflege.contacts.selectors import PersonFilters, person_list_rows

    _ranking_network(make_person, workspace)
    thomas = make_person(first_name="Thomas", last_name="Müller")
    make_person(first_name="Thomas", last_name="Adler", notes="Müller kennt ihn")
    rows = list(
        person_list_rows(
            workspace=workspace, filters=PersonFilters(q="thomas müller", sort="relevance")
        )
    )
    assert rows[0] == thomas
    assert len(rows) == 2


@pytest.fixture
def small_cap(monkeypatch):
    """A ranked search counts up to 3 matches and bounds the rest beyond (MATCH_CAP)."""
    from kontaktpflege.contacts import search

    monkeypatch.setattr(search, "MATCH_CAP", 3)


def _hawthorne(make_person, workspace):
    """Six people at Hawthorne Holz whose names sort first, then two named Hawthorne."""
    from kontaktpflege.contacts.services import organisation_create

    org = organisation_create(workspace=workspace, name="Hawthorne Holz GmbH")
    for i in range(6):
        make_person(first_name="Kim", last_name=f"Adler{i}", organisation=org)
    return [
        make_person(first_name="Ruth", last_name="Hawthorne"),
        make_person(first_name="Paul", last_name="Hawthorneson"),
    ]


def test_beyond_the_cap_the_people_of_that_name_still_come_first(make_person, workspace, small_cap):
    from kontaktpflege.contacts.selectors import PersonFilters, person_search_rows

    named = _hawthorne(make_person, workspace)
    filters = PersonFilters(q="hawthorne")
    qs, count, capped = person_search_rows(workspace=workspace, filters=filters)
    rows = list(qs)
    assert (count, capped) == (3, True)
    assert rows[:2] == named
    assert all(p.last_name.startswith("Adler") for p in rows[2:])
    if connection.vendor == "postgresql":  # the names and cap + 1 others are ranked, not all
        assert len(rows) == 2 + 3 + 1


def test_up_to_the_cap_every_match_is_counted_and_ranked(make_person, workspace, small_cap):
    from kontaktpflege.contacts.selectors import PersonFilters, person_search_rows

    named = _hawthorne(make_person, workspace)
    other = make_person(first_name="Ruth", last_name="Adler9")
    qs, count, capped = person_search_rows(workspace=workspace, filters=PersonFilters(q="ruth"))
    assert (count, capped) == (2, False)
    assert list(qs) == [other, named[0]]


def test_a_search_beyond_the_cap_asks_to_narrow_it_in_english_and_german(
    alice_client, bob_client, make_person, workspace, small_cap
):
    named = _hawthorne(make_person, workspace)
    page = alice_client.get("/people/", {"q": "Hawthorne"})
    assert "More than 3 matches — refine your search" in page.content.decode()
    assert list(page.context["page_obj"])[:2] == named
    german = bob_client.get("/people/", {"q": "Hawthorne"}).content.decode()
    assert "Mehr als 3 Treffer – bitte die Suche eingrenzen" in german
    one = alice_client.get("/people/", {"q": "Hawthorneson"}).content.decode()
    assert "1 person" in one and "refine your search" not in one


def test_on_postgresql_an_organisation_match_comes_before_a_match_in_the_notes(
    make_person, workspace
):
    """Within the rest, where the match sits orders (then the name), not the text's length."""
    from kontaktpflege.contacts.selectors import PersonFilters, person_list_rows
    from kontaktpflege.contacts.services import organisation_create

    if connection.vendor != "postgresql":
        pytest.skip("SQLite orders the rest by FTS5's bm25")
    school = organisation_create(workspace=workspace, name="Segelschule Nordsee Hamburg GmbH")
    zora = make_person(
        first_name="Zora",
        last_name="Zander",
        organisation=school,
        job_title="Geschäftsführerin",
        notes="Kennt die halbe Küste, lädt jeden Sommer zur Regatta nach Cuxhaven ein.",
    )
    yvonne = make_person(first_name="Yvonne", last_name="Young", organisation=school)
    abel = organisation_create(workspace=workspace, name="Abel Consulting")
    anna = make_person(first_name="Anna", last_name="Abel", organisation=abel, notes="Segel")
    rows = list(person_list_rows(workspace=workspace, filters=PersonFilters(q="segel")))
    assert rows == [yvonne, zora, anna]
