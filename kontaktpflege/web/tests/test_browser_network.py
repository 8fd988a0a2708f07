"""The network graph and the insights charts in real Chromium: the graph draws its nodes and a
tag filter narrows it; the charts and their tables render without console errors or serious
axe-core findings."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kontaktpflege.contacts.models import Tag
from kontaktpflege.contacts.services import relationship_set
from kontaktpflege.touchpoints.services import touchpoint_log
from kontaktpflege.web.tests.browser import collect_console_errors, serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def network(workspace, make_person):
    """Six people, three tagged Design; a few relationships and touchpoints."""
    people = [
        make_person(first_name=name, last_name="Graf", tags=["Design"] if i < 3 else ["Sales"])
        for i, name in enumerate(["Anna", "Ben", "Cara", "Dora", "Emil", "Fritz"])
    ]
    for a, b in ((0, 1), (1, 2), (3, 4), (0, 5)):
        relationship_set(a=people[a], b=people[b], strength=a + 1)
    touchpoint_log(workspace=workspace, participants=people[:2], summary="Kaffee", give_take="give")
    return people


def _node_count(page) -> int:
    box = page.locator("#network-graph")
    expect(box).to_have_attribute("data-ready", "1")
    return int(box.get_attribute("data-nodes") or 0)


def test_the_graph_draws_nodes_and_a_tag_filter_narrows_it(logged_in_page, network, workspace):
    page = logged_in_page
    errors = collect_console_errors(page)
    page.goto("/network/")
    assert _node_count(page) == 6
    expect(page.locator("#network-graph canvas").first).to_be_attached()
    design = Tag.objects.get(workspace=workspace, name="Design")
    page.select_option("#f-tag", str(design.pk))
    page.click("#graph-filters button[type=submit]")
    page.wait_for_url(lambda url: f"tag={design.pk}" in url)
    assert _node_count(page) == 3
    expect(page.locator("#graph-table tbody tr")).to_have_count(3)
    assert serious_axe_violations(page) == []
    assert errors == []


def test_the_insights_page_draws_every_chart_beside_its_table(logged_in_page, network):
    page = logged_in_page
    errors = collect_console_errors(page)
    page.goto("/insights/")
    expect(page.locator("body")).to_have_attribute("data-charts", "4")
    for key in ("health", "discipline", "give_take", "channels"):
        expect(page.locator(f"#table-{key}")).to_be_visible()
        box = page.locator(f"#chart-{key}").bounding_box()
        assert box and box["height"] > 100
    assert serious_axe_violations(page) == []
    assert errors == []
