"""The applications pages: board, list, detail, forms; moves without JavaScript; 404 for
another workspace; a bounded number of queries on the board and the list."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kontaktpflege.applications import services
from kontaktpflege.applications.models import Application, ApplicationContact, Interview
from kontaktpflege.contacts.models import Organisation, Person
from kontaktpflege.contacts.services import organisation_create, person_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(workspace):
    return organisation_create(workspace=workspace, name="Acme GmbH")


@pytest.fixture
def app(workspace, acme):
    return services.application_create(
        workspace=workspace,
        organisation=acme,
        position="Product Designer",
        stage="applied",
        applied_on=dt.date(2025, 3, 1),
    )


def snapshot():
    return (
        list(Application.objects.order_by("pk").values()),
        list(ApplicationContact.objects.order_by("pk").values()),
        list(Interview.objects.order_by("pk").values()),
    )


def test_the_nav_leads_to_the_board_with_one_next_step_when_empty(alice_client):
    html = alice_client.get("/applications/").content.decode()
    assert 'href="/applications/"' in html
    assert "No applications yet" in html
    assert 'href="/applications/new/"' in html


def test_the_board_shows_each_stage_as_a_column_with_the_card(alice_client, app):
    html = alice_client.get("/applications/").content.decode()
    assert html.count('class="board-column') == 8
    column = re.search(r'data-stage="applied">(.*?)</section>', html, re.S).group(1)
    assert "Product Designer" in column and "Acme GmbH" in column


def test_a_card_moves_with_its_button_without_javascript(alice_client, app):
    response = alice_client.post(
        f"/applications/{app.pk}/move/", {"stage": "interview", "back": "board"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/applications/#application-{app.pk}"
    app.refresh_from_db()
    assert app.stage == "interview"


def test_a_move_to_rejected_asks_for_the_date_first(alice_client, app):
    response = alice_client.post(f"/applications/{app.pk}/move/", {"stage": "rejected"})
    assert response["Location"] == f"/applications/{app.pk}/reject/"
    app.refresh_from_db()
    assert app.stage == "applied"
    before = snapshot()
    response = alice_client.post(f"/applications/{app.pk}/reject/", {"rejected_on": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert snapshot() == before
    alice_client.post(f"/applications/{app.pk}/reject/", {"rejected_on": "2025-04-03"})
    app.refresh_from_db()
    assert (app.stage, app.rejected_on) == ("rejected", dt.date(2025, 4, 3))


def test_a_stage_not_in_the_choices_changes_nothing(alice_client, app):
    before = snapshot()
    response = alice_client.post(f"/applications/{app.pk}/move/", {"stage": "hired"}, follow=True)
    assert "Choose one of the stages" in response.content.decode()
    assert snapshot() == before


def test_creating_an_application_finds_or_adds_the_organisation(alice_client, acme):
    response = alice_client.post(
        "/applications/new/",
        {"organisation_name": "acme gmbh", "position": "UX Lead", "stage": "saved"},
    )
    app = Application.objects.get(position="UX Lead")
    assert response["Location"] == f"/applications/{app.pk}/"
    assert app.organisation == acme
    alice_client.post(
        "/applications/new/",
        {"organisation_name": "Globex", "position": "Researcher", "stage": "applied"},
    )
    assert Organisation.objects.filter(name="Globex").exists()


def test_an_upside_down_salary_shows_on_its_field_and_saves_nothing(alice_client, app):
    before = snapshot()
    response = alice_client.post(
        f"/applications/{app.pk}/edit/",
        {
            "organisation_name": "Acme GmbH",
            "position": "Product Designer",
            "stage": "applied",
            "salary_min": "90000",
            "salary_max": "70000",
        },
    )
    assert response.status_code == 200
    assert "The upper end is below the lower end" in response.content.decode()
    assert snapshot() == before


def test_contacts_are_added_by_name_with_a_role_and_new_people_are_created(
    alice_client, app, workspace
):
    eva = person_create(workspace=workspace, first_name="Eva", last_name="Berg")
    alice_client.post(
        f"/applications/{app.pk}/contacts/", {"name": "Eva Berg", "role": "recruiter"}
    )
    alice_client.post(
        f"/applications/{app.pk}/contacts/",
        {"name": "Jonas Ost", "role": "interviewer", "gender": "m"},
    )
    contacts = list(app.application_contacts.order_by("id").values_list("person_id", "role"))
    jonas = Person.objects.get(first_name="Jonas")
    assert contacts == [(eva.pk, "recruiter"), (jonas.pk, "interviewer")]
    assert (jonas.gender, jonas.organisation_id) == ("m", app.organisation_id)
    html = alice_client.get(f"/applications/{app.pk}/").content.decode()
    assert "Eva Berg" in html and "Recruiter" in html


def test_an_interview_is_entered_in_the_readers_zone(alice_client, alice, app, workspace):
    eva = person_create(workspace=workspace, first_name="Eva", last_name="Berg")
    services.application_contact_add(application=app, person=eva, role="recruiter")
    alice.time_zone = "America/New_York"
    alice.save(update_fields=["time_zone"])
    alice_client.post(
        f"/applications/{app.pk}/interviews/new/",
        {"day": "2025-03-10", "time": "10:00", "kind": "video", "participants": [eva.pk]},
    )
    interview = Interview.objects.get()
    assert interview.at == dt.datetime(2025, 3, 10, 14, 0, tzinfo=dt.UTC)
    assert list(interview.participants.all()) == [eva]
    html = alice_client.get(f"/interviews/{interview.pk}/edit/").content.decode()
    assert 'value="10:00"' in html


def test_an_interview_before_the_application_is_refused_on_the_date(alice_client, app):
    before = snapshot()
    response = alice_client.post(
        f"/applications/{app.pk}/interviews/new/",
        {"day": "2025-02-01", "time": "10:00", "kind": "phone"},
    )
    assert response.status_code == 200
    assert "cannot come before the application" in response.content.decode()
    assert snapshot() == before


def test_an_organisation_with_applications_is_not_deleted_and_says_why(alice_client, app, acme):
    response = alice_client.post(f"/organisations/{acme.pk}/delete/", follow=True)
    html = response.content.decode()
    assert "cannot be deleted while something still refers to it (1 applications)" in html
    assert Organisation.objects.filter(pk=acme.pk).exists()


def test_the_detail_shows_followups_with_a_write_button_and_the_timeline(
    alice_client, app, workspace, django_capture_on_commit_callbacks
):
    from kontaktpflege.touchpoints.services import touchpoint_log

    with time_machine.travel(dt.datetime(2025, 3, 11, 9, tzinfo=dt.UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            eva = person_create(workspace=workspace, first_name="Eva", last_name="Berg")
            services.application_contact_add(application=app, person=eva, role="recruiter")
            services.interview_add(
                application=app,
                at=dt.datetime(2025, 3, 10, 9, tzinfo=dt.UTC),
                kind="phone",
                participants=[eva],
            )
            touchpoint_log(workspace=workspace, participants=[eva], summary="Rückruf von Eva")
        html = alice_client.get(f"/applications/{app.pk}/").content.decode()
    assert "Interview thank-you" in html
    assert f"/people/{eva.pk}/compose/?followup=" in html
    assert "Rückruf von Eva" in html


def test_the_board_and_the_list_need_a_fixed_number_of_queries(alice_client, workspace, acme):
    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert alice_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    def add(n):
        for i in range(n):
            a = services.application_create(
                workspace=workspace, organisation=acme, position=f"P{i}"
            )
            p = person_create(workspace=workspace, first_name=f"R{i}", last_name="X")
            services.application_contact_add(application=a, person=p, role="recruiter")

    add(2)
    board, listing = count("/applications/"), count("/applications/list/")
    add(10)
    assert count("/applications/") == board
    assert count("/applications/list/") == listing
    assert board <= 12


@pytest.mark.parametrize(
    "path",
    [
        "/applications/{app}/",
        "/applications/{app}/edit/",
        "/applications/{app}/delete/",
        "/applications/{app}/reject/",
        "/applications/{app}/interviews/new/",
        "/interviews/{interview}/edit/",
    ],
)
def test_charlie_gets_404_on_every_application_page(charlie_client, app, path):
    interview = services.interview_add(
        application=app, at=dt.datetime(2025, 3, 10, 9, tzinfo=dt.UTC), kind="phone"
    )
    url = path.format(app=app.pk, interview=interview.pk)
    before = snapshot()
    assert charlie_client.get(url).status_code == 404
    assert charlie_client.post(url, {"position": "Hacked", "stage": "offer"}).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(
    "path",
    [
        "/applications/{app}/move/",
        "/applications/{app}/contacts/",
        "/applications/{app}/contacts/{person}/remove/",
        "/interviews/{interview}/delete/",
    ],
)
def test_charlie_cannot_change_alices_applications(charlie_client, app, workspace, path):
    eva = person_create(workspace=workspace, first_name="Eva", last_name="Berg")
    services.application_contact_add(application=app, person=eva, role="recruiter")
    interview = services.interview_add(
        application=app, at=dt.datetime(2025, 3, 10, 9, tzinfo=dt.UTC), kind="phone"
    )
    url = path.format(app=app.pk, interview=interview.pk, person=eva.pk)
    before = snapshot()
    response = charlie_client.post(url, {"stage": "offer", "name": "Eva Berg", "role": "other"})
    assert response.status_code == 404
    assert snapshot() == before


def test_charlie_sees_none_of_alices_applications(charlie_client, app):
    for url in ("/applications/", "/applications/list/"):
        assert "Product Designer" not in charlie_client.get(url).content.decode()


def test_the_pages_speak_german(bob_client, app):
    html = bob_client.get("/applications/").content.decode()
    assert "Bewerbungen" in html and "Beworben" in html
