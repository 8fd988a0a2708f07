"""Conversation and activation pages without JavaScript, in English and German; 404s."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from kontaktpflege.applications import activation as act
from kontaktpflege.applications import conversations as conv
from kontaktpflege.applications.models import Activation, Conversation
from kontaktpflege.contacts.models import Person
from kontaktpflege.followups.models import FollowUp

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block


@pytest.fixture
def acme(workspace):
    from kontaktpflege.contacts.services import organisation_create

    return organisation_create(workspace=workspace, name="Acme GmbH", is_target=True)


@pytest.fixture
def julia(make_person):
    return make_person(first_name="Julia", last_name="Weber", gender="f", language="de")


@pytest.fixture
def planned(workspace, julia):
    return conv.conversation_plan(workspace=workspace, person=julia, goal="Produktmanagement")


@pytest.fixture
def activation(workspace, make_person):
    dora = make_person(first_name="Dora", last_name="Schlaf", circle="dormant")
    return act.activation_start(workspace=workspace, person=dora, goal="reminisce")


def test_charlie_gets_404_on_every_conversation_and_activation_page(
    charlie_client, planned, activation, julia, acme
):
    gets = [
        reverse("conversation", args=[planned.pk]),
        reverse("conversation_delete", args=[planned.pk]),
        reverse("conversation_plan") + f"?person={julia.pk}",
        reverse("conversation_plan") + f"?organisation={acme.pk}",
        reverse("activation", args=[activation.pk]),
        reverse("activation_start", args=[activation.person_id]),
    ]
    for url in gets:
        assert charlie_client.get(url).status_code == 404, url
    posts = [
        reverse("conversation_prepare", args=[planned.pk]),
        reverse("conversation_hold", args=[planned.pk]),
        reverse("conversation_debrief", args=[planned.pk]),
        reverse("conversation_thanked", args=[planned.pk]),
        reverse("conversation_delete", args=[planned.pk]),
        reverse("activation_goal", args=[activation.pk]),
        reverse("activation_meeting", args=[activation.pk]),
        reverse("activation_done", args=[activation.pk]),
        reverse("activation_start", args=[activation.person_id]),
    ]
    for url in posts:
        assert charlie_client.post(url, {"goal": "x"}).status_code == 404, url
    assert Conversation.objects.get().status == "planned"
    assert Activation.objects.get().completed_at is None
    page = charlie_client.get(reverse("conversations")).content.decode()
    assert "Produktmanagement" not in page


@time_machine.travel(berlin(2025, 6, 2, 18), tick=False)
def test_a_conversation_goes_from_plan_to_debrief_without_javascript(
    alice_client, workspace, julia, acme, committed
):
    page = alice_client.get(reverse("person", args=[julia.pk])).content.decode()
    assert f"{reverse('conversation_plan')}?person={julia.pk}" in page
    response = alice_client.post(
        reverse("conversation_plan") + f"?person={julia.pk}",
        {"person": julia.pk, "goal": "Einstieg ins Produktmanagement"},
    )
    c = Conversation.objects.get()
    assert response.status_code == 302 and response.url == reverse("conversation", args=[c.pk])
    page = alice_client.get(response.url).content.decode()
    assert "Never ask for a job" in page and "Before you go" in page
    response = alice_client.post(
        reverse("conversation_prepare", args=[c.pk]),
        {
            "goal": "Einstieg ins Produktmanagement",
            "research": "Geschäftsbericht",
            "target_companies": [acme.pk],
            "checklist": ["eye_level", "never_ask_for_job"],
        },
    )
    assert response.status_code == 302
    with committed():
        response = alice_client.post(
            reverse("conversation_hold", args=[c.pk]), {"held_at": "2025-06-02T16:00"}
        )
    assert response.status_code == 302
    with committed():
        response = alice_client.post(
            reverse("conversation_debrief", args=[c.pk]),
            {
                "learned": "Produktteams wachsen",
                "contact_1_name": "Anna Schmidt",
                "contact_1_email": "anna@example.org",
                "contact_2_name": "Ben Krause",
                f"insight_{acme.pk}": "Neues Team in Köln",
            },
        )
    assert response.status_code == 302
    page = alice_client.get(reverse("conversation", args=[c.pk])).content.decode()
    assert "Anna Schmidt" in page and "Neues Team in Köln" in page
    assert 'id="write-thanks"' in page and "about=conversation%3A" in page
    assert FollowUp.objects.get(rule="conversation_thanks").due_on == dt.date(2025, 6, 3)
    assert Person.objects.get(last_name="Krause").introduced_by == julia
    org_page = alice_client.get(reverse("organisation", args=[acme.pk])).content.decode()
    assert "Neues Team in Köln" in org_page
    targets = alice_client.get(reverse("organisations") + "?target=1").content.decode()
    assert "Neues Team in Köln" in targets
    listing = alice_client.get(reverse("conversations")).content.decode()
    assert f'id="conversation-{c.pk}"' in listing


@time_machine.travel(berlin(2025, 6, 2, 18), tick=False)
def test_a_bad_email_in_the_debrief_shows_on_its_field_and_changes_nothing(
    alice, alice_client, workspace, julia, planned
):
    conv.conversation_hold(conversation=planned, held_at=berlin(2025, 6, 2, 16), user=alice)
    before = Person.objects.count()
    response = alice_client.post(
        reverse("conversation_debrief", args=[planned.pk]),
        {"learned": "x", "contact_1_name": "Anna Schmidt", "contact_1_email": "anna@@x"},
    )
    assert response.status_code == 400
    form = response.context["debrief_form"]
    assert "is not a valid email address" in form.errors["contact_1_email"][0]
    assert Person.objects.count() == before
    planned.refresh_from_db()
    assert planned.status == "held"


def test_a_debrief_before_the_conversation_was_held_is_refused_on_the_page(alice_client, planned):
    response = alice_client.post(
        reverse("conversation_debrief", args=[planned.pk]), {"learned": "zu früh"}
    )
    assert response.status_code == 400
    assert "Mark the conversation as held before you debrief it." in response.content.decode()
    planned.refresh_from_db()
    assert planned.status == "planned" and planned.learned == ""


def test_planning_from_a_company_offers_introducers_with_the_introduction_request_link(
    alice, alice_client, workspace, make_person, acme
):
    from kontaktpflege.touchpoints.services import touchpoint_log

    cem = make_person(first_name="Cem", last_name="Kollege", organisation=acme)
    tara = make_person(first_name="Tara", last_name="Ziel", organisation=acme)
    touchpoint_log(workspace=workspace, participants=[cem], summary="Kaffee")
    page = alice_client.get(reverse("organisation", args=[acme.pk])).content.decode()
    assert f"{reverse('conversation_plan')}?organisation={acme.pk}" in page
    page = alice_client.get(reverse("conversation_plan") + f"?organisation={acme.pk}")
    html = page.content.decode()
    compose = f"/people/{cem.pk}/compose/?template=introduction_request&amp;"
    link = f"{compose}about=organisation%3A{acme.pk}"
    assert link in html
    person_page = alice_client.get(reverse("conversation_plan") + f"?person={tara.pk}")
    link = f"{compose}about=person%3A{tara.pk}"
    assert link in person_page.content.decode()


def test_the_conversation_pages_speak_german(bob_client, planned):
    page = bob_client.get(reverse("conversation", args=[planned.pk])).content.decode()
    assert "Nie nach einem Job fragen" in page and "Vorbereitung" in page
    assert "Gespräche" in bob_client.get(reverse("conversations")).content.decode()


def test_the_empty_list_teaches_what_to_do(alice_client):
    page = alice_client.get(reverse("conversations")).content.decode()
    assert "Compare your contacts with your target list" in page


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_a_dormant_contact_is_activated_back_into_a_circle_and_the_reactivation_item_goes(
    alice, alice_client, workspace, make_person, committed
):
    with time_machine.travel(berlin(2023, 1, 2, 9), tick=False), committed():
        dora = make_person(
            first_name="Dora",
            last_name="Schlaf",
            circle="dormant",
            language="de",
            form_of_address="du",
            tags=["Barrierefreiheit"],
        )
    from kontaktpflege.followups.services import followups_refresh_people

    followups_refresh_people(person_ids=[dora.pk])
    assert FollowUp.objects.filter(person=dora, rule="reactivation", state="open").exists()
    page = alice_client.get(reverse("reactivate")).content.decode()
    assert reverse("activation_start", args=[dora.pk]) in page and "no contact data" in page
    start = alice_client.get(reverse("activation_start", args=[dora.pk])).content.decode()
    assert "Barrierefreiheit" in start and 'id="missing-contact-data"' in start
    response = alice_client.post(
        reverse("activation_start", args=[dora.pk]),
        {"goal": "help_through", "offer": "Kontakt zur Agentur Klar"},
    )
    a = Activation.objects.get()
    assert response.status_code == 302
    page = alice_client.get(reverse("activation", args=[a.pk])).content.decode()
    assert "Wie geht es deiner Familie?" in page
    assert "template=activation_opener" in page and f"about=activation%3A{a.pk}" in page
    with committed():
        response = alice_client.post(
            reverse("activation_meeting", args=[a.pk]), {"meeting_on": "2025-06-10"}
        )
    assert response.status_code == 302
    assert FollowUp.objects.get(person=dora, rule="custom").due_on == dt.date(2025, 6, 10)
    with committed():
        response = alice_client.post(
            reverse("activation_done", args=[a.pk]),
            {"summary": "Kaffee mit Dora", "channel": "meeting", "circle": "active"},
        )
    assert response.status_code == 302
    dora.refresh_from_db()
    assert dora.circle == "active"
    assert not FollowUp.objects.filter(person=dora, rule="reactivation", state="open").exists()


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        ("de_sie", "Vielleicht kann ich Ihnen auch bei etwas helfen: Kontakt zur Agentur Klar"),
        ("de_du", "Vielleicht kann ich dir auch bei etwas helfen: Kontakt zur Agentur Klar"),
        ("en", "Perhaps I can help you with something, too: Kontakt zur Agentur Klar"),
    ],
)
def test_the_activation_opener_offers_help_first_in_every_language(
    alice_client, activation, variant, expected
):
    act.activation_update(activation=activation, goal="help_from", offer="Kontakt zur Agentur Klar")
    url = reverse("compose", args=[activation.person_id]) + (
        f"?template=activation_opener&variant={variant}&about=activation:{activation.pk}"
    )
    page = alice_client.get(url).content.decode()
    assert expected in page


@pytest.mark.parametrize(
    ("language", "help_text", "note"),
    [
        ("en", "however you log it", "completes this activation too"),
        ("de", "egal, wo Sie das Gespräch erfassen", "schließt diese Aktivierung ebenfalls ab"),
    ],
)
@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_the_circle_chosen_at_the_start_is_kept_and_preselected_on_todays_done(
    alice, alice_client, make_person, committed, language, help_text, note
):
    alice.language = language
    alice.save(update_fields=["language"])
    with time_machine.travel(berlin(2023, 1, 2, 9), tick=False), committed():
        dora = make_person(first_name="Dora", circle="dormant")
    from kontaktpflege.followups.services import followups_refresh_people

    followups_refresh_people(person_ids=[dora.pk])
    start = alice_client.get(reverse("activation_start", args=[dora.pk])).content.decode()
    assert help_text in start and 'name="circle"' in start
    response = alice_client.post(
        reverse("activation_start", args=[dora.pk]), {"goal": "reminisce", "circle": "active"}
    )
    a = Activation.objects.get()
    assert response.status_code == 302 and a.circle == "active"
    page = alice_client.get(reverse("activation", args=[a.pk])).content.decode()
    assert note in page and '<option value="active" selected>' in page
    item = FollowUp.objects.get(person=dora, rule="reactivation")
    detail = alice_client.get(reverse("followup_detail", args=[item.pk])).content.decode()
    assert '<option value="active" selected>' in detail
    with committed():
        alice_client.post(
            reverse("followup_act", args=[item.pk]), {"done": "1", "circle": "active"}
        )
    a.refresh_from_db()
    dora.refresh_from_db()
    assert a.completed_at is not None and dora.circle == "active"


def test_planning_shows_the_networks_warm_paths_to_someone_i_do_not_know_yet(
    alice, alice_client, workspace, make_person, acme
):
    from kontaktpflege.contacts.selectors import person_self
    from kontaktpflege.contacts.services import relationship_set

    me = person_self(workspace=workspace, user=alice)
    anna = make_person(first_name="Anna", last_name="Alt")
    tara = make_person(first_name="Tara", last_name="Ziel", organisation=acme)
    relationship_set(a=me, b=anna, strength=5, context="former_colleague")
    relationship_set(a=anna, b=tara, strength=4, context="colleague")
    page = alice_client.get(reverse("conversation_plan") + f"?person={tara.pk}")
    html = page.content.decode()
    assert 'id="warm-introductions"' in html
    assert "Anna Alt" in html and "Tara Ziel" in html
    assert (
        f"/people/{anna.pk}/compose/?template=introduction_request&amp;about=person:{tara.pk}"
        in html
    )
    assert "Nobody you know works there or knows them yet" not in html
