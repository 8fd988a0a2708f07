"""Floors measure the same work as the path beside them: same rows, same people."""

from __future__ import annotations

import pytest

from kontaktpflege.bench import scenarios
from kontaktpflege.contacts.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd(workspace, make_person, charlie):
    """60 Müllers (more than a page) in alice's workspace, some in one company, and others."""
    from kontaktpflege.contacts.services import organisation_get_or_create, person_create

    acme = organisation_get_or_create(workspace=workspace, name="Acme GmbH")
    for i in range(60):
        person = make_person(first_name=f"Anna{i:02d}", last_name="Müller", tags=["kunde"])
        if i % 3 == 0:
            person.organisation = acme
            person.save(update_fields=["organisation"])
    make_person(first_name="Jörg", last_name="Schäfer")
    make_person(first_name="Thomas", last_name="Mueller")
    # Another workspace's Müller must be counted by neither.
    person_create(workspace=charlie.active_workspace, first_name="Anna", last_name="Müller")


@pytest.mark.parametrize(
    "query", ["Müller", "mueller", "muller", "anna0", "Schäfer", "acme", "Anna05 Müller", "zz"]
)
def test_the_search_floor_returns_the_pages_count_and_rows(workspace, crowd, query):
    assert scenarios.search_floor(workspace.pk, query) == scenarios.search_page(workspace, query)


def test_the_search_floor_is_the_pages_query_with_its_limit_and_order(workspace, crowd):
    count, capped, ids = scenarios.search_floor(workspace.pk, "Müller")
    assert count == 61 and not capped and len(ids) == scenarios.PAGE_SIZE
    matches = Person.objects.filter(workspace=workspace, last_name__in=["Müller", "Mueller"])
    by_name = sorted(matches.values_list("last_name", "first_name", "id"))
    assert ids == [pk for _last, _first, pk in by_name[: scenarios.PAGE_SIZE]]


def test_sampled_people_come_from_the_whole_table(workspace):
    Person.objects.bulk_create(
        Person(workspace=workspace, first_name=f"P{i}", last_name="Bulk") for i in range(6000)
    )
    fifth_thousand = Person.objects.filter(workspace=workspace).order_by("id")[4999].pk
    chosen = scenarios.sample_people(workspace, 40)
    assert len({p.pk for p in chosen}) == 40
    assert any(p.pk > fifth_thousand for p in chosen)


class ClientHttp:
    """A requests-like adapter over django.test.Client (a status attribute)."""

    def __init__(self, client):
        self.client = client

    def get(self, url):
        response = self.client.get(url)
        response.status = response.status_code
        return response

    def post(self, url, data):
        response = self.client.post(url, data)
        response.status = response.status_code
        return response


@pytest.mark.django_db(transaction=True)
def test_quick_log_puts_back_every_row_it_wrote(alice, alice_client, workspace, make_person):
    from kontaktpflege.bench import rows
    from kontaktpflege.bench.registry import BenchContext
    from kontaktpflege.followups.models import FollowUp
    from kontaktpflege.touchpoints.models import Touchpoint

    for i in range(4):
        make_person(first_name=f"Ruth{i}", last_name="Ruhig", circle="dormant")
    assert FollowUp.objects.filter(workspace=workspace).exists()
    scopes = rows.workspace_scopes(workspace.pk)
    before = rows.snapshot(scopes)
    ctx = BenchContext(
        scale="XS", workspace=workspace, user=alice, http=ClientHttp(alice_client), repeat=6
    )
    results = scenarios.quick_log(ctx)
    assert all(r.figure > 0 and r.floor for r in results)
    assert rows.snapshot(scopes).rows == before.rows
    assert not Touchpoint.objects.exists()


@pytest.fixture
def ranked(workspace, make_person):
    """Names that sort before the Guts, found by 'gut' only as a prefix or in their company."""
    from kontaktpflege.contacts.services import organisation_get_or_create, person_reindex

    gutmann = organisation_get_or_create(workspace=workspace, name="Gut & Partner")
    for i in range(3):
        person = make_person(first_name=f"Bea{i}", last_name="Abel")
        person.organisation = gutmann
        person.save(update_fields=["organisation"])
    make_person(first_name="Carl", last_name="Gutenberg")
    make_person(first_name="Zora", last_name="Gut")
    make_person(first_name="Yann", last_name="Gut", notes="gut gut gut")
    person_reindex(person_ids=list(Person.objects.values_list("id", flat=True)))


@pytest.mark.parametrize("query", ["Gut", "gut partner", "Gutenberg", "Carl gut"])
def test_the_search_floor_ranks_as_the_page_does(workspace, ranked, query):
    floor = scenarios.search_floor(workspace.pk, query)
    assert floor[0] and floor == scenarios.search_page(workspace, query)


def test_the_search_floor_puts_whole_name_words_before_prefixes_and_the_rest(workspace, ranked):
    _count, _capped, ids = scenarios.search_floor(workspace.pk, "Gut")
    names = dict(Person.objects.values_list("id", "last_name"))
    assert [names[pk] for pk in ids] == ["Gut", "Gut", "Gutenberg", "Abel", "Abel", "Abel"]


@pytest.mark.parametrize("query", ["Müller", "anna0", "kunde", "Anna05 Müller"])
def test_beyond_the_cap_the_search_floor_counts_and_bounds_as_the_page_does(
    workspace, crowd, monkeypatch, query
):
    from kontaktpflege.contacts import search

    monkeypatch.setattr(search, "MATCH_CAP", 5)
    floor = scenarios.search_floor(workspace.pk, query)
    assert floor == scenarios.search_page(workspace, query)
    assert floor[:2] == ((5, True) if query != "Anna05 Müller" else (1, False))


def test_the_search_floor_leaves_out_the_members_own_people_as_the_page_does(
    alice, workspace, crowd
):
    from kontaktpflege.contacts.services import person_reindex

    own = Person.objects.get(workspace=workspace, user=alice)
    Person.objects.filter(pk=own.pk).update(last_name="Müller")
    person_reindex(person_ids=[own.pk])
    assert scenarios.search_floor(workspace.pk, "Müller")[0] == 61
    assert scenarios.search_floor(workspace.pk, "Müller") == scenarios.search_page(
        workspace, "Müller"
    )
