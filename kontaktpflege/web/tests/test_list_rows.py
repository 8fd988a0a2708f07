"""The rows of the people and organisations lists (web/templatetags/lists.py): what each
cell shows, in the reader's language, for writers and viewers, with every value escaped."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from kontaktpflege.applications.models import Insight
from kontaktpflege.contacts.models import Person
from kontaktpflege.contacts.services import organisation_create

pytestmark = pytest.mark.django_db

HOSTILE = '<img src=x onerror="alert(1)">&\''


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>.*?</tr>", body, flags=re.S)


def test_every_value_in_a_people_row_is_escaped(alice_client, workspace, make_person):
    org = organisation_create(workspace=workspace, name=HOSTILE, is_target=True)
    make_person(
        first_name=HOSTILE, last_name="X", organisation=org, job_title=HOSTILE, tags=[HOSTILE]
    )
    html = alice_client.get("/people/").content.decode()
    (row,) = _rows(html)
    assert "<img" not in row
    escaped = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#x27;"
    assert row.count(escaped) == 5  # name twice (link, pick box label), organisation, title, tag


def test_a_people_row_shows_employer_title_circle_tags_and_last_contact(
    alice_client, alice, workspace, make_person
):
    alice.language = "de"
    alice.save(update_fields=["language"])
    acme = organisation_create(workspace=workspace, name="Acme", is_target=True)
    with time_machine.travel(dt.datetime(2025, 6, 2, 9, tzinfo=dt.UTC), tick=False):
        person = make_person(
            first_name="Jana",
            last_name="Kern",
            organisation=acme,
            job_title="CTO",
            circle="core",
            tags=["Golf", "Design"],
        )
        Person.objects.filter(pk=person.pk).update(
            last_touched_at=timezone.now() - dt.timedelta(days=3)
        )
        html = alice_client.get("/people/").content.decode()
    (row,) = _rows(html)
    assert f'id="pick-{person.pk}" aria-label="Jana Kern"' in row
    assert f'<a href="/people/{person.pk}/">Jana Kern</a>' in row
    assert (
        'data-label="Organisation">Acme <span class="badge text-bg-warning" title="Zielfirma">★'
        in row
    )
    assert '<div class="small text-body-secondary">CTO</div>' in row
    assert 'data-label="Kreis">Kern</td>' in row
    assert row.count('class="badge text-bg-secondary me-1"') == 2
    assert 'data-label="Letzter Kontakt">vor 3 Tagen</td>' in row


def test_a_viewer_gets_the_rows_without_pick_boxes(alices_viewer_client, make_person):
    make_person(first_name="Nur", last_name="Lesen")
    html = alices_viewer_client.get("/people/").content.decode()
    (row,) = _rows(html)
    assert "Nur Lesen" in row and "pick-" not in row and "people-bulk" not in html


def test_a_person_never_touched_shows_a_dash_and_no_employer(alice_client, make_person):
    make_person(first_name="Ohne", last_name="Firma")
    (row,) = _rows(alice_client.get("/people/").content.decode())
    assert 'data-label="Last contact">—</td>' in row
    assert 'data-label="Organisation"></td>' in row


def test_organisation_rows_link_count_and_escape(alice_client, workspace, make_person):
    org = organisation_create(
        workspace=workspace, name=HOSTILE, industry="<i>IT</i>", region="Nord & Süd"
    )
    make_person(first_name="A", organisation=org)
    make_person(first_name="B", organisation=org)
    (row,) = _rows(alice_client.get("/organisations/").content.decode())
    assert "<img" not in row and "<i>" not in row
    assert f'<a href="/organisations/{org.pk}/">&lt;img' in row
    assert ">&lt;i&gt;IT&lt;/i&gt;</td>" in row and ">Nord &amp; Süd</td>" in row
    assert 'data-label="People">2</td>' in row
    assert "Priority" not in row


def test_the_target_list_rows_show_priority_status_and_the_latest_insight(
    alice_client, alice, workspace
):
    alice.language = "de"
    alice.save(update_fields=["language"])
    org = organisation_create(
        workspace=workspace, name="Acme", is_target=True, target_priority=1, target_status="idea"
    )
    plain = organisation_create(workspace=workspace, name="Beta", is_target=True)
    for text in ["Old <b>news</b>", "x" * 100, "Newest: they hire <designers>"]:
        Insight.objects.create(workspace=workspace, organisation=org, text=text)
    rows = _rows(alice_client.get("/organisations/?target=1").content.decode())
    first, second = rows
    assert 'data-label="Priorität">1</td>' in first
    assert 'data-label="Status">Idee</td>' in first
    assert "Newest: they hire &lt;designers&gt;" in first
    assert '<span class="badge text-bg-light">+2</span>' in first
    assert "★" not in first  # the target list needs no star
    assert f'<a href="/organisations/{plain.pk}/">Beta</a>' in second
    assert 'class="insights" data-label="Erkenntnisse">—</td>' in second


def test_a_long_insight_is_cut_to_eighty_characters(alice_client, workspace):
    org = organisation_create(workspace=workspace, name="Acme", is_target=True)
    Insight.objects.create(workspace=workspace, organisation=org, text="y" * 120)
    (row,) = _rows(alice_client.get("/organisations/?target=1").content.decode())
    assert ">" + "y" * 79 + "…</td>" in row


@pytest.fixture
def alices_viewer_client(workspace, django_user_model, client):
    from kontaktpflege.accounts.services import membership_add

    viewer = django_user_model.objects.create_user(
        username="vera", email="vera@example.org", password="pw-vera-123", language="en"
    )
    membership_add(workspace=workspace, user=viewer, role="viewer")
    viewer.active_workspace = workspace
    viewer.save(update_fields=["active_workspace"])
    client.force_login(viewer)
    return client
