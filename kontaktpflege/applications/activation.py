"""Activating dormant contacts (seed 004): whom, which goal, help first, starters, a meeting.

Seed 004's four points become the steps: *know your goal* (reminisce, help from them, help
through them), *prefer quality* (candidates sorted by how useful and how easy, the people I
knew well first), *offer help first* (a suggestion from what I know they care about), and
*keep in touch* (after the logged conversation they return to a circle I choose, with its
cadence). Conversation starters come from the seed, in the person's language and form of
address; the planned meeting is a dated occasion, so it shows on Today and in the calendar.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.applications.models import Activation, ActivationGoal
from kontaktpflege.contacts.models import (
    CHOSEN_CIRCLES,
    Channel,
    Circle,
    Employment,
    Person,
    Relationship,
    Tag,
)
from kontaktpflege.contacts.services import people_bulk_update
from kontaktpflege.contacts.validation import clean_text
from kontaktpflege.core.facts import on_touchpoint_logged
from kontaktpflege.followups.models import Occasion
from kontaktpflege.followups.selectors import DormantContact, dormant_contacts
from kontaktpflege.followups.services import occasion_record, workspace_today
from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.messaging.selectors import default_variant
from kontaktpflege.touchpoints.models import Touchpoint
from kontaktpflege.touchpoints.services import touchpoint_log

# Seed 004's questions ("Zeigen Sie ehrliches Interesse"), in the person's language and form
# of address: they are said to the person, so they follow the person, not the UI language.
STARTERS: dict[str, tuple[str, str, str]] = {
    "de_sie": (
        "Wie geht es Ihrer Familie?",
        "Welche Dinge beschäftigen Sie momentan?",
        "Was macht der Job?",
    ),
    "de_du": (
        "Wie geht es deiner Familie?",
        "Welche Dinge beschäftigen dich momentan?",
        "Was macht der Job?",
    ),
    "en": (
        "How is your family?",
        "What keeps you busy at the moment?",
        "How is the job going?",
    ),
}
# The message the activation page drafts (template library key): it arranges the meeting.
OPENER_TEMPLATE = "activation_opener"
# Back into a cadence: every chosen circle but "dormant".
RETURN_CIRCLES = tuple(c for c in CHOSEN_CIRCLES if c != Circle.DORMANT)


def starters_for(person: Person) -> tuple[str, str, str]:
    """Three of the seed's conversation starters, as this person is addressed."""
    return STARTERS[default_variant(person)]


# --- choosing whom ---------------------------------------------------------------------------


@dataclass
class Candidate:
    """A dormant contact with how useful (for my goals) and how easy to reach they are."""

    person: Person
    strength: int
    channels: list[str]
    at_target: bool
    shared_tags: list[str] = field(default_factory=list)
    # (name, organisation) of the people they know at my target companies: second degree.
    reach: list[tuple[str, str]] = field(default_factory=list)

    @property
    def useful(self) -> int:
        shared, reach = min(len(self.shared_tags), 3), min(len(self.reach), 3)
        return self.strength * 10 + (15 if self.at_target else 0) + shared * 10 + reach * 8

    @property
    def easy(self) -> int:
        return len(self.channels)

    @property
    def missing_contact_data(self) -> bool:
        return not self.channels


def activation_candidates(
    *, workspace: Workspace, user: User, now: dt.datetime, limit: int = 100
) -> list[Candidate]:
    """Dormant contacts sorted by how useful, then how easy (seed 004: quality first).

    Useful: how well we knew each other, shared tags (fields of interest), working at a
    target company, and knowing people who work at my target companies (second degree,
    which the seed calls the valuable contacts). Easy: email, phone or a profile on record;
    without any, the contact data must be found first and the list says so.
    """
    found = dormant_contacts(workspace=workspace, user=user, now=now, limit=max(limit, 300))
    if not found:
        return []
    ids = [d.person.pk for d in found]
    mine = _my_tags(workspace, user)
    tags = _tags_of(ids)
    reach = _second_degree(workspace, ids)
    candidates = [_candidate(d, mine, tags, reach) for d in found]
    candidates.sort(
        key=lambda c: (
            -c.useful,
            -c.easy,
            -(c.person.last_touched_at.timestamp() if c.person.last_touched_at else 0),
            c.person.pk,
        )
    )
    return candidates[:limit]


def _candidate(
    d: DormantContact,
    mine: set[str],
    tags: dict[int, list[str]],
    reach: dict[int, list[tuple[str, str]]],
) -> Candidate:
    org = d.person.organisation
    return Candidate(
        person=d.person,
        strength=d.strength,
        channels=d.channels,
        at_target=bool(org and org.is_target),
        shared_tags=[t for t in tags.get(d.person.pk, []) if t in mine],
        reach=reach.get(d.person.pk, []),
    )


def _my_tags(workspace: Workspace, user: User) -> set[str]:
    return set(
        Tag.objects.filter(workspace=workspace, people__user=user).values_list("name", flat=True)
    )


def _tags_of(ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    rows = Person.tags.through.objects.filter(person_id__in=ids).values_list(
        "person_id", "tag__name"
    )
    for pk, name in rows.order_by("tag__name"):
        found.setdefault(pk, []).append(name)
    return found


def _second_degree(workspace: Workspace, ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Whom each of these people knows at a target company (not counting me)."""
    edges = list(
        Relationship.objects.filter(workspace=workspace)
        .filter(Q(from_person_id__in=ids) | Q(to_person_id__in=ids))
        .values_list("from_person_id", "to_person_id")
    )
    others = {b for a, b in edges} | {a for a, b in edges}
    at_targets = {
        pk: (f"{first} {last}".strip(), org)
        for pk, first, last, org in Employment.objects.filter(
            workspace=workspace,
            person_id__in=others,
            person__user__isnull=True,
            is_current=True,
            organisation__is_target=True,
        ).values_list("person_id", "person__first_name", "person__last_name", "organisation__name")
    }
    wanted = set(ids)
    found: dict[int, list[tuple[str, str]]] = {}
    for a, b in edges:
        for me, other in ((a, b), (b, a)):
            if me in wanted and other in at_targets:
                found.setdefault(me, []).append(at_targets[other])
    return found


def offer_suggestion(person: Person) -> str:
    """What I know they care about (their tags, the first line of my notes), to offer on.

    Seed 004: offer help first, have information ready, expect nothing in return yet.
    """
    names = [t.name for t in person.tags.all()]
    first_note = next((ln.strip() for ln in person.notes.splitlines() if ln.strip()), "")
    parts = []
    if names:
        parts.append(_("They care about: %(tags)s.") % {"tags": ", ".join(names)})
    if first_note:
        parts.append(_("From your notes: %(note)s") % {"note": first_note[:200]})
    return " ".join(parts)


# --- selectors ---------------------------------------------------------------------------------


def activation_list(*, workspace: Workspace) -> QuerySet[Activation]:
    """The workspace's activations, newest first, with their person."""
    return Activation.objects.filter(workspace=workspace).select_related(
        "person", "person__organisation"
    )


def activation_get(*, workspace: Workspace, pk: int) -> Activation:
    """One activation of this workspace, or 404."""
    row = activation_list(workspace=workspace).filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


def open_activation_for(*, person: Person) -> Activation | None:
    """The person's activation still under way, if any."""
    return (
        Activation.objects.filter(
            workspace_id=person.workspace_id, person=person, completed_at__isnull=True
        )
        .order_by("-id")
        .first()
    )


# --- services ---------------------------------------------------------------------------------


def _clean(goal: str, offer: str, circle: str) -> tuple[str, str, str]:
    if goal not in ActivationGoal.values:
        raise ValidationError({"goal": _("Choose your goal first: only then can you say it.")})
    if circle not in RETURN_CIRCLES:
        raise ValidationError({"circle": _("Choose the circle they return to.")})
    return goal, clean_text(offer, field="offer", max_length=5000, multiline=True), circle


@transaction.atomic
def activation_start(
    *,
    workspace: Workspace,
    person: Person,
    goal: str,
    offer: str = "",
    circle: str = Circle.NETWORK,
) -> Activation:
    """Start reviving a contact with a goal, the help I offer first and the circle they
    return to once we have talked (seed 004: keep in touch this time)."""
    if person.workspace_id != workspace.pk:
        raise ValidationError({"person": _("Not found.")})
    if person.user_id is not None:
        raise ValidationError({"person": _("Choose someone other than yourself.")})
    goal, offer, circle = _clean(goal, offer, circle or Circle.NETWORK)
    return Activation.objects.create(
        workspace=workspace, person=person, goal=goal, offer=offer, circle=circle
    )


@transaction.atomic
def activation_update(
    *, activation: Activation, goal: str, offer: str = "", circle: str = ""
) -> Activation:
    """Change the goal, the help offered or the circle they return to (kept when empty)."""
    activation.goal, activation.offer, activation.circle = _clean(
        goal, offer, circle or activation.circle
    )
    activation.save(update_fields=["goal", "offer", "circle", "updated_at"])
    return activation


@transaction.atomic
def activation_plan_meeting(*, activation: Activation, meeting_on: dt.date) -> Activation:
    """Plan the meeting: a dated occasion, so it is due on Today on that day (seed 004)."""
    if activation.completed_at is not None:
        raise ValidationError({"meeting_on": _("This activation is complete.")})
    today = workspace_today(activation.workspace)
    if meeting_on < today:
        raise ValidationError({"meeting_on": _("Choose today or a later day.")})
    person = activation.person
    note = _("Meeting to revive the contact (%(goal)s)") % {"goal": activation.get_goal_display()}
    if activation.meeting_on:  # moved: the old date is no longer due
        Occasion.objects.filter(person=person, kind="custom", on=activation.meeting_on).filter(
            note__startswith=note[:40]
        ).delete()
    occasion_record(person=person, kind="custom", on=meeting_on, note=note[:300])
    activation.meeting_on = meeting_on
    activation.save(update_fields=["meeting_on", "updated_at"])
    return activation


@transaction.atomic
def activation_complete(
    *,
    activation: Activation,
    user: User | None,
    summary: str,
    circle: str = "",
    channel: str = Channel.MEETING,
    occurred_at: dt.datetime | None = None,
) -> Touchpoint:
    """Log the conversation: the contact leaves "dormant" for the circle I chose.

    The touchpoint brings them back (its reactivation item closes as done); the chosen
    circle (here, else the one chosen when it started) then gives them its cadence, so the
    contact stays alive this time.
    """
    circle = circle or activation.circle
    if circle not in RETURN_CIRCLES:
        raise ValidationError({"circle": _("Choose the circle they return to.")})
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    summary = clean_text(summary, field="summary", max_length=300)
    if not summary:
        raise ValidationError({"summary": _("Say in a few words what happened.")})
    now = timezone.now()
    done = Activation.objects.filter(pk=activation.pk, completed_at__isnull=True).update(
        completed_at=now, circle=circle, updated_at=now
    )
    if not done:
        raise ValidationError({"circle": _("This activation is complete.")})
    touchpoint = touchpoint_log(
        workspace=activation.workspace,
        participants=[activation.person],
        summary=summary,
        channel=channel,
        occurred_at=occurred_at,
        direction="out",
        created_by=user,
        source=f"activation:{activation.pk}",
    )
    people_bulk_update(
        workspace=activation.workspace, person_ids=[activation.person_id], circle=circle
    )
    activation.refresh_from_db()
    return touchpoint


def _is_opener(touchpoint: Touchpoint) -> bool:
    """Whether the touchpoint is a sent activation opener: it asks to meet, it is not the talk."""
    kind, _sep, ref = touchpoint.source.partition(":")
    if kind != "message" or not ref.isdigit():
        return False
    return OutboundMessage.objects.filter(
        pk=int(ref), workspace_id=touchpoint.workspace_id, template_key=OPENER_TEMPLATE
    ).exists()


def activations_complete_on_touchpoint(touchpoint: Touchpoint, person_ids: list[int]) -> None:
    """Subscriber of core.facts: a conversation logged anywhere completes the activation.

    Quick log, Today's "Done", the log form, a sent message, the API: a touchpoint with
    the person on or after the day the activation started completes it and puts the person into the
    circle chosen in it (touchpoint_log has just moved them from "dormant" to "network",
    issue 10; the activation knows better). The activation's own opener does not count: it
    arranges the meeting. One conditional UPDATE per activation, so a second log, a double
    submit or a concurrent log changes nothing. No facts_changed here: the touchpoint's own
    announcement follows on commit and closes the reactivation item as done by it.
    """
    if touchpoint.source.startswith("activation:"):
        return  # activation_complete does its own work
    rows = list(
        Activation.objects.filter(
            workspace_id=touchpoint.workspace_id,
            person_id__in=person_ids,
            completed_at__isnull=True,
        ).values_list("pk", "person_id", "circle", "created_at")
    )
    if not rows or _is_opener(touchpoint):
        return
    workspace = touchpoint.workspace
    day = workspace_today(workspace, touchpoint.occurred_at)
    now = timezone.now()
    for pk, person_id, circle, created_at in rows:
        if day < workspace_today(workspace, created_at):
            continue  # a talk from before the activation started (logged late) is not it
        won = Activation.objects.filter(pk=pk, completed_at__isnull=True).update(
            completed_at=now, updated_at=now
        )
        if won:
            Person.objects.filter(
                pk=person_id, workspace_id=touchpoint.workspace_id, user__isnull=True
            ).update(circle=circle, updated_at=now)


def register() -> None:
    """Complete activations on touchpoints logged anywhere (called in AppConfig.ready)."""
    on_touchpoint_logged(activations_complete_on_touchpoint)
