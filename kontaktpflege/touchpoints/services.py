"""Writes to the touchpoint log; every touchpoint refreshes its people's follow-ups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, DateTimeField, Max, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.contacts.models import Channel, Person
from kontaktpflege.contacts.services import (
    DORMANT_AFTER_DAYS,
    people_return_from_dormant,
    person_create,
)
from kontaktpflege.contacts.validation import check_date, clean_text
from kontaktpflege.core.facts import facts_changed, touchpoint_logged
from kontaktpflege.core.timeutils import user_zone
from kontaktpflege.touchpoints.models import Direction, GiveTake, Participation, Touchpoint
from kontaktpflege.touchpoints.quicklog import parse
from kontaktpflege.touchpoints.selectors import names_resolve

MAX_PARTICIPANTS = 200


def _validate(
    workspace: Workspace,
    participants: list[Person],
    occurred_at: dt.datetime,
    channel: str,
    direction: str,
    give_take: str,
) -> None:
    if not participants:
        raise ValidationError({"participants": _("Choose at least one person.")})
    if len(participants) > MAX_PARTICIPANTS:
        raise ValidationError({"participants": _("At most 200 people per touchpoint.")})
    if any(p.workspace_id != workspace.pk for p in participants):
        raise ValidationError({"participants": _("Not found.")})
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if direction not in Direction.values:
        raise ValidationError({"direction": _("Unknown direction.")})
    if give_take not in GiveTake.values:
        raise ValidationError({"give_take": _("Unknown value.")})
    check_date(occurred_at, field="occurred_at")
    if timezone.is_naive(occurred_at):
        raise ValidationError({"occurred_at": _("A time zone is required.")})
    if occurred_at > timezone.now() + dt.timedelta(days=1):
        raise ValidationError({"occurred_at": _("A touchpoint cannot lie in the future.")})


def people_refresh_last_touched(*, person_ids: list[int]) -> None:
    """Set each person's last touch from their participations (after edits, deletes, merges)."""
    latest = dict(
        Participation.objects.filter(person_id__in=person_ids)
        .values("person_id")
        .annotate(m=Max("occurred_at"))
        .values_list("person_id", "m")
    )
    for pk in person_ids:
        Person.objects.filter(pk=pk).update(last_touched_at=latest.get(pk))


def _participation(touchpoint: Touchpoint, person: Person) -> Participation:
    """A person's part in a saved touchpoint, with the touchpoint's copied columns."""
    return Participation(
        touchpoint=touchpoint,
        person=person,
        occurred_at=touchpoint.occurred_at,
        channel=touchpoint.channel,
        give_take=touchpoint.give_take,
    )


def participations_copy_from_touchpoint(*, participations: QuerySet[Participation]) -> int:
    """Set time, channel and give/take of these rows from their touchpoints (after a restore
    of rows written without them, e.g. an older backup or merge snapshot); the row count."""
    own = Touchpoint.objects.filter(pk=OuterRef("touchpoint_id"))
    return participations.update(
        occurred_at=Subquery(own.values("occurred_at")[:1]),
        channel=Subquery(own.values("channel")[:1]),
        give_take=Subquery(own.values("give_take")[:1]),
    )


def _by_key(workspace: Workspace, key: str) -> Touchpoint | None:
    return Touchpoint.objects.filter(workspace=workspace, idempotency_key=key).first()


def touchpoints_delete_unshared(person_ids: list[int]) -> None:
    """Before people are deleted: remove the touchpoints nobody else took part in."""
    theirs = Participation.objects.filter(person_id__in=person_ids).values("touchpoint_id")
    others = Participation.objects.filter(touchpoint_id__in=theirs).exclude(
        person_id__in=person_ids
    )
    Touchpoint.objects.filter(pk__in=theirs).exclude(pk__in=others.values("touchpoint_id")).delete()


@transaction.atomic
def touchpoint_log(
    *,
    workspace: Workspace,
    participants: list[Person],
    summary: str,
    channel: str = "meeting",
    occurred_at: dt.datetime | None = None,
    direction: str = Direction.MUTUAL,
    notes: str = "",
    give_take: str = "",
    created_by: User | None = None,
    source: str = "",
    idempotency_key: str = "",
) -> Touchpoint:
    """Log a touchpoint with one or more people; any touchpoint resets their cadence.

    With an idempotency key (a form's one-time token), a second call with the same key
    returns the first touchpoint and logs nothing.
    """
    idempotency_key = idempotency_key[:64]
    if idempotency_key:
        earlier = _by_key(workspace, idempotency_key)
        if earlier is not None:
            return earlier
    occurred_at = occurred_at or timezone.now()
    touchpoint, participants = _prepared(
        TouchpointEntry(
            workspace=workspace,
            participants=participants,
            summary=summary,
            occurred_at=occurred_at,
            channel=channel,
            direction=direction,
            notes=notes,
            give_take=give_take,
            created_by=created_by,
            source=source,
        )
    )
    touchpoint.idempotency_key = idempotency_key
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin loses on the unique key
            touchpoint.save(force_insert=True)
    except IntegrityError:
        earlier = _by_key(workspace, idempotency_key) if idempotency_key else None
        if earlier is None:
            raise
        return earlier
    Participation.objects.bulk_create(_participation(touchpoint, p) for p in participants)
    ids = [p.pk for p in participants]
    # A new touchpoint can only move the last touch forward: one conditional UPDATE.
    Person.objects.filter(pk__in=ids).filter(
        Q(last_touched_at__isnull=True) | Q(last_touched_at__lt=occurred_at)
    ).update(last_touched_at=occurred_at)
    people_return_from_dormant(person_ids=ids, occurred_at=occurred_at)
    touchpoint_logged(touchpoint, ids)  # e.g. completes an activation under way
    facts_changed(ids, touchpoint_id=touchpoint.pk)
    return touchpoint


@dataclass(frozen=True)
class TouchpointEntry:
    """One touchpoint for `touchpoints_log_bulk`: the arguments of `touchpoint_log`."""

    workspace: Workspace
    participants: list[Person]
    summary: str
    occurred_at: dt.datetime
    channel: str = "meeting"
    direction: str = Direction.MUTUAL
    notes: str = ""
    give_take: str = ""
    created_by: User | None = None
    source: str = ""


def _prepared(entry: TouchpointEntry) -> tuple[Touchpoint, list[Person]]:
    """The unsaved touchpoint and its distinct people, checked as `touchpoint_log` checks."""
    summary = clean_text(entry.summary, field="summary", max_length=300)
    if not summary:
        raise ValidationError({"summary": _("Say in a few words what happened.")})
    notes = clean_text(entry.notes, field="notes", max_length=50000, multiline=True)
    people = list({p.pk: p for p in entry.participants}.values())
    _validate(
        entry.workspace, people, entry.occurred_at, entry.channel, entry.direction, entry.give_take
    )
    touchpoint = Touchpoint(
        workspace=entry.workspace,
        occurred_at=entry.occurred_at,
        channel=entry.channel,
        direction=entry.direction,
        summary=summary,
        notes=notes,
        give_take=entry.give_take,
        created_by=entry.created_by,
        source=entry.source,
    )
    return touchpoint, people


@transaction.atomic
def touchpoints_log_bulk(*, entries: list[TouchpointEntry]) -> list[Touchpoint]:
    """Log many touchpoints at once, with the effects of `touchpoint_log` for each in turn.

    For bulk writers (the outbox logs a batch of sent messages): a fixed set of queries
    for the whole list instead of about 17 per touchpoint. People's last touch moves to
    their latest touchpoint, dormant people with a recent one return, every touchpoint is
    announced (`touchpoint_logged`) and a person's open items count as answered by their
    last touchpoint in the list, as when the list is logged one by one. No idempotency keys.
    """
    prepared = [_prepared(entry) for entry in entries]
    touchpoints = Touchpoint.objects.bulk_create([tp for tp, _people in prepared])
    Participation.objects.bulk_create(
        _participation(tp, p) for tp, people in prepared for p in people
    )
    latest: dict[int, dt.datetime] = {}
    answered: dict[int, int] = {}
    for tp, people in prepared:
        for p in people:
            latest[p.pk] = max(tp.occurred_at, latest.get(p.pk, tp.occurred_at))
            answered[p.pk] = tp.pk  # the last one answers, as when logged one by one
    _move_last_touched(latest)
    cutoff = timezone.now() - dt.timedelta(days=DORMANT_AFTER_DAYS)
    if recent := [pk for pk, at in latest.items() if at >= cutoff]:
        people_return_from_dormant(person_ids=recent, occurred_at=min(latest[pk] for pk in recent))
    for tp, people in prepared:
        touchpoint_logged(tp, [p.pk for p in people])
    facts_changed(list(answered), answered_by=answered)
    return touchpoints


def _move_last_touched(latest: dict[int, dt.datetime]) -> None:
    """Move each person's last touch forward to `latest[pk]`, in one conditional UPDATE."""
    if not latest:
        return
    target = Case(
        *(When(pk=pk, then=Value(at)) for pk, at in latest.items()),
        output_field=DateTimeField(),
    )
    Person.objects.filter(pk__in=list(latest)).filter(
        Q(last_touched_at__isnull=True) | Q(last_touched_at__lt=target)
    ).update(last_touched_at=target)


@transaction.atomic
def touchpoint_update(
    *,
    touchpoint: Touchpoint,
    participants: list[Person] | None = None,
    **fields: object,
) -> Touchpoint:
    """Change a touchpoint; people added or removed get their cadence recomputed."""
    allowed = {"summary", "notes", "channel", "direction", "give_take", "occurred_at"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({f: _("Unknown field.") for f in sorted(unknown)})
    before = set(touchpoint.participation_set.values_list("person_id", flat=True))
    for name, value in fields.items():
        setattr(touchpoint, name, value)
    touchpoint.summary = clean_text(touchpoint.summary, field="summary", max_length=300)
    if not touchpoint.summary:
        raise ValidationError({"summary": _("Say in a few words what happened.")})
    touchpoint.notes = clean_text(touchpoint.notes, field="notes", max_length=50000, multiline=True)
    people = participants if participants is not None else list(touchpoint.participants.all())
    people = list({p.pk: p for p in people}.values())
    _validate(
        touchpoint.workspace,
        people,
        touchpoint.occurred_at,
        touchpoint.channel,
        touchpoint.direction,
        touchpoint.give_take,
    )
    touchpoint.save()
    touchpoint.participation_set.all().delete()
    Participation.objects.bulk_create(_participation(touchpoint, p) for p in people)
    ids = sorted(before | {p.pk for p in people})
    people_refresh_last_touched(person_ids=ids)
    facts_changed(ids)
    return touchpoint


@transaction.atomic
def touchpoint_delete(*, touchpoint: Touchpoint) -> None:
    """Delete a touchpoint and recompute its people's cadence."""
    ids = list(touchpoint.participation_set.values_list("person_id", flat=True))
    touchpoint.delete()
    people_refresh_last_touched(person_ids=ids)
    facts_changed(ids)


class UnknownPeople(ValidationError):
    """A quick log names people nobody in the network is called; they can be created."""

    def __init__(self, names: list[str], problems: list[str]) -> None:
        super().__init__({"text": problems})
        self.names = names


def _split_name(name: str) -> tuple[str, str]:
    """ "Thomas von Keller" → ("Thomas", "von Keller"): the first word is the first name."""
    first, _sep, last = name.strip().partition(" ")
    return first[:100], last.strip()[:100]


def _people_for(
    workspace: Workspace, names: list[str], *, create_missing: bool, met_on: dt.date
) -> tuple[list[Person], list[Person]]:
    """(everyone named, those created now); creates only when every other name is clear."""
    found = names_resolve(workspace=workspace, names=names)
    ambiguous = len(found.problems) > len(found.missing) or not names
    if ambiguous or (found.missing and not create_missing):
        if found.missing and not ambiguous:
            raise UnknownPeople(found.missing, found.problems)
        raise ValidationError({"text": found.problems})
    created = []
    for name in dict.fromkeys(found.missing):
        first, last = _split_name(name)
        created.append(
            person_create(workspace=workspace, first_name=first, last_name=last, met_on=met_on)
        )
    return found.people + created, created


@transaction.atomic
def quick_log(
    *,
    workspace: Workspace,
    text: str,
    created_by: User | None = None,
    people: list[Person] | None = None,
    occurred_at: dt.datetime | None = None,
    idempotency_key: str = "",
    create_missing: bool = False,
) -> Touchpoint:
    """Log a touchpoint from one line; names in the line are matched to people.

    Explicitly chosen people win; otherwise every name must match exactly one person.
    A name that matches nobody raises UnknownPeople, unless `create_missing`: then the
    person is created, met on the day of the touchpoint (a new acquaintance, so the
    72-hour rule applies). A resubmitted form (same key) creates and logs nothing again.
    """
    text = clean_text(text, field="text", max_length=300)
    if not text:
        raise ValidationError({"text": _("Write what happened, e.g. “Coffee with Thomas”.")})
    if idempotency_key and (earlier := _by_key(workspace, idempotency_key[:64])):
        return earlier
    parsed = parse(text)
    occurred_at = occurred_at or timezone.now()
    check_date(occurred_at, field="occurred_at")  # before the date of a meeting is taken
    created: list[Person] = []
    if not people:
        met_on = occurred_at.astimezone(user_zone(created_by)).date()
        people, created = _people_for(
            workspace, parsed.names, create_missing=create_missing, met_on=met_on
        )
    touchpoint = touchpoint_log(
        workspace=workspace,
        participants=people,
        summary=parsed.summary,
        channel=parsed.channel,
        occurred_at=occurred_at,
        notes=parsed.topic,
        created_by=created_by,
        idempotency_key=idempotency_key,
    )
    if created and not touchpoint.participation_set.filter(person=created[0]).exists():
        # A concurrent twin of this form won the key: keep its people, drop ours.
        transaction.set_rollback(True)
    return touchpoint
