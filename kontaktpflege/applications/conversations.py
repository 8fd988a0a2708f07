"""Network conversations (seed 003): initiation, preparation, the conversation, the debrief.

Seed 003 in three steps. *Initiation* goes through a warm contact: `introducers_for` finds
who in my network could introduce me. *The conversation* is prepared (research, questions,
the target companies to walk through) with a clear goal, at eye level, never asking for a
job. *The debrief* notes what I learned, adds the new contacts (introduced by my partner,
each with the 72-hour follow-up), attaches insights to target companies, and says thanks:
the engine's `conversation_thanks` rule gets its facts from `conversation_facts` here.

Services write (`conversation_*`), selectors read and check the workspace (404 otherwise).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.applications.models import Conversation, ConversationStatus, Insight
from kontaktpflege.contacts.models import Employment, Organisation, Person, Relationship
from kontaktpflege.contacts.services import (
    organisation_get_or_create,
    person_create,
    relationship_set,
)
from kontaktpflege.contacts.validation import check_date, clean_text, normalise_email
from kontaktpflege.core.bulksql import among
from kontaktpflege.core.facts import facts_changed
from kontaktpflege.followups import engine
from kontaktpflege.followups.models import ACTIVE_STATES, FollowUp
from kontaktpflege.followups.services import register_fact_provider, workspace_today
from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.touchpoints.services import touchpoint_log

# The seed's guidance for the conversation itself, ticked on the preparation page.
CHECKLIST: tuple[tuple[str, Promise], ...] = (
    (
        "no_research_questions",
        gettext_lazy("No question I could answer myself with a little research"),
    ),
    ("eye_level", gettext_lazy("Meet at eye level: it is an exchange, not a job interview")),
    ("offer_in_return", gettext_lazy("Offer something in return (a contact, an idea, help)")),
    ("never_ask_for_job", gettext_lazy("Never ask for a job (“Is anything open at yours?”)")),
)
CHECKLIST_KEYS = frozenset(key for key, _label in CHECKLIST)
MAX_NEW_CONTACTS = 20
MAX_INSIGHTS = 20


# --- selectors ----------------------------------------------------------------------------


def conversation_list(*, workspace: Workspace, status: str = "") -> QuerySet[Conversation]:
    """The workspace's conversations (optionally one status), with their person."""
    qs = Conversation.objects.filter(workspace=workspace).select_related(
        "person", "person__organisation", "organisation"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-planned_at", "-held_at", "-id")


def conversation_get(*, workspace: Workspace, pk: int) -> Conversation:
    """One conversation of this workspace, or 404."""
    row = (
        Conversation.objects.filter(workspace=workspace, pk=pk)
        .select_related("person", "person__organisation", "organisation")
        .prefetch_related("target_companies", "new_contacts", "insights__organisation")
        .first()
    )
    if row is None:
        raise Http404
    return row


def insights_for_organisation(*, organisation: Organisation) -> QuerySet[Insight]:
    """What conversations taught about this organisation, newest first."""
    return Insight.objects.filter(
        workspace_id=organisation.workspace_id, organisation=organisation
    ).select_related("conversation__person")


def target_companies(*, workspace: Workspace) -> QuerySet[Organisation]:
    """My target list (seed 003's "Zielfirmenliste"), by priority."""
    return Organisation.objects.filter(workspace=workspace, is_target=True).order_by(
        "target_priority", "name"
    )


def conversations_for_person(*, person: Person) -> QuerySet[Conversation]:
    """A person's conversations, newest first (for their page)."""
    return Conversation.objects.filter(workspace_id=person.workspace_id, person=person).order_by(
        "-planned_at", "-id"
    )


def plan_choices(
    *, workspace: Workspace, organisation: Organisation | None = None, limit: int = 500
) -> list[tuple[int, str]]:
    """Whom a conversation can be planned with: everyone, or the people at an organisation."""
    qs = Person.objects.filter(workspace=workspace, user__isnull=True)
    if organisation is not None:
        qs = qs.filter(
            employments__organisation=organisation, employments__is_current=True
        ).distinct()
    return [(p.pk, p.full_name) for p in qs.order_by("last_name", "first_name", "id")[:limit]]


def conversation_open_thanks(*, conversation: Conversation) -> FollowUp | None:
    """The conversation's thank-you follow-up while it is open (for "Write" and the page)."""
    return FollowUp.objects.filter(
        workspace_id=conversation.workspace_id,
        subject=f"conversation:{conversation.pk}",
        rule="conversation_thanks",
        state__in=ACTIVE_STATES,
    ).first()


@dataclass(frozen=True)
class Introducer:
    """Someone I know who could introduce me, and why."""

    person: Person
    knows_target: bool  # a recorded "knows" edge to the person I want to meet
    strength: int  # how well I know them (my own edge), 0 when only touchpoints link us


def introducers_for(
    workspace: Workspace,
    person: Person | None = None,
    organisation: Organisation | None = None,
    user: User | None = None,
) -> list[Introducer]:
    """Who in my network could introduce me to `person` or to someone at `organisation`.

    Seed 003: a warm contact beats a cold call; compare my contact list with my target list.
    This is the first-degree answer: people I know (a touchpoint with me, or a Relationship
    to my own node — the node of `user`, or of any member when no user is given) who either
    know the person (a Relationship to them) or currently work at the organisation (the
    person's current one when none is given). Those who know the person come first, then
    the people I know best. The network app's warm paths (longer chains) can replace this
    later behind the same signature; it never returns the target or a member's own node.
    """
    org = organisation or (person.organisation if person is not None else None)
    me = Person.objects.filter(workspace=workspace, user__isnull=False)
    if user is not None:
        me = me.filter(user=user)
    my_ids = list(me.values_list("pk", flat=True))
    knows_me = Relationship.objects.filter(
        Q(from_person=OuterRef("pk"), to_person__in=my_ids)
        | Q(to_person=OuterRef("pk"), from_person__in=my_ids)
    )
    reach = Q(pk__in=[])
    if org is not None:
        reach |= Q(
            pk__in=Employment.objects.filter(
                workspace=workspace, organisation=org, is_current=True
            ).values("person_id")
        )
    knows_target: set[int] = set()
    if person is not None:
        knows_target = _neighbours(workspace, person.pk)
        reach |= Q(pk__in=knows_target)
    candidates = (
        Person.objects.filter(workspace=workspace, user__isnull=True)
        .filter(reach)
        .exclude(pk=person.pk if person is not None else 0)
        .annotate(knows_me=Exists(knows_me))
        .filter(Q(knows_me=True) | Q(last_touched_at__isnull=False))
        .select_related("organisation")[:200]
    )
    strengths = _my_strengths(workspace, my_ids)
    found = [Introducer(p, p.pk in knows_target, strengths.get(p.pk, 0)) for p in candidates]
    return sorted(
        found,
        key=lambda i: (
            not i.knows_target,
            -i.strength,
            -(i.person.last_touched_at.timestamp() if i.person.last_touched_at else 0),
            i.person.pk,
        ),
    )


def _neighbours(workspace: Workspace, person_id: int) -> set[int]:
    edges = Relationship.objects.filter(workspace=workspace).filter(
        Q(from_person_id=person_id) | Q(to_person_id=person_id)
    )
    pairs = edges.values_list("from_person_id", "to_person_id")
    return {a if b == person_id else b for a, b in pairs}


def _my_strengths(workspace: Workspace, my_ids: list[int]) -> dict[int, int]:
    edges = Relationship.objects.filter(workspace=workspace).filter(
        Q(from_person_id__in=my_ids) | Q(to_person_id__in=my_ids)
    )
    found: dict[int, int] = {}
    for a, b, strength in edges.values_list("from_person_id", "to_person_id", "strength"):
        other = b if a in my_ids else a
        found[other] = max(found.get(other, 0), strength)
    return found


# --- services -----------------------------------------------------------------------------


def _clean_goal(goal: str) -> str:
    goal = clean_text(goal, field="goal", max_length=500)
    if not goal:
        raise ValidationError({"goal": _("Say what you want to learn: a clear goal comes first.")})
    return goal


def _same_workspace(workspace: Workspace, obj: Any, field: str) -> None:
    if obj is not None and obj.workspace_id != workspace.pk:
        raise ValidationError({field: _("Not found.")})


@transaction.atomic
def conversation_plan(
    *,
    workspace: Workspace,
    person: Person,
    goal: str,
    organisation: Organisation | None = None,
    planned_at: dt.datetime | None = None,
) -> Conversation:
    """Plan a conversation with a person (optionally started from a target company)."""
    _same_workspace(workspace, person, "person")
    _same_workspace(workspace, organisation, "organisation")
    if person.user_id is not None:
        raise ValidationError({"person": _("Choose someone other than yourself.")})
    goal = _clean_goal(goal)
    check_date(planned_at, field="planned_at")
    conversation = Conversation.objects.create(
        workspace=workspace,
        person=person,
        organisation=organisation,
        goal=goal,
        planned_at=planned_at,
    )
    if organisation is not None and organisation.is_target:
        conversation.target_companies.add(organisation)
    return conversation


def _targets(workspace: Workspace, ids: Iterable[int]) -> list[Organisation]:
    wanted = sorted(set(ids))
    found = list(target_companies(workspace=workspace).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise ValidationError(
            {"target_companies": _("Choose companies from your own target list.")}
        )
    return found


@transaction.atomic
def conversation_prepare(
    *,
    conversation: Conversation,
    goal: str,
    research: str = "",
    questions: str = "",
    target_company_ids: Iterable[int] = (),
    checklist: Iterable[str] = (),
    planned_at: dt.datetime | None = None,
) -> Conversation:
    """Save the preparation: goal, research, questions, target companies, the checklist."""
    workspace = conversation.workspace
    goal = _clean_goal(goal)
    research = clean_text(research, field="research", max_length=50000, multiline=True)
    questions = clean_text(questions, field="questions", max_length=20000, multiline=True)
    targets = _targets(workspace, target_company_ids)
    ticked = set(checklist)
    if ticked - CHECKLIST_KEYS:
        raise ValidationError({"checklist": _("Unknown checklist item.")})
    check_date(planned_at, field="planned_at")
    conversation.goal, conversation.research, conversation.questions = goal, research, questions
    conversation.checklist = {key: key in ticked for key, _label in CHECKLIST}
    conversation.planned_at = planned_at or conversation.planned_at
    conversation.save(
        update_fields=["goal", "research", "questions", "checklist", "planned_at", "updated_at"]
    )
    conversation.target_companies.set(targets)
    return conversation


@transaction.atomic
def conversation_hold(
    *, conversation: Conversation, held_at: dt.datetime, user: User | None = None
) -> Conversation:
    """Mark it held: logs the meeting with the person (the cadence restarts), links it.

    Refused twice (a double submit logs one meeting) and for a time in the future.
    """
    check_date(held_at, field="held_at")
    if held_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"held_at": _("A conversation is held in the past, not ahead.")})
    updated = Conversation.objects.filter(
        pk=conversation.pk, status=ConversationStatus.PLANNED
    ).update(status=ConversationStatus.HELD, held_at=held_at, updated_at=timezone.now())
    if not updated:
        raise ValidationError({"status": _("This conversation was already held.")})
    touchpoint = touchpoint_log(
        workspace=conversation.workspace,
        participants=[conversation.person],
        summary=(_("Network conversation: %(goal)s") % {"goal": conversation.goal})[:300],
        channel="meeting",
        occurred_at=held_at,
        direction="out",
        created_by=user,
        source=f"conversation:{conversation.pk}",
    )
    Conversation.objects.filter(pk=conversation.pk).update(touchpoint=touchpoint)
    conversation.refresh_from_db()
    return conversation


@dataclass(frozen=True)
class NewContact:
    """Someone my conversation partner named: a name, optionally email and organisation."""

    name: str
    email: str = ""
    organisation: str = ""


@dataclass(frozen=True)
class InsightIn:
    """What I learned about one target company."""

    organisation_id: int
    text: str


def _split(name: str) -> tuple[str, str]:
    first, _sep, last = name.strip().rpartition(" ")
    return (first, last) if first else ("", last)


def _clean_contacts(contacts: list[NewContact]) -> list[NewContact]:
    """Every new contact validated before anything is written (a bad email changes nothing)."""
    if len(contacts) > MAX_NEW_CONTACTS:
        raise ValidationError({"new_contacts": _("At most 20 new contacts at once.")})
    clean = []
    for i, c in enumerate(contacts, start=1):
        field = f"new_contacts.{i}"
        try:
            name = clean_text(c.name, field="name", max_length=200)
            email = normalise_email(c.email, field="email") if c.email.strip() else ""
            org = clean_text(c.organisation, field="organisation", max_length=200)
        except ValidationError as exc:
            raise ValidationError({f"{field}.{k}": v for k, v in exc.message_dict.items()}) from exc
        if not name:
            if email or org:
                raise ValidationError({f"{field}.name": _("Enter the person's name.")})
            continue
        clean.append(NewContact(name, email, org))
    return clean


def _clean_insights(workspace: Workspace, insights: list[InsightIn]) -> list[tuple[int, str]]:
    if len(insights) > MAX_INSIGHTS:
        raise ValidationError({"insights": _("At most 20 insights at once.")})
    clean = []
    for i, item in enumerate(insights, start=1):
        text = clean_text(item.text, field=f"insights.{i}.text", max_length=5000, multiline=True)
        if text:
            clean.append((item.organisation_id, text))
    try:
        _targets(workspace, (org for org, _text in clean))
    except ValidationError:
        raise ValidationError(
            {"insights": _("Attach insights to companies on your own target list.")}
        ) from None
    return clean


@transaction.atomic
def conversation_debrief(
    *,
    conversation: Conversation,
    learned: str,
    new_contacts: list[NewContact] | None = None,
    insights: list[InsightIn] | None = None,
) -> Conversation:
    """The debrief: what I learned, the new contacts named, insights for target companies.

    Each new contact becomes a person "introduced by" my partner, who knows them, recorded
    today (so the 72-hour follow-up for new contacts applies). Everything is validated
    before anything is written. Only a held conversation can be debriefed; a second debrief
    updates what I learned and adds more contacts and insights.
    """
    if conversation.status == ConversationStatus.PLANNED:
        raise ValidationError({"status": _("Mark the conversation as held before you debrief it.")})
    workspace = conversation.workspace
    learned = clean_text(learned, field="learned", max_length=50000, multiline=True)
    contacts = _clean_contacts(list(new_contacts or []))
    notes = _clean_insights(workspace, list(insights or []))
    partner = conversation.person
    people = [_new_contact(conversation, partner, c) for c in contacts]
    conversation.new_contacts.add(*people)
    Insight.objects.bulk_create(
        Insight(workspace=workspace, organisation_id=org, conversation=conversation, text=text)
        for org, text in notes
    )
    conversation.learned = learned
    conversation.status = ConversationStatus.DEBRIEFED
    conversation.save(update_fields=["learned", "status", "updated_at"])
    facts_changed([partner.pk])
    return conversation


def _new_contact(conversation: Conversation, partner: Person, contact: NewContact) -> Person:
    workspace = conversation.workspace
    first, last = _split(contact.name)
    org = (
        organisation_get_or_create(workspace=workspace, name=contact.organisation)
        if contact.organisation
        else None
    )
    how = _("Named by %(name)s in our network conversation") % {"name": partner.full_name}
    person = person_create(
        workspace=workspace,
        first_name=first,
        last_name=last,
        emails=[contact.email] if contact.email else None,
        organisation=org,
        introduced_by=partner,
        how_we_met=how[:500],
        met_on=workspace_today(workspace),
        language=partner.language,
    )
    relationship_set(a=partner, b=person, strength=3, context="other")
    return person


@transaction.atomic
def conversation_mark_thanked(*, conversation: Conversation) -> Conversation:
    """I said thanks another way (a call, a card): the thank-you follow-up is answered."""
    if conversation.status == ConversationStatus.PLANNED:
        raise ValidationError({"status": _("Thank them after the conversation.")})
    if conversation.thanked_at is None:
        conversation.thanked_at = timezone.now()
        conversation.save(update_fields=["thanked_at", "updated_at"])
        facts_changed([conversation.person_id])
    return conversation


@transaction.atomic
def conversation_delete(*, conversation: Conversation) -> None:
    """Delete a conversation; its people, touchpoints and the new contacts stay."""
    person_id = conversation.person_id
    conversation.delete()
    facts_changed([person_id])


# --- facts for the engine -------------------------------------------------------------------


def _thanked_by_message(workspace_id: int, ids: list[int]) -> set[int]:
    """Conversations whose thank-you follow-up was answered by a sent message."""
    subjects = {f"conversation:{pk}": pk for pk in ids}
    followups = dict(
        FollowUp.objects.filter(workspace_id=workspace_id, subject__in=list(subjects)).values_list(
            "pk", "subject"
        )
    )
    sent = OutboundMessage.objects.filter(
        workspace_id=workspace_id, followup_id__in=list(followups), touchpoint__isnull=False
    ).values_list("followup_id", flat=True)
    return {subjects[followups[f]] for f in sent if f is not None}


def conversation_facts(
    workspace_id: int, person_ids: list[int], zone: ZoneInfo
) -> list[engine.ConversationFacts]:
    """The engine's facts for the held conversations of these people (seed 003's thanks)."""
    wanted = set(person_ids)
    rows = [
        c
        for c in Conversation.objects.filter(
            among(person_ids), workspace_id=workspace_id, held_at__isnull=False
        )
        .exclude(status=ConversationStatus.PLANNED)
        .select_related("person")
        if c.person_id in wanted
    ]
    by_message = _thanked_by_message(workspace_id, [c.pk for c in rows]) if rows else set()
    return [
        engine.ConversationFacts(
            conversation_id=c.pk,
            person_id=c.person_id,
            person_name=c.person.first_name or c.person.full_name,
            held_at=c.held_at,  # type: ignore[arg-type]
            thanked=c.thanked_at is not None or c.pk in by_message,
            debriefed=c.status == ConversationStatus.DEBRIEFED,
        )
        for c in rows
    ]


def register() -> None:
    """Plug conversations into the follow-up engine."""
    register_fact_provider(conversation_facts)
