"""A large workspace's graph is built by the worker, never in a web request: the page says it
is being prepared (and polls), the worker stores a snapshot per graph version, and any web
process loads that snapshot instead of building."""

from __future__ import annotations

import gc
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import reverse

from kontaktpflege.contacts.services import relationship_set
from kontaktpflege.network import graph, services, tasks
from kontaktpflege.network.services import graph_stamp_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def large(settings):
    settings.GRAPH_IN_REQUEST_PEOPLE = 2  # the small network of conftest counts as large


@pytest.fixture
def no_build_here(monkeypatch):
    """Building (or reading the tables for a graph) in this process fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the graph was built in the web request")

    monkeypatch.setattr(graph, "build", refuse)
    monkeypatch.setattr(graph, "read", refuse)


@pytest.fixture
def asked(monkeypatch):
    """The workspaces the worker was asked for (the task itself does not run)."""
    calls: list[int] = []
    monkeypatch.setattr(tasks, "graph_prepare", SimpleNamespace(enqueue=calls.append))
    return calls


def _snapshots(settings) -> list[Path]:
    return sorted(Path(settings.GRAPH_DIR).glob("*.npz"))


def test_a_large_workspace_says_introductions_are_being_prepared_and_asks_the_worker(
    alice_client, net, workspace, large, no_build_here, asked, settings
):
    url = reverse("organisation", args=[net.siemens.pk])
    html = alice_client.get(url).content.decode()
    assert "Warm introductions are being prepared…" in html
    assert f'hx-get="{url}"' in html and 'hx-select="#warm-introductions"' in html
    assert f'<a href="{url}">Refresh</a>' in html  # without JavaScript
    assert "Anna Alt" not in html.split("warm-introductions", 1)[1]
    assert asked == [workspace.pk]
    assert _snapshots(settings) == []


def test_a_page_that_polls_asks_the_worker_once(alice_client, net, workspace, large, asked):
    url = reverse("person_introductions", args=[net.weber.pk])
    for _ in range(3):
        html = alice_client.get(url, headers={"HX-Request": "true"}).content.decode()
        assert "being prepared" in html
    assert asked == [workspace.pk]


def test_the_worker_stores_the_graph_and_another_process_loads_it_without_building(
    alice_client, net, workspace, large, monkeypatch, settings
):
    assert tasks.graph_prepare.call(workspace.pk) > 0
    token = graph_stamp_get(workspace.pk)
    assert _snapshots(settings) == [graph.snapshot_path(workspace.pk, token)]
    graph.forget()  # a web process that has never seen this workspace
    refuse = lambda *a, **k: pytest.fail("built in the request")  # noqa: E731
    monkeypatch.setattr(graph, "build", refuse)
    monkeypatch.setattr(graph, "read", refuse)
    html = alice_client.get(reverse("organisation", args=[net.siemens.pk])).content.decode()
    assert "being prepared" not in html
    assert html.index("Anna Alt") < html.index("Bernd Berg")


def test_the_loaded_snapshot_is_the_graph_a_build_gives(net, workspace):
    services.graph_prepare(workspace.pk)
    token = graph_stamp_get(workspace.pk)
    built, loaded = graph.build(workspace.pk, token), graph.snapshot_read(workspace.pk, token)
    assert loaded is not None and loaded.ids == built.ids
    assert sorted(loaded.rx.weighted_edge_list()) == sorted(built.rx.weighted_edge_list())


def test_a_change_retires_the_snapshot_until_the_worker_prepares_the_new_version(
    alice_client, net, workspace, me, large, asked, settings, make_person
):
    services.graph_prepare(workspace.pk)
    old = _snapshots(settings)
    eva = make_person(first_name="Eva", last_name="Ernst")
    relationship_set(a=me, b=eva, strength=5, context="friend")
    relationship_set(a=eva, b=net.weber, strength=5, context="colleague")
    url = reverse("organisation", args=[net.siemens.pk])
    assert "being prepared" in alice_client.get(url).content.decode()
    assert asked == [workspace.pk]
    services.graph_prepare(workspace.pk)
    assert _snapshots(settings) != old and len(_snapshots(settings)) == 1
    assert "Eva Ernst" in alice_client.get(url).content.decode()


def test_an_unreadable_snapshot_counts_as_none_and_the_worker_is_asked_again(
    alice_client, net, workspace, large, asked, settings
):
    path = graph.snapshot_path(workspace.pk, graph_stamp_get(workspace.pk))
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a graph")
    html = alice_client.get(reverse("organisation", args=[net.siemens.pk])).content.decode()
    assert "being prepared" in html and asked == [workspace.pk]


def test_a_small_workspace_is_built_in_the_request_without_the_worker(
    alice_client, net, asked, settings
):
    html = alice_client.get(reverse("organisation", args=[net.siemens.pk])).content.decode()
    assert "Anna Alt" in html and "being prepared" not in html
    assert asked == [] and _snapshots(settings) == []


def test_the_target_list_says_introductions_are_being_prepared(alice_client, net, large, asked):
    html = alice_client.get(reverse("target_network")).content.decode()
    assert "Warm introductions are being prepared…" in html


def test_a_large_graph_is_moved_out_of_the_garbage_collectors_way(net, workspace, monkeypatch):
    gc.unfreeze()
    token = graph_stamp_get(workspace.pk)
    graph.graph_for(workspace.pk, token)
    assert gc.get_freeze_count() == 0  # a small graph costs a collection nothing
    graph.forget()
    monkeypatch.setattr(graph, "SETTLE_EDGES", 1)
    try:
        graph.graph_for(workspace.pk, token)
        assert gc.get_freeze_count() > 0  # full collections skip the graph's payloads
    finally:
        gc.unfreeze()
