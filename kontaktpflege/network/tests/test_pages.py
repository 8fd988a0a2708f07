"""The warm-introduction sections and the network-vs-target-list view."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_organisation_page_shows_ranked_introducers_with_paths(alice_client, net):
    response = alice_client.get(reverse("organisation", args=[net.siemens.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Warm introductions" in html
    assert html.index("Anna Alt") < html.index("Bernd Berg")
    ask = reverse("compose", args=[net.anna.pk])
    assert f"{ask}?template=introduction_request&amp;about=organisation:{net.siemens.pk}" in html


def test_the_person_section_works_without_javascript(alice_client, net):
    page = alice_client.get(reverse("person", args=[net.weber.pk])).content.decode()
    url = reverse("person_introductions", args=[net.weber.pk])
    assert f'href="{url}"' in page
    html = alice_client.get(url).content.decode()
    assert "Ask Anna Alt for an introduction" in html
    assert f"about=person:{net.weber.pk}" in html


def test_htmx_gets_only_the_section(alice_client, net):
    url = reverse("person_introductions", args=[net.weber.pk])
    html = alice_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert html.lstrip().startswith("<section") and "<html" not in html


def test_a_viewer_sees_paths_but_no_ask_button(alice_client, net, workspace):
    from kontaktpflege.accounts.models import Membership

    Membership.objects.filter(workspace=workspace).update(role="viewer")
    html = alice_client.get(reverse("organisation", args=[net.siemens.pk])).content.decode()
    assert "Anna Alt" in html and "introduction_request" not in html


def test_charlie_gets_404_for_alices_sections(charlie_client, net):
    assert (
        charlie_client.get(reverse("person_introductions", args=[net.weber.pk])).status_code == 404
    )
    assert charlie_client.get(reverse("organisation", args=[net.siemens.pk])).status_code == 404


def test_the_target_view_lists_first_degree_introducers_conversations_and_insights(
    alice_client, me, net, workspace
):
    from kontaktpflege.applications.models import Conversation, Insight
    from kontaktpflege.contacts.services import relationship_set

    relationship_set(a=me, b=net.weber, strength=3, context="customer")
    Conversation.objects.create(workspace=workspace, person=net.weber, goal="Team culture")
    Conversation.objects.create(
        workspace=workspace, person=net.anna, organisation=net.siemens, goal="Hiring plans"
    )
    Insight.objects.create(workspace=workspace, organisation=net.siemens, text="Hires in Q3")
    html = alice_client.get(reverse("target_network")).content.decode()
    assert "Siemens" in html and "Bosch" not in html  # only target companies
    for text in ("Dr. Julia Weber", "Anna Alt", "Team culture", "Hiring plans", "Hires in Q3"):
        assert text in html


def test_the_target_view_exports_csv_with_formulas_neutralised(alice_client, net, workspace):
    from kontaktpflege.applications.models import Insight

    Insight.objects.create(workspace=workspace, organisation=net.siemens, text="=HYPERLINK(1)")
    response = alice_client.get(reverse("target_network") + "?format=csv")
    text = response.content.decode("utf-8-sig")
    assert response["Content-Disposition"].startswith("attachment;")
    assert '"Siemens"' in text and '"\'=HYPERLINK(1)"' in text
    assert "Alice → Anna Alt (Former colleague, strong) → Dr. Julia Weber, Siemens" in text


def test_the_target_view_exports_xlsx(alice_client, net):
    from openpyxl import load_workbook

    response = alice_client.get(reverse("target_network") + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Company" and rows[1][0] == "Siemens"


def test_the_target_view_is_empty_without_targets(alice_client):
    html = alice_client.get(reverse("target_network")).content.decode()
    assert "Your target list is empty" in html


def test_charlie_sees_only_his_own_empty_target_view(charlie_client, net):
    html = charlie_client.get(reverse("target_network")).content.decode()
    assert "Siemens" not in html and "Your target list is empty" in html
