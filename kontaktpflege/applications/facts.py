"""Applications as facts for the follow-up engine (registered in ApplicationsConfig.ready).

Whom each item goes to:
- the thank-you after an interview: its interviewer, i.e. the participant with the first
  role of interviewer, hiring manager, recruiter, other, referrer (else the application's
  person below);
- the status inquiry and the feedback request: the recruiter ("der Personaler", seed 000),
  else the hiring manager, an interviewer, another contact, the referrer.
An application without contacts has nobody to write to, so it gets no follow-ups; its page
says so.

What answers an item, read from the log:
- an interview is thanked by an outgoing touchpoint (a sent message included) with one of
  its participants, or its interviewer, after it began;
- any touchpoint with any contact of the application restarts the status-inquiry clock;
- an outgoing touchpoint with a contact on or after the rejection day is the feedback
  request.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.db.models import Min

from kontaktpflege.applications.models import (
    Application,
    ApplicationContact,
    ContactRole,
    Interview,
    Stage,
)
from kontaktpflege.core.bulksql import among
from kontaktpflege.followups.engine import ApplicationFacts, InterviewFacts, local_date
from kontaktpflege.followups.services import followups_facts_changed
from kontaktpflege.touchpoints.models import Direction, Participation

# Applications the engine has nothing to say about.
QUIET_STAGES = (Stage.SAVED, Stage.WITHDRAWN)
MAIN_ROLES = [
    ContactRole.RECRUITER,
    ContactRole.HIRING_MANAGER,
    ContactRole.INTERVIEWER,
    ContactRole.OTHER,
    ContactRole.REFERRER,
]
INTERVIEW_ROLES = [
    ContactRole.INTERVIEWER,
    ContactRole.HIRING_MANAGER,
    ContactRole.RECRUITER,
    ContactRole.OTHER,
    ContactRole.REFERRER,
]


def _rank(order: list[ContactRole], role: str) -> int:
    values = [str(r) for r in order]
    return values.index(role) if role in values else len(values)


def pick(contacts: list[ApplicationContact], order: list[ContactRole]) -> ApplicationContact | None:
    """The contact an item goes to: the first by role order, then the one added first."""
    if not contacts:
        return None
    return min(contacts, key=lambda c: (_rank(order, c.role), c.pk))


def main_contact(application: Application) -> ApplicationContact | None:
    """Whom the status inquiry and the feedback request go to."""
    return pick(list(application.application_contacts.all()), MAIN_ROLES)


def interviewer_of(
    interview: Interview, contacts: list[ApplicationContact]
) -> ApplicationContact | None:
    """Whom the thank-you after an interview goes to."""
    ids = {p.pk for p in interview.participants.all()}
    return pick([c for c in contacts if c.person_id in ids], INTERVIEW_ROLES)


def application_facts(
    workspace_id: int, person_ids: list[int], zone: ZoneInfo
) -> Iterator[ApplicationFacts]:
    """Facts of the applications these people are contacts of."""
    # The contacts by range (cheap for the thousands of ids of a recompute), then exactly
    # the applications one of these people is a contact of.
    wanted = set(person_ids)
    contacts = ApplicationContact.objects.filter(among(person_ids)).values_list(
        "application_id", "person_id"
    )
    app_ids = sorted({app for app, person in contacts if person in wanted})
    if not app_ids:
        return
    apps = list(
        Application.objects.filter(workspace_id=workspace_id, pk__in=app_ids)
        .exclude(stage__in=QUIET_STAGES)
        .select_related("organisation")
        .prefetch_related("application_contacts__person", "interviews__participants")
    )
    if not apps:
        return
    log = _log(apps)
    for app in apps:
        fact = _facts(app, log, zone)
        if fact is not None:
            yield fact


Log = dict[int, list[tuple[dt.datetime, str]]]


def _log(apps: list[Application]) -> Log:
    """(when, direction) of the touchpoints with the contacts since the earliest day that
    matters: the first application, interview or rejection day (a day early for zones)."""
    days = [d for a in apps for d in (a.applied_on, a.rejected_on) if d is not None]
    first = Interview.objects.filter(application__in=apps).aggregate(m=Min("at"))["m"]
    if first is not None:
        days.append(first.date())
    if not days:
        return {}
    since = dt.datetime.combine(min(days) - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    ids = {c.person_id for a in apps for c in a.application_contacts.all()}
    log: Log = defaultdict(list)
    rows = Participation.objects.filter(person_id__in=ids, occurred_at__gte=since).values_list(
        "person_id", "occurred_at", "touchpoint__direction"
    )
    for person_id, at, direction in rows:
        log[person_id].append((at, direction))
    return log


def _facts(app: Application, log: Log, zone: ZoneInfo) -> ApplicationFacts | None:
    contacts = list(app.application_contacts.all())
    main = pick(contacts, MAIN_ROLES)
    if main is None:
        return None
    ids = [c.person_id for c in contacts]
    touches = [t for pk in ids for t in log.get(pk, [])]
    last_reply = max((local_date(at, zone) for at, _d in touches), default=None)
    requested = app.rejected_on is not None and any(
        d == Direction.OUT and local_date(at, zone) >= app.rejected_on for at, d in touches
    )
    return ApplicationFacts(
        application_id=app.pk,
        person_id=main.person_id,
        person_name=main.person.full_name,
        organisation=app.organisation.name,
        position=app.position,
        stage=app.stage,
        interviews=tuple(_interview(iv, contacts, log) for iv in app.interviews.all()),
        applied_on=app.applied_on,
        last_reply_on=last_reply,
        rejected_on=app.rejected_on,
        feedback_requested=requested,
    )


def _interview(iv: Interview, contacts: list[ApplicationContact], log: Log) -> InterviewFacts:
    who = interviewer_of(iv, contacts)
    people = {p.pk for p in iv.participants.all()} | ({who.person_id} if who else set())
    thanked = iv.thanked_at is not None or any(
        d == Direction.OUT and at > iv.at for pk in people for at, d in log.get(pk, [])
    )
    return InterviewFacts(
        interview_id=iv.pk,
        at=iv.at,
        thanked=thanked,
        person_id=who.person_id if who else None,
        person_name=who.person.full_name if who else "",
    )


def co_contacts(person_ids: list[int]) -> dict[int, set[int]]:
    """The other contacts of the applications these people are contacts of, each with
    those of these people they share an application with."""
    apps = ApplicationContact.objects.filter(person_id__in=person_ids).values("application_id")
    contacts: dict[int, set[int]] = defaultdict(set)
    for app_id, person_id in ApplicationContact.objects.filter(application_id__in=apps).values_list(
        "application_id", "person_id"
    ):
        contacts[app_id].add(person_id)
    ids = set(person_ids)
    via: dict[int, set[int]] = defaultdict(set)
    for people in contacts.values():
        for other in people:
            via[other] |= (people & ids) - {other}
    return {other: by for other, by in via.items() if by}


def refresh_co_contacts(person_ids: list[int], answered_by: dict[int, int]) -> None:
    """A touchpoint with one contact answers items of another (the recruiter's inquiry after
    the interviewer replied): refresh the application's other contacts too.

    With several touchpoints (a batch logged at once) another contact's items count as
    answered by the latest of theirs; one of these people is refreshed here again only when
    a later touchpoint with a co-contact answers their items, as when logged one by one.
    """
    ids = set(person_ids)
    answered: dict[int, int] = {}
    others = []
    for other, by in co_contacts(person_ids).items():
        tps = [answered_by[pk] for pk in by if pk in answered_by]
        latest = max(tps) if tps else None
        if other in ids and (latest is None or latest <= answered_by.get(other, 0)):
            continue  # refreshed already by the announcement itself
        others.append(other)
        if latest is not None:
            answered[other] = latest
    if others:
        followups_facts_changed(sorted(others), answered)
