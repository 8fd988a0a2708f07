"""In real Chromium: target company → ranked introducers with paths → "ask for an
introduction" drafts the message to the introducer."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_from_a_target_company_to_a_drafted_introduction_request(logged_in_page, net):
    page = logged_in_page
    page.goto("/organisations/network/")
    row = page.locator("table.target-network tbody tr").filter(has_text="Siemens")
    expect(row).to_contain_text("Anna Alt")
    row.get_by_role("link", name="Siemens").click()

    section = page.locator("#warm-introductions")
    expect(section).to_contain_text("Who can introduce you")
    first = section.locator("li.intro-item").first
    expect(first).to_contain_text("Anna Alt")
    expect(first).to_contain_text("Former colleague, strong")
    expect(first).to_contain_text("Dr. Julia Weber")
    expect(first).to_contain_text("knows Dr. Julia Weber directly")
    expect(section.locator("li.intro-item").nth(2)).to_contain_text("Carl Corn")  # the bridge

    first.get_by_role("link", name="Ask Anna Alt for an introduction").click()
    expect(page.locator("#compose-form")).to_be_visible()
    preview = page.locator("#compose-preview")
    expect(preview).to_contain_text("Guten Tag Anna Alt")
    expect(preview).to_contain_text(
        "Würden Sie mich mit Dr. Julia Weber von Siemens bekannt machen"
    )
    page.fill("textarea[name=notes]", "Ich möchte verstehen, wie dort Produkte entstehen.")
    expect(preview).to_contain_text("wie dort Produkte entstehen")


def test_the_person_page_loads_its_introductions_section(logged_in_page, net):
    page = logged_in_page
    page.goto(f"/people/{net.weber.pk}/")
    section = page.locator("#warm-introductions")
    expect(section.locator("li.intro-item").first).to_contain_text("Anna Alt")
    section.get_by_role("link", name="Ask Anna Alt for an introduction").click()
    expect(page.locator("#compose-preview")).to_contain_text(
        "Würden Sie mich mit Dr. Julia Weber von Siemens bekannt machen"
    )


def test_a_large_workspace_polls_until_the_worker_has_prepared_the_graph(
    logged_in_page, net, workspace, settings, monkeypatch
):
    from types import SimpleNamespace

    from kontaktpflege.network import services, tasks

    settings.GRAPH_IN_REQUEST_PEOPLE = 2  # the worker builds this workspace's graph
    monkeypatch.setattr(tasks, "graph_prepare", SimpleNamespace(enqueue=lambda pk: None))
    page = logged_in_page
    page.goto(f"/organisations/{net.siemens.pk}/")
    section = page.locator("#warm-introductions")
    expect(section).to_contain_text("Warm introductions are being prepared…")
    services.graph_prepare(workspace.pk)  # the worker's turn
    expect(section.locator("li.intro-item").first).to_contain_text("Anna Alt", timeout=10_000)
    expect(section).not_to_contain_text("being prepared")
