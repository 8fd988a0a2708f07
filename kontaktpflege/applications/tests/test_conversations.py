"""Network conversations (seed 003): plan, prepare, hold, debrief — and what the engine does."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kontaktpflege.applications import conversations as conv
from kontaktpflege.applications.models import Conversation, Insight
from kontaktpflege.contacts.models import Person, Relationship
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.touchpoints.models import Touchpoint

from .conftest import berlin

pytestmark = pytest.mark.django_db


def plan(workspace, person, goal="Wie der Einstieg ins Produktmanagement gelingt", **kw):
    return conv.conversation_plan(workspace=workspace, person=person, goal=goal, **kw)


def test_a_conversation_needs_a_goal_and_nothing_is_saved_without_one(workspace, partner):
    with pytest.raises(ValidationError) as exc:
        plan(workspace, partner, goal="   ")
    assert "goal" in exc.value.message_dict
    assert not Conversation.objects.exists()


def test_a_person_of_another_workspace_cannot_be_planned_with(charlie, workspace):
    from kontaktpflege.contacts.services import person_create

    stranger = person_create(workspace=charlie.active_workspace, first_name="Sam")
    with pytest.raises(ValidationError) as exc:
        plan(workspace, stranger)
    assert "person" in exc.value.message_dict
    assert not Conversation.objects.exists()


def test_planning_from_a_target_company_puts_it_on_the_walk_through_list(workspace, partner, acme):
    c = plan(workspace, partner, organisation=acme)
    assert list(c.target_companies.all()) == [acme]


def test_preparation_takes_target_companies_only_from_my_own_list(
    workspace, partner, acme, other_target
):
    c = plan(workspace, partner)
    with pytest.raises(ValidationError) as exc:
        conv.conversation_prepare(
            conversation=c,
            goal="Neuer Fokus",
            research="Geschäftsbericht gelesen",
            target_company_ids=[acme.pk, other_target.pk],
            checklist=["eye_level"],
        )
    assert "target_companies" in exc.value.message_dict
    c.refresh_from_db()
    assert c.goal.startswith("Wie der Einstieg") and c.research == "" and c.checklist == {}
    assert not c.target_companies.exists()


def test_preparation_saves_the_seeds_checklist(workspace, partner, acme):
    c = plan(workspace, partner)
    conv.conversation_prepare(
        conversation=c,
        goal="Chancen und Lücken im Produktmanagement",
        questions="Wie hat sich Ihr Team seit der Fusion verändert?",
        target_company_ids=[acme.pk],
        checklist=["no_research_questions", "never_ask_for_job"],
    )
    c.refresh_from_db()
    assert c.checklist == {
        "no_research_questions": True,
        "eye_level": False,
        "offer_in_return": False,
        "never_ask_for_job": True,
    }
    assert list(c.target_companies.all()) == [acme]


def test_a_conversation_debriefed_before_it_was_held_is_refused_and_nothing_changes(
    workspace, partner, acme
):
    c = plan(workspace, partner)
    with pytest.raises(ValidationError) as exc:
        conv.conversation_debrief(
            conversation=c,
            learned="Viel",
            new_contacts=[conv.NewContact("Anna Schmidt")],
            insights=[conv.InsightIn(acme.pk, "Sucht Produktleute")],
        )
    assert "status" in exc.value.message_dict
    c.refresh_from_db()
    assert c.status == "planned" and c.learned == ""
    assert not Person.objects.filter(last_name="Schmidt").exists()
    assert not Insight.objects.exists()


@time_machine.travel(berlin(2025, 6, 2, 18), tick=False)
def test_holding_logs_a_meeting_and_the_thanks_is_due_the_next_day(
    alice, workspace, partner, committed
):
    c = plan(workspace, partner)
    with committed():
        conv.conversation_hold(conversation=c, held_at=berlin(2025, 6, 2, 16), user=alice)
    c.refresh_from_db()
    assert c.status == "held" and c.touchpoint is not None
    assert c.touchpoint.channel == "meeting"
    assert list(c.touchpoint.participants.all()) == [partner]
    item = FollowUp.objects.get(person=partner, rule="conversation_thanks")
    assert item.due_on.isoformat() == "2025-06-03"
    assert item.subject == f"conversation:{c.pk}"
    partner.refresh_from_db()
    assert partner.last_touched_at == berlin(2025, 6, 2, 16)


@time_machine.travel(berlin(2025, 6, 2, 18), tick=False)
def test_holding_twice_logs_one_meeting(alice, workspace, partner):
    c = plan(workspace, partner)
    conv.conversation_hold(conversation=c, held_at=berlin(2025, 6, 2, 16), user=alice)
    with pytest.raises(ValidationError):
        conv.conversation_hold(conversation=c, held_at=berlin(2025, 6, 2, 17), user=alice)
    assert Touchpoint.objects.filter(participants=partner).count() == 1


def test_a_conversation_cannot_be_held_in_the_future(alice, workspace, partner):
    c = plan(workspace, partner)
    with pytest.raises(ValidationError) as exc:
        conv.conversation_hold(conversation=c, held_at=berlin(2999, 1, 1, 9), user=alice)
    assert "held_at" in exc.value.message_dict
    c.refresh_from_db()
    assert c.status == "planned" and not Touchpoint.objects.exists()


@time_machine.travel(berlin(2025, 6, 2, 18), tick=False)
def test_debrief_adds_new_contacts_introduced_by_the_partner_each_with_a_72_hour_item(
    alice, workspace, partner, acme, committed
):
    c = plan(workspace, partner)
    conv.conversation_hold(conversation=c, held_at=berlin(2025, 6, 2, 16), user=alice)
    with committed():
        conv.conversation_debrief(
            conversation=c,
            learned="Produktteams stellen im Herbst ein.",
            new_contacts=[
                conv.NewContact("Anna Schmidt", "anna@example.org", "Acme GmbH"),
                conv.NewContact("Ben Krause"),
            ],
            insights=[conv.InsightIn(acme.pk, "Neues Produktteam in Köln ab Herbst")],
        )
    anna = Person.objects.get(last_name="Schmidt")
    ben = Person.objects.get(last_name="Krause")
    for person in (anna, ben):
        assert person.introduced_by == partner
        item = FollowUp.objects.get(person=person, rule="new_contact")
        assert item.due_on.isoformat() == "2025-06-05"
        low, high = sorted([partner.pk, person.pk])
        assert Relationship.objects.filter(from_person_id=low, to_person_id=high).exists()
    assert anna.organisation == acme and anna.emails.get().email == "anna@example.org"
    assert set(c.new_contacts.all()) == {anna, ben}
    assert acme.insights.get().text == "Neues Produktteam in Köln ab Herbst"
    c.refresh_from_db()
    assert c.status == "debriefed"
    item = FollowUp.objects.get(person=partner, rule="conversation_thanks")
    assert item.params["debriefed"] is True and item.state == "open"


@time_machine.travel(berlin(2025, 6, 2, 18), tick=False)
def test_new_contacts_with_an_invalid_email_are_refused_and_nothing_changes(
    alice, workspace, partner, acme
):
    c = plan(workspace, partner)
    conv.conversation_hold(conversation=c, held_at=berlin(2025, 6, 2, 16), user=alice)
    people_before = Person.objects.count()
    with pytest.raises(ValidationError) as exc:
        conv.conversation_debrief(
            conversation=c,
            learned="Viel gelernt",
            new_contacts=[
                conv.NewContact("Anna Schmidt", "anna@example.org"),
                conv.NewContact("Ben Krause", "ben(at)example"),
            ],
            insights=[conv.InsightIn(acme.pk, "Team wächst")],
        )
    assert "new_contacts.2.email" in exc.value.message_dict
    assert "is not a valid email address" in exc.value.message_dict["new_contacts.2.email"][0]
    assert Person.objects.count() == people_before
    assert not Insight.objects.exists()
    c.refresh_from_db()
    assert c.status == "held" and c.learned == ""


@time_machine.travel(berlin(2025, 6, 2, 18), tick=False)
def test_insights_for_a_company_of_another_workspace_are_refused_and_nothing_changes(
    alice, workspace, partner, other_target
):
    c = plan(workspace, partner)
    conv.conversation_hold(conversation=c, held_at=berlin(2025, 6, 2, 16), user=alice)
    with pytest.raises(ValidationError) as exc:
        conv.conversation_debrief(
            conversation=c,
            learned="Viel",
            new_contacts=[conv.NewContact("Anna Schmidt")],
            insights=[conv.InsightIn(other_target.pk, "Geheim")],
        )
    assert "insights" in exc.value.message_dict
    assert not Person.objects.filter(last_name="Schmidt").exists()
    assert not Insight.objects.exists()


@time_machine.travel(berlin(2025, 6, 2, 18), tick=False)
def test_a_thank_you_sent_for_the_follow_up_answers_it(alice, workspace, partner, committed):
    from kontaktpflege.messaging.services import message_mark_sent

    c = plan(workspace, partner)
    with committed():
        conv.conversation_hold(conversation=c, held_at=berlin(2025, 6, 2, 16), user=alice)
        conv.conversation_debrief(conversation=c, learned="Viel")
    item = FollowUp.objects.get(person=partner, rule="conversation_thanks", state="open")
    with time_machine.travel(berlin(2025, 6, 3, 9), tick=False), committed():
        message_mark_sent(
            workspace=workspace,
            person=partner,
            user=alice,
            channel="linkedin",
            subject="Danke",
            body="Danke für das Gespräch",
            idempotency_key="k-1",
            followup_id=item.pk,
        )
    item.refresh_from_db()
    assert item.state == "done"
    facts = conv.conversation_facts(workspace.pk, [partner.pk], berlin(2025, 1, 1).tzinfo)
    assert facts[0].thanked and facts[0].debriefed


@time_machine.travel(berlin(2025, 6, 2, 18), tick=False)
def test_thanks_without_a_debrief_keeps_the_item_until_the_debrief(
    alice, workspace, partner, committed
):
    c = plan(workspace, partner)
    with committed():
        conv.conversation_hold(conversation=c, held_at=berlin(2025, 6, 2, 16), user=alice)
        conv.conversation_mark_thanked(conversation=c)
    assert FollowUp.objects.get(person=partner, rule="conversation_thanks").state == "open"
    with committed():
        conv.conversation_debrief(conversation=c, learned="Viel")
    assert not FollowUp.objects.filter(
        person=partner, rule="conversation_thanks", state="open"
    ).exists()


def test_introducers_are_people_i_know_at_the_organisation_or_who_know_the_person(
    alice, workspace, make_person, acme
):
    from kontaktpflege.contacts.selectors import person_self
    from kontaktpflege.contacts.services import relationship_set
    from kontaktpflege.touchpoints.services import touchpoint_log

    me = person_self(workspace=workspace, user=alice)
    target = make_person(first_name="Tara", last_name="Ziel", organisation=acme)
    colleague = make_person(first_name="Cem", last_name="Kollege", organisation=acme)
    friend = make_person(first_name="Frida", last_name="Freundin")
    stranger = make_person(first_name="Sven", last_name="Fremd", organisation=acme)
    touchpoint_log(workspace=workspace, participants=[colleague], summary="Kaffee")
    relationship_set(a=me, b=friend, strength=5)
    relationship_set(a=friend, b=target, strength=4)

    found = conv.introducers_for(workspace, person=target, user=alice)
    assert [i.person for i in found] == [friend, colleague]
    assert found[0].knows_target and found[0].strength == 5
    assert stranger not in [i.person for i in found]
    by_org = conv.introducers_for(workspace, organisation=acme, user=alice)
    assert [i.person for i in by_org] == [colleague]  # Tara and Sven: I know neither


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        ("de_sie", "dass Sie mich mit Frau Schmidt und Herrn Krause bekannt machen"),
        ("de_du", "dass du mich mit Anna Schmidt und Ben Krause bekannt machst"),
        ("en", "introducing me to Anna Schmidt and Ben Krause"),
    ],
)
@time_machine.travel(berlin(2025, 6, 2, 18), tick=False)
def test_the_thank_you_draft_names_the_topic_and_the_new_contacts(
    alice, workspace, partner, variant, expected
):
    from kontaktpflege.contacts.services import person_update
    from kontaktpflege.messaging.compose import draft_for
    from kontaktpflege.messaging.selectors import sender_settings_for

    c = plan(workspace, partner, goal="Einstieg ins Produktmanagement")
    conv.conversation_hold(conversation=c, held_at=berlin(2025, 6, 2, 16), user=alice)
    conv.conversation_debrief(
        conversation=c,
        learned="Viel",
        new_contacts=[conv.NewContact("Anna Schmidt"), conv.NewContact("Ben Krause")],
    )
    anna, ben = c.new_contacts.order_by("id")
    person_update(person=anna, gender="f")
    person_update(person=ben, gender="m")
    draft = draft_for(
        workspace=workspace,
        person=partner,
        user=alice,
        sender=sender_settings_for(workspace=workspace, user=alice),
        template_key="conversation_thanks",
        variant=variant,
        notes="",
        about=f"conversation:{c.pk}",
    )
    assert draft.ok and not draft.undefined
    assert expected in draft.body
    assert "Einstieg ins Produktmanagement" in draft.body
    assert "\n\n\n" not in draft.body and "  " not in draft.body


def test_the_thank_you_draft_of_another_workspaces_conversation_adds_nothing(
    alice, charlie, workspace, partner
):
    from kontaktpflege.contacts.services import person_create
    from kontaktpflege.messaging.compose import about_context

    theirs = person_create(workspace=charlie.active_workspace, first_name="Sam")
    c = plan(charlie.active_workspace, theirs, goal="Geheimes Ziel")
    extra = about_context(
        workspace=workspace,
        person=partner,
        about=f"conversation:{c.pk}",
        variant="de_sie",
        user=alice,
    )
    assert extra == {}
