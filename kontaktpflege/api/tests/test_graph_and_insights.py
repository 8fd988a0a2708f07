"""GET /network/graph, /network/connect-suggestions and /insights: the web pages' data."""

from __future__ import annotations

import pytest

from kontaktpflege.contacts.services import relationship_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_person, acme):
    anna = make_person(first_name="Anna", tags=["Design"], circle="core")
    ben = make_person(first_name="Ben", tags=["Design"], organisation=acme)
    cara = make_person(first_name="Cara", tags=["Design"])
    relationship_set(a=anna, b=ben, strength=4)
    return anna, ben, cara


def test_the_graph_is_filtered_like_the_page(api, people, acme):
    anna, ben, _cara = people
    body = api.get("/network/graph").json()
    assert body["matched"] == 3 and body["edges"] == [
        {"source": anna.pk, "target": ben.pk, "strength": 4}
    ]
    assert [n["id"] for n in api.get("/network/graph", target="any").json()["nodes"]] == [ben.pk]
    assert api.get("/network/graph", circle="dormant").json()["nodes"] == []


def test_unknown_filter_values_are_a_422_and_another_workspaces_ids_match_nobody(
    api, charlie_api, people, acme
):
    assert api.get("/network/graph", circle="bogus").status_code == 422
    assert api.get("/network/graph", target="some").status_code == 422
    assert api.get("/network/graph", tag="abc").status_code == 422
    response = charlie_api.get("/network/graph", organisation=acme.pk)
    assert response.status_code == 200 and response.json()["matched"] == 0


def test_suggestions_and_insights_belong_to_the_tokens_workspace(api, charlie_api, people):
    pairs = api.get("/network/connect-suggestions").json()
    assert {(p["a"]["name"], p["b"]["name"]) for p in pairs} == {
        ("Anna Müller", "Cara Müller"),
        ("Ben Müller", "Cara Müller"),
    }
    assert charlie_api.get("/network/connect-suggestions").json() == []
    figures = {f["key"]: f for f in api.get("/insights").json()}
    assert set(figures) == {"health", "discipline", "give_take", "channels"}
    theirs = {f["key"]: f for f in charlie_api.get("/insights").json()}
    assert sum(sum(s["data"]) for s in theirs["health"]["series"]) == 0
    assert sum(sum(s["data"]) for s in figures["health"]["series"]) == 3


def test_without_a_token_it_is_a_401(people):
    from kontaktpflege.api.tests.conftest import ApiClient

    anonymous = ApiClient(None)
    for path in ("/network/graph", "/network/connect-suggestions", "/insights"):
        assert anonymous.get(path).status_code == 401
