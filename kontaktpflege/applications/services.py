"""Writes about applications (seed 000): stages, contacts with roles, interviews, rejection.

Every write announces the changed facts for all people of the application (before and after
the change), so the follow-up engine recomputes thank-yous, status inquiries and feedback
requests for each of them after the commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.applications.models import (
    Application,
    ApplicationContact,
    ContactRole,
    Interview,
    InterviewKind,
    Stage,
)
from kontaktpflege.contacts.models import Organisation, Person
from kontaktpflege.contacts.services import person_create
from kontaktpflege.contacts.validation import check_date, clean_text
from kontaktpflege.core.facts import facts_changed
from kontaktpflege.followups.services import workspace_today, workspace_zone

TEXT_LIMITS = {
    "position": (200, False),
    "outcome": (5000, True),
    "feedback": (10000, True),
    "lessons": (10000, True),
    "notes": (50000, True),
}
FIELDS = frozenset(
    {
        "organisation",
        "position",
        "posting_url",
        "stage",
        "applied_on",
        "rejected_on",
        "salary_min",
        "salary_max",
        "salary_currency",
        *TEXT_LIMITS,
    }
)
# Adding an interview moves an application from these stages to "interview".
BEFORE_INTERVIEW = (Stage.SAVED, Stage.APPLIED, Stage.WAITING)


def _people_of(application: Application) -> set[int]:
    ids = set(application.application_contacts.values_list("person_id", flat=True))
    ids.update(
        Interview.participants.through.objects.filter(
            interview__application=application
        ).values_list("person_id", flat=True)
    )
    return ids


def _announce(application: Application, before: Iterable[int] = ()) -> None:
    """Recompute the follow-ups of everyone the application concerns, after the commit."""
    facts_changed({*before, *_people_of(application)})


def _clean_fields(workspace: Workspace, fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - FIELDS
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    clean = dict(fields)
    for name, (limit, multiline) in TEXT_LIMITS.items():
        if name in clean:
            clean[name] = clean_text(
                clean[name] or "", field=name, max_length=limit, multiline=multiline
            )
    if "posting_url" in clean:
        clean["posting_url"] = clean_text(
            clean["posting_url"] or "", field="posting_url", max_length=500
        )
    if "salary_currency" in clean:
        clean["salary_currency"] = (clean["salary_currency"] or "").strip().upper()
    for name in ("applied_on", "rejected_on"):
        if clean.get(name) is not None:
            check_date(clean[name], field=name)
    org = clean.get("organisation")
    if "organisation" in clean and (
        not isinstance(org, Organisation) or org.workspace_id != workspace.pk
    ):
        raise ValidationError({"organisation": _("Choose an organisation of this workspace.")})
    if "stage" in clean and clean["stage"] not in Stage.values:
        raise ValidationError({"stage": _("Choose one of the stages.")})
    return clean


def _check(application: Application) -> None:
    """The rules of one application across its fields, each on its field."""
    if not application.position:
        raise ValidationError({"position": _("Enter the position.")})
    if application.stage == Stage.REJECTED and application.rejected_on is None:
        raise ValidationError({"rejected_on": _("A rejection needs its date.")})
    lo, hi = application.salary_min, application.salary_max
    if lo is not None and hi is not None and lo > hi:
        raise ValidationError({"salary_max": _("The upper end is below the lower end.")})
    applied, rejected = application.applied_on, application.rejected_on
    if applied and rejected and rejected < applied:
        raise ValidationError({"rejected_on": _("The rejection cannot come before applying.")})
    if applied and application.pk:
        first = application.interviews.aggregate(first=Min("at"))["first"]
        zone = workspace_zone(application.workspace)
        if first is not None and first.astimezone(zone).date() < applied:
            raise ValidationError(
                {"applied_on": _("An interview of this application lies before this date.")}
            )
    application.full_clean(exclude=["workspace", "organisation", "contacts"])


def _top_of(workspace: Workspace, stage: str) -> int:
    low = Application.objects.filter(workspace=workspace, stage=stage).aggregate(
        m=Min("board_order")
    )
    return (low["m"] or 0) - 1


def _set_stage(application: Application, stage: str, today: dt.date) -> None:
    """Stage bookkeeping: the change time, the applied date, the rejection date."""
    if stage == application.stage:
        return
    application.stage = stage
    application.stage_changed_at = timezone.now()
    application.board_order = _top_of(application.workspace, stage)
    if stage != Stage.SAVED and stage != Stage.WITHDRAWN and application.applied_on is None:
        application.applied_on = today
    if stage != Stage.REJECTED:
        application.rejected_on = None


@transaction.atomic
def application_create(
    *, workspace: Workspace, organisation: Organisation, position: str, **fields: Any
) -> Application:
    """Add an application (stage "saved" unless given)."""
    clean = _clean_fields(workspace, {"organisation": organisation, "position": position, **fields})
    stage = clean.pop("stage", Stage.SAVED)
    application = Application(workspace=workspace, **clean)
    _set_stage(application, stage, workspace_today(workspace))
    if stage == Stage.REJECTED:
        application.rejected_on = clean.get("rejected_on")
    _check(application)
    application.save()
    return application


@transaction.atomic
def application_update(*, application: Application, **fields: Any) -> Application:
    """Change the fields given; a stage change goes through the same bookkeeping as a move."""
    clean = _clean_fields(application.workspace, fields)
    if "stage" in clean:
        _set_stage(application, clean.pop("stage"), workspace_today(application.workspace))
    for name, value in clean.items():
        setattr(application, name, value)
    _check(application)
    application.save()
    _announce(application)
    return application


@transaction.atomic
def application_move_stage(
    *, application: Application, stage: str, rejected_on: dt.date | None = None
) -> Application:
    """Move a card on the board; a move to "rejected" needs the rejection's date."""
    if stage not in Stage.values:
        raise ValidationError({"stage": _("Choose one of the stages.")})
    if stage == Stage.REJECTED:
        return application_reject(application=application, rejected_on=rejected_on)
    return application_update(application=application, stage=stage)


@transaction.atomic
def application_reject(
    *,
    application: Application,
    rejected_on: dt.date | None,
    feedback: str | None = None,
    outcome: str | None = None,
) -> Application:
    """Record a rejection on its date; the feedback request follows within two days."""
    if rejected_on is None:
        raise ValidationError({"rejected_on": _("A rejection needs its date.")})
    fields: dict[str, Any] = {"stage": Stage.REJECTED}
    if feedback is not None:
        fields["feedback"] = feedback
    if outcome is not None:
        fields["outcome"] = outcome
    clean = _clean_fields(application.workspace, fields)
    _set_stage(application, clean.pop("stage"), workspace_today(application.workspace))
    check_date(rejected_on, field="rejected_on")
    application.rejected_on = rejected_on
    for name, value in clean.items():
        setattr(application, name, value)
    _check(application)
    application.save()
    _announce(application)
    return application


@transaction.atomic
def application_delete(*, application: Application) -> None:
    """Delete an application with its contacts' roles and interviews; the people stay."""
    before = _people_of(application)
    application.delete()
    facts_changed(before)


def _same_workspace(application: Application, person: Person, field: str) -> None:
    if not isinstance(person, Person) or person.workspace_id != application.workspace_id:
        raise ValidationError({field: _("Choose a person of this workspace.")})


@transaction.atomic
def application_contact_add(
    *, application: Application, person: Person, role: str
) -> ApplicationContact:
    """Add a person to the application with a role (or change the role of one already in)."""
    _same_workspace(application, person, "person")
    if role not in ContactRole.values:
        raise ValidationError({"role": _("Choose one of the roles.")})
    contact, _created = ApplicationContact.objects.update_or_create(
        application=application, person=person, defaults={"role": role}
    )
    _announce(application)
    return contact


def _find_person(application: Application, first: str, last: str) -> Person | None:
    people = list(
        Person.objects.filter(
            workspace_id=application.workspace_id, first_name__iexact=first, last_name__iexact=last
        )
    )
    there = [p for p in people if p.organisation_id == application.organisation_id]
    if len(people) > 1 and len(there) != 1:
        raise ValidationError(
            {"name": _("Several people have this name; add the contact from the person's page.")}
        )
    return there[0] if there else (people[0] if people else None)


@transaction.atomic
def application_contact_add_named(
    *, application: Application, name: str, role: str, gender: str = "", email: str = ""
) -> ApplicationContact:
    """Add a contact by name: the person of that name, or a new one at the organisation."""
    name = clean_text(name, field="name", max_length=200)
    if not name:
        raise ValidationError({"name": _("Enter the contact's name.")})
    first, _sep, last = name.rpartition(" ")
    first, last = (first, last) if first else (name, "")
    if role not in ContactRole.values:
        raise ValidationError({"role": _("Choose one of the roles.")})
    person = _find_person(application, first, last)
    if person is None:
        person = person_create(
            workspace=application.workspace,
            first_name=first,
            last_name=last,
            gender=gender,
            organisation=application.organisation,
            emails=[email] if email else None,
        )
    return application_contact_add(application=application, person=person, role=role)


@transaction.atomic
def application_contact_remove(*, application: Application, person: Person) -> None:
    """Take a person off the application (and off its interviews)."""
    before = _people_of(application)
    ApplicationContact.objects.filter(application=application, person=person).delete()
    for interview in application.interviews.all():
        interview.participants.remove(person)
    _announce(application, before)


def _interview_fields(
    application: Application, fields: dict[str, Any]
) -> tuple[dict[str, Any], list[Person] | None]:
    unknown = set(fields) - {"at", "kind", "participants", "notes", "questions"}
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    clean = dict(fields)
    if "at" in clean:
        at = clean["at"]
        if not isinstance(at, dt.datetime) or timezone.is_naive(at):
            raise ValidationError({"at": _("Enter the date and time of the interview.")})
        check_date(at.date(), field="at")
        zone = workspace_zone(application.workspace)
        if application.applied_on and at.astimezone(zone).date() < application.applied_on:
            raise ValidationError(
                {
                    "at": _("The interview cannot come before the application (%(date)s).")
                    % {"date": date_format(application.applied_on, "SHORT_DATE_FORMAT")}
                }
            )
    if "kind" in clean and clean["kind"] not in InterviewKind.values:
        raise ValidationError({"kind": _("Choose one of the kinds of interview.")})
    for name, limit in (("notes", 50000), ("questions", 20000)):
        if name in clean:
            clean[name] = clean_text(
                clean[name] or "", field=name, max_length=limit, multiline=True
            )
    people = clean.pop("participants", None)
    if people is not None:
        people = list(people)
        for person in people:
            _same_workspace(application, person, "participants")
    return clean, people


def _participants_as_contacts(application: Application, people: list[Person]) -> None:
    """Interview participants become contacts of the application (as interviewers)."""
    known = set(application.application_contacts.values_list("person_id", flat=True))
    ApplicationContact.objects.bulk_create(
        ApplicationContact(application=application, person=p, role=ContactRole.INTERVIEWER)
        for p in people
        if p.pk not in known
    )


@transaction.atomic
def interview_add(
    *,
    application: Application,
    at: dt.datetime,
    kind: str,
    participants: Iterable[Person] = (),
    notes: str = "",
    questions: str = "",
) -> Interview:
    """Record an interview; it moves the card to "interview" and earns a thank-you."""
    clean, people = _interview_fields(
        application,
        {
            "at": at,
            "kind": kind,
            "participants": participants,
            "notes": notes,
            "questions": questions,
        },
    )
    interview = Interview(application=application, **clean)
    interview.full_clean(exclude=["application"])
    interview.save()
    interview.participants.set(people or [])
    _participants_as_contacts(application, people or [])
    if application.stage in BEFORE_INTERVIEW:
        _set_stage(application, Stage.INTERVIEW, workspace_today(application.workspace))
        application.save(
            update_fields=[
                "stage",
                "stage_changed_at",
                "board_order",
                "applied_on",
                "rejected_on",
                "updated_at",
            ]
        )
    _announce(application)
    return interview


@transaction.atomic
def interview_update(*, interview: Interview, **fields: Any) -> Interview:
    """Change an interview's date, kind, participants, notes or questions."""
    application = interview.application
    before = _people_of(application)
    clean, people = _interview_fields(application, fields)
    for name, value in clean.items():
        setattr(interview, name, value)
    interview.full_clean(exclude=["application"])
    interview.save()
    if people is not None:
        interview.participants.set(people)
        _participants_as_contacts(application, people)
    _announce(application, before)
    return interview


@transaction.atomic
def interview_delete(*, interview: Interview) -> None:
    """Delete an interview; its thank-you goes away with it."""
    application = interview.application
    before = _people_of(application)
    interview.delete()
    _announce(application, before)
