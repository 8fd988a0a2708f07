"""The network graph, connect others and insights: figures on known data, filters, caps,
empty states, bad input and charlie (another workspace) seeing nothing of alice's."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kontaktpflege.contacts import connect
from kontaktpflege.contacts.models import Relationship, Tag
from kontaktpflege.contacts.services import organisation_create, relationship_set
from kontaktpflege.followups.insights import followup_discipline, give_and_take, network_health
from kontaktpflege.touchpoints.graph import GraphFilters, network_graph
from kontaktpflege.touchpoints.services import touchpoint_log

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2025, 6, 15, 12, tzinfo=BERLIN)


@pytest.fixture
def net(workspace, make_person):
    """Anna (core, design, met twice) knows Ben (Acme, target, design); Cara (design) and
    Dora (Beta, same industry as Acme) know nobody."""
    acme = organisation_create(
        workspace=workspace, name="Acme", industry="Software", is_target=True
    )
    beta = organisation_create(workspace=workspace, name="Beta", industry="Software")
    with time_machine.travel(NOW, tick=False):
        anna = make_person(first_name="Anna", last_name="Berg", circle="core", tags=["Design"])
        ben = make_person(first_name="Ben", last_name="Kraus", tags=["Design"], organisation=acme)
        cara = make_person(first_name="Cara", last_name="Lang", tags=["Design"])
        dora = make_person(first_name="Dora", last_name="Moser", organisation=beta)
        relationship_set(a=anna, b=ben, strength=5)
        for days, give_take in ((40, "give"), (10, "take")):
            touchpoint_log(
                workspace=workspace,
                participants=[anna],
                summary="Kaffee",
                occurred_at=NOW - dt.timedelta(days=days),
                give_take=give_take,
            )
    return {"anna": anna, "ben": ben, "cara": cara, "dora": dora, "acme": acme, "beta": beta}


# --- the graph ---


def test_the_graph_sizes_nodes_by_touches_and_weights_edges_by_strength(workspace, net):
    with time_machine.travel(NOW, tick=False):
        graph = network_graph(workspace=workspace, filters=GraphFilters())
    assert graph.nodes[0].label == "Anna Berg"  # met most often: first
    assert {n.label: n.touches for n in graph.nodes}["Anna Berg"] == 2
    assert [(e.source, e.target, e.strength) for e in graph.edges] == [
        (net["anna"].pk, net["ben"].pk, 5)
    ]
    assert graph.matched == 4 and not graph.capped


def test_filters_narrow_the_graph_in_the_database(workspace, net):
    def labels(**f):
        return sorted(
            n.label for n in network_graph(workspace=workspace, filters=GraphFilters(**f)).nodes
        )

    design = Tag.objects.get(workspace=workspace, name="Design").pk
    assert labels(tag=design) == ["Anna Berg", "Ben Kraus", "Cara Lang"]
    assert labels(circle="core") == ["Anna Berg"]
    assert labels(organisation=net["beta"].pk) == ["Dora Moser"]
    assert labels(target="any") == ["Ben Kraus"]
    assert labels(target=net["acme"].pk) == ["Ben Kraus"]
    assert labels(target=net["beta"].pk) == []  # not a target company


def test_more_people_than_the_cap_show_the_most_important_with_a_note(workspace, net, alice_client):
    graph = network_graph(workspace=workspace, filters=GraphFilters(), cap=2)
    assert graph.capped and graph.matched == 4 and len(graph.nodes) == 2
    with CaptureQueriesContext(connection) as queries:
        network_graph(workspace=workspace, filters=GraphFilters(), cap=2)
    assert len(queries) == 3


def test_a_filter_matching_nobody_shows_the_empty_state_not_an_error(alice_client, net):
    response = alice_client.get(f"/network/?circle=dormant&tag={net['anna'].pk + 999}")
    assert response.status_code == 200
    assert 'id="graph-empty"' in response.content.decode()
    assert alice_client.get("/network/graph.json?circle=dormant").json()["nodes"] == []


def test_unknown_filter_values_are_ignored_as_on_the_people_list(alice_client, net):
    page = alice_client.get("/network/?circle=bogus&tag=abc&organisation=-1&target=x")
    assert page.status_code == 200
    assert "4 people" in page.content.decode()


def test_the_page_lists_the_people_as_a_table_and_links_them(alice_client, net):
    page = alice_client.get("/network/").content.decode()
    assert 'id="graph-table"' in page and f'href="/people/{net["anna"].pk}/"' in page
    assert 'data-src="/network/graph.json"' in page


def test_charlie_sees_nothing_of_alice_in_the_graph(charlie_client, net, workspace):
    design = Tag.objects.get(workspace=workspace, name="Design").pk
    page = charlie_client.get(f"/network/?tag={design}").content.decode()
    assert "Anna Berg" not in page and 'id="graph-empty"' in page
    data = charlie_client.get(f"/network/graph.json?organisation={net['acme'].pk}").json()
    assert data["matched"] == 0


# --- connect others ---


def test_pairs_share_a_tag_or_an_industry_and_do_not_know_each_other(workspace, net):
    pairs = {
        (s.a.first_name, s.b.first_name): s.reasons
        for s in connect.connect_suggestions(workspace=workspace)
    }
    assert ("Anna", "Ben") not in pairs  # they have a relationship
    assert pairs[("Anna", "Cara")] == ["both tagged “Design”"]
    assert pairs[("Ben", "Dora")] == ["both in Software"]


def test_suggestions_look_at_capped_groups_not_at_all_pairs(workspace, make_person):
    for i in range(40):
        make_person(first_name=f"P{i}", tags=["Python"])
    suggestions = connect.connect_suggestions(workspace=workspace, limit=1000)
    people = {p for s in suggestions for p in (s.a.pk, s.b.pk)}
    assert len(people) == connect.GROUP_SIZE
    assert len(suggestions) == connect.GROUP_SIZE * (connect.GROUP_SIZE - 1) // 2


def test_i_introduced_them_records_a_relationship_once(alice_client, net):
    anna, cara = net["anna"], net["cara"]
    data = {"a": anna.pk, "b": cara.pk}
    assert alice_client.post("/network/connect/introduced/", data).status_code == 302
    edge = Relationship.objects.get(from_person=anna, to_person=cara)
    assert edge.context == "introduced"
    response = alice_client.post("/network/connect/introduced/", data, follow=True)
    assert "Anna Berg and Cara Lang already know each other." in response.content.decode()
    assert Relationship.objects.filter(from_person=anna, to_person=cara).count() == 1
    pairs = connect.connect_suggestions(workspace=anna.workspace)
    assert (anna.pk, cara.pk) not in {s.key for s in pairs}


def test_charlie_cannot_introduce_alices_people(charlie_client, net):
    data = {"a": net["anna"].pk, "b": net["cara"].pk}
    assert charlie_client.post("/network/connect/introduced/", data).status_code == 404
    assert Relationship.objects.count() == 1
    page = charlie_client.get("/network/connect/").content.decode()
    assert "Anna Berg" not in page and 'id="connect-empty"' in page


def test_the_draft_is_addressed_to_one_and_names_the_other(alice_client, net):
    anna, cara = net["anna"], net["cara"]
    url = f"/people/{anna.pk}/compose/?template=connect_others&variant=de_du&about=pair:{cara.pk}"
    page = alice_client.get(url).content.decode()
    assert "Darf ich euch einander vorstellen?" in page
    assert "ich würde dich gern mit Cara Lang bekannt machen" in page
    assert "ihr habt beide mit Design zu tun" in page


def test_a_pair_of_another_workspace_names_nobody(charlie_client, net, charlie):
    from kontaktpflege.contacts.services import person_create

    own = person_create(workspace=charlie.active_workspace, first_name="Zoe", last_name="Roth")
    url = (
        f"/people/{own.pk}/compose/?template=connect_others&variant=en&about=pair:{net['cara'].pk}"
    )
    page = charlie_client.get(url).content.decode()
    assert "Cara" not in page and "May I introduce you to someone?" in page


# --- insights ---


def test_network_health_counts_people_per_circle_by_days_since_the_last_touch(workspace, net):
    figure = network_health(workspace=workspace, now=NOW)
    table = dict(figure.rows())
    assert table["Core"] == [1, 0, 0, 0, 0, 0]  # Anna, 10 days ago
    assert table["Network"] == [0, 0, 0, 0, 0, 3]  # Ben, Cara, Dora: never


def test_give_and_take_per_month_with_german_labels(workspace, net):
    with translation.override("de"):
        figure = give_and_take(workspace=workspace, today=NOW.date())
        assert figure.title == "Geben und Nehmen"
    table = dict(figure.rows())
    assert table["Mai 2025"] == [1, 0] and table["Jun 2025"] == [0, 1]
    assert len(figure.labels) == 12


def test_followup_discipline_is_the_share_done_by_the_original_due_date(workspace, net):
    from kontaktpflege.followups.models import FollowUp

    common = {"workspace": workspace, "person": net["anna"], "rule": "new_contact"}
    closed = dt.datetime(2025, 5, 4, 12, tzinfo=BERLIN)
    for i, (state, closed_at) in enumerate(
        [("done", closed), ("done", closed + dt.timedelta(days=5)), ("open", None)]
    ):
        day = dt.date(2025, 5, 5)
        FollowUp.objects.create(
            **common, key=f"k{i}", due_on=day, original_due_on=day, state=state, closed_at=closed_at
        )
    with translation.override("en"):
        figure = followup_discipline(workspace=workspace, today=NOW.date())
    assert dict(figure.rows())["May 2025"] == [33, 3, 1]


def test_the_insights_page_has_a_chart_and_a_table_per_figure(alice_client, net):
    page = alice_client.get("/insights/").content.decode()
    for key in ("health", "discipline", "give_take", "channels"):
        assert f'id="chart-{key}"' in page and f'id="table-{key}"' in page
    assert 'id="insights-data" type="application/json"' in page
    assert 'id="chart-funnel"' not in page  # no applications yet


def test_the_funnel_appears_once_there_are_applications(alice_client, net, workspace):
    from kontaktpflege.applications.models import Application

    Application.objects.create(workspace=workspace, organisation=net["acme"], position="PM")
    page = alice_client.get("/insights/").content.decode()
    assert 'id="table-funnel"' in page


def test_charlie_sees_only_his_own_empty_figures(charlie_client, net):
    page = charlie_client.get("/insights/").content.decode()
    assert page.count("Nothing to show yet for this period.") == 4
