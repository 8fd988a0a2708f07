"""A large workspace's graph is built by the worker, never in a web request: the page says it
is being prepared (and polls), the worker stores a snapshot per graph version, and any web
process loads that snapshot instead of building."""

from __future__ import annotations

import csv
import io
import threading
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
    assert loaded is not None and loaded.ids.tolist() == built.ids.tolist()
    assert loaded.edges().tolist() == built.edges().tolist()


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


def test_the_worker_stores_my_two_step_index_so_no_request_computes_it(
    net, workspace, me, large, monkeypatch
):
    services.graph_prepare(workspace.pk)
    loaded = graph.snapshot_read(workspace.pk, graph_stamp_get(workspace.pk))
    assert loaded is not None
    node = loaded.node(me.pk)
    assert node is not None and set(loaded._steps) == {node}
    expected = graph.two_steps(loaded.ptr, loaded.nbr, loaded.pay, node)
    monkeypatch.setattr(graph, "two_steps", lambda *a: pytest.fail("computed in the request"))
    assert loaded.steps(node).via.tolist() == expected.via.tolist()
    assert loaded.steps(node).mine.tolist() == expected.mine.tolist()


def test_a_snapshot_still_loading_answers_being_prepared_without_waiting_for_it(
    alice_client, net, workspace, large, asked, settings, monkeypatch
):
    services.graph_prepare(workspace.pk)
    settings.GRAPH_LOAD_WAIT_MS = 10
    release = threading.Event()
    read = graph.snapshot_read

    def slow_read(*args):
        assert release.wait(30), "the request waited for the load"
        return read(*args)

    monkeypatch.setattr(graph, "snapshot_read", slow_read)
    url = reverse("organisation", args=[net.siemens.pk])
    html = alice_client.get(url).content.decode()
    assert "Warm introductions are being prepared…" in html
    assert not release.is_set() and len(graph.loading()) == 1  # answered while loading
    assert "being prepared" in alice_client.get(url).content.decode()
    assert len(graph.loading()) == 1  # one load per process, not one per request
    release.set()
    for loader in graph.loading():
        loader.join(30)
    html = alice_client.get(url).content.decode()
    assert "being prepared" not in html and "Anna Alt" in html
    assert asked == []  # the worker had prepared it: nobody asked again


def test_an_unreadable_snapshot_is_removed_so_the_worker_prepares_it_again(
    alice_client, net, workspace, large, settings
):
    path = graph.snapshot_path(workspace.pk, graph_stamp_get(workspace.pk))
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a graph")
    assert graph.snapshot_read(workspace.pk, graph_stamp_get(workspace.pk)) is None
    assert not path.exists()
    assert tasks.graph_prepare.call(workspace.pk) > 0
    assert graph.snapshot_read(workspace.pk, graph_stamp_get(workspace.pk)) is not None


def test_an_export_while_the_graph_is_prepared_says_so_instead_of_empty_columns(
    alice_client, net, large, asked
):
    response = alice_client.get(reverse("target_network") + "?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    siemens = next(r for r in rows if r[0] == "Siemens")
    note = "Being prepared: export again in a minute"
    assert siemens[3] == note and siemens[4] == note
    assert "Anna Alt" not in response.content.decode("utf-8-sig")
    html = alice_client.get(reverse("target_network")).content.decode()
    assert "being prepared" in html.split("<tbody>", 1)[1]


def test_the_export_in_german_says_it_is_being_prepared(alice, alice_client, net, large, asked):
    alice.language = "de"
    alice.save(update_fields=["language"])
    response = alice_client.get(reverse("target_network") + "?format=csv")
    assert "Wird vorbereitet: in einer Minute erneut exportieren" in response.content.decode(
        "utf-8-sig"
    )
