"""GET /people/{id}/introductions and /organisations/{id}/introductions."""

from __future__ import annotations

import pytest

from kontaktpflege.network.tests.conftest import _no_cached_graphs, me, net  # noqa: F401

pytestmark = pytest.mark.django_db


def test_an_organisation_answers_ranked_introducers_with_paths(api, net):  # noqa: F811
    api.headers["Accept-Language"] = "en"
    response = api.get(f"/organisations/{net.siemens.pk}/introductions")
    assert response.status_code == 200
    body = response.json()
    first = body["introducers"][0]
    assert first["introducer"]["first_name"] == "Anna" and first["degree"] == 2
    assert first["text"] == "Alice → Anna Alt (Former colleague, strong) → Dr. Julia Weber, Siemens"
    assert [s["relation"] for s in first["path"]] == [
        "",
        "Former colleague, strong",
        "Colleague, good",
    ]
    assert first["reasons"][0] == "tie with you: strong (5/5)"
    assert body["first_degree"] == [] and body["targets"] == 1


def test_a_person_answers_introducers_and_a_limit(api, net):  # noqa: F811
    body = api.get(f"/people/{net.carl.pk}/introductions", limit=1).json()
    assert [(i["introducer"]["first_name"], i["degree"]) for i in body["introducers"]] == [
        ("Bernd", 2)
    ]


def test_a_limit_out_of_range_is_refused(api, net):  # noqa: F811
    assert api.get(f"/people/{net.carl.pk}/introductions", limit=0).status_code == 422
    assert api.get(f"/people/{net.carl.pk}/introductions", limit=51).status_code == 422


def test_charlie_gets_404(charlie_api, net):  # noqa: F811
    assert charlie_api.get(f"/people/{net.weber.pk}/introductions").status_code == 404
    assert charlie_api.get(f"/organisations/{net.siemens.pk}/introductions").status_code == 404


def test_my_own_entry_has_no_introductions(api, me, net):  # noqa: F811
    body = api.get(f"/people/{me.pk}/introductions").json()
    assert body["introducers"] == [] and body["first_degree"] == []


def test_a_large_workspace_answers_preparing(api, net, settings, monkeypatch):  # noqa: F811
    from types import SimpleNamespace

    from kontaktpflege.network import tasks

    settings.GRAPH_IN_REQUEST_PEOPLE = 2  # the worker builds this workspace's graph
    asked: list[int] = []
    monkeypatch.setattr(tasks, "graph_prepare", SimpleNamespace(enqueue=asked.append))
    response = api.get(f"/organisations/{net.siemens.pk}/introductions")
    assert response.status_code == 200
    body = response.json()
    assert body["preparing"] is True and body["introducers"] == [] and body["first_degree"] == []
    assert len(asked) == 1
