"""Retention: rejected candidates without valid talent-pool consent are anonymised a number of
months after their last rejection was sent: the workspace's retention period, set by its owner
(PrivacySettings.retention_months; a new workspace starts with KP_RETENTION_MONTHS, default 6).

The anonymiser is shared with erasure requests (dsr.py). It removes what identifies a person
(names, addresses, numbers, notes, CVs and their text, stage notes, message bodies, profile
links, location, birthday; a job seeker's conversations with them, activations of them and
applications with them as the only contact) and takes them out of the keep-in-touch circles
for good (the follow-up engine skips the anonymised); it keeps what statistics count
(candidacies, their stages, the furthest stage reached, rejection reasons, ratings, openings).
It refuses while a legal hold stands or a data subject request other than the one it carries
out is open, and a second run finds the `Anonymisation` row and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.applications.models import (
    Activation,
    Application,
    ApplicationContact,
    Conversation,
    Interview,
)
from kontaktpflege.contacts.models import (
    Circle,
    EmailAddress,
    Employment,
    Person,
    PhoneNumber,
    Relationship,
)
from kontaktpflege.core.bulksql import among
from kontaktpflege.core.facts import facts_changed, graph_changed
from kontaktpflege.followups.models import FollowUp, Occasion
from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.privacy.audit import audit_record
from kontaktpflege.privacy.campaign_models import CampaignRecipient
from kontaktpflege.privacy.models import (
    OPEN_REQUEST_STATES,
    Anonymisation,
    ConsentRecord,
    DataSubjectRequest,
    LegalHold,
    PrivacySettings,
    Purpose,
    default_retention_months,
)
from kontaktpflege.privacy.selectors import consent_status
from kontaktpflege.privacy.services import add_months
from kontaktpflege.recruiting.models import (
    Candidacy,
    CandidateDocument,
    CandidateProfile,
    CandidateSkill,
    ConsentState,
    PoolMember,
    Rejection,
    RejectionState,
    StageKind,
    StageNote,
)
from kontaktpflege.touchpoints.models import Participation, Touchpoint


def retention_months(workspace_id: int) -> int:
    """How many months after the rejection was sent a candidate's data is kept here."""
    months = (
        PrivacySettings.objects.filter(workspace_id=workspace_id)
        .values_list("retention_months", flat=True)
        .first()
    )
    return months or default_retention_months()


def anonymised_name(person_id: int) -> str:
    return f"Anonymised #{person_id}"


def hold_active(person_id: int) -> bool:
    return LegalHold.objects.filter(person_id=person_id, released_at__isnull=True).exists()


def open_request(person_id: int, *, except_id: int | None = None) -> DataSubjectRequest | None:
    rows = DataSubjectRequest.objects.filter(person_id=person_id, state__in=OPEN_REQUEST_STATES)
    if except_id is not None:
        rows = rows.exclude(pk=except_id)
    return rows.first()


# ---------------------------------------------------------------- the anonymiser


def _scrub_person(person: Person) -> None:
    person.first_name = "Anonymised"
    person.last_name = f"#{person.pk}"
    for name in ("academic_title", "gender", "job_title", "linkedin_url", "xing_url"):
        setattr(person, name, "")
    for name in ("website", "location", "how_we_met", "notes"):
        setattr(person, name, "")
    for name in ("birthday_day", "birthday_month", "birthday_year", "met_on", "known_since"):
        setattr(person, name, None)
    person.organisation = None
    person.introduced_by = None
    # Out of the keep-in-touch circles; `anonymised_among` keeps every follow-up away.
    person.circle, person.keep_in_touch_days = Circle.DORMANT, None
    person.search_text = anonymised_name(person.pk).lower()
    person.save()
    person.tags.clear()


def _scrub_recruiting(person: Person) -> dict[str, int]:
    candidacies = Candidacy.objects.filter(person=person)
    candidacies.update(notes="")
    StageNote.objects.filter(candidacy__person=person).update(text="")
    Rejection.objects.filter(candidacy__person=person).update(
        feedback_notes="", subject="", body=""
    )
    documents = list(CandidateDocument.objects.filter(person=person))
    files = [(d.file.storage, d.file.name) for d in documents if d.file]
    CandidateDocument.objects.filter(person=person).delete()
    # Files go after the commit: a rollback must not leave rows without their file.
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in files])
    CandidateProfile.objects.filter(person=person).update(location="")
    CandidateSkill.objects.filter(person=person).update(evidence="")
    PoolMember.objects.filter(person=person).delete()
    return {"candidacies": candidacies.count(), "documents": len(documents)}


def _scrub_job_seeker(person: Person) -> dict[str, int]:
    """Conversations with them and activations of them are about them: their texts go.
    An application with them as its only contact is too; a shared one loses them."""
    conversations = Conversation.objects.filter(person=person).update(
        goal="—", research="", questions="", learned="", checklist={}, updated_at=timezone.now()
    )
    Conversation.new_contacts.through.objects.filter(person_id=person.pk).delete()
    Activation.objects.filter(person=person).update(offer="", updated_at=timezone.now())
    # Filter by id first: a filter on the relation itself would narrow what Count counts.
    theirs = ApplicationContact.objects.filter(person=person).values("application_id")
    alone = list(
        Application.objects.filter(pk__in=theirs)
        .annotate(n=Count("application_contacts"))
        .filter(n=1)
        .values_list("pk", flat=True)
    )
    Application.objects.filter(pk__in=alone).update(
        notes="", feedback="", outcome="", lessons="", updated_at=timezone.now()
    )
    Interview.objects.filter(application_id__in=alone).update(notes="", questions="")
    ApplicationContact.objects.filter(person=person).delete()
    return {"conversations": conversations, "applications": len(alone)}


def anonymised_among(workspace_id: int, person_ids: list[int]) -> set[int]:
    """The follow-up engine's excluder: anonymised people get no follow-ups again."""
    rows = Anonymisation.objects.filter(among(person_ids), workspace_id=workspace_id)
    return set(rows.values_list("person_id", flat=True)).intersection(person_ids)


def _scrub_contacts(person: Person) -> dict[str, int]:
    emails, _kinds = EmailAddress.objects.filter(person=person).delete()
    phones, _kinds = PhoneNumber.objects.filter(person=person).delete()
    Employment.objects.filter(person=person).delete()
    Relationship.objects.filter(Q(from_person=person) | Q(to_person=person)).delete()
    Person.objects.filter(introduced_by=person).update(introduced_by=None)
    Occasion.objects.filter(person=person).delete()
    FollowUp.objects.filter(person=person).delete()
    messages = OutboundMessage.objects.filter(person=person).update(
        to_address="", subject="", body="", list_unsubscribe="", last_error=""
    )
    # A campaign report keeps the outcome (counts), not the address.
    CampaignRecipient.objects.filter(person=person).update(email="", error="")
    # A touchpoint with them alone is about them: its text goes; a shared one loses them.
    theirs = Participation.objects.filter(person=person).values("touchpoint_id")
    alone = (
        Touchpoint.objects.filter(pk__in=theirs)
        .annotate(n=Count("participation"))
        .filter(n=1)
        .values_list("pk", flat=True)
    )
    Touchpoint.objects.filter(pk__in=list(alone)).update(summary="—", notes="")
    shared = Participation.objects.filter(person=person).exclude(touchpoint_id__in=list(alone))
    shared.delete()
    consents, _kinds = ConsentRecord.objects.filter(person=person).delete()
    return {"emails": emails, "phones": phones, "messages": messages, "consents": consents}


@transaction.atomic
def person_anonymise(
    *, person: Person, reason: str, actor: Any = None, request: DataSubjectRequest | None = None
) -> Anonymisation:
    """Remove a person's personal data and keep the counts; refused under a legal hold or
    while another data subject request is open. Running it twice changes nothing."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    done = Anonymisation.objects.filter(person=person).first()
    if done is not None:
        return done
    if person.is_self:
        raise ValidationError(_("A user's own entry cannot be anonymised."))
    if hold_active(person.pk):
        raise ValidationError(_("A legal hold stops the anonymisation of this person."))
    if open_request(person.pk, except_id=request.pk if request else None) is not None:
        raise ValidationError(_("A data subject request about this person is still open."))
    counts = _scrub_recruiting(person)
    counts.update(_scrub_contacts(person))
    counts.update(_scrub_job_seeker(person))
    _scrub_person(person)
    # Edges went and birthdays, occasions and follow-ups with them: let the graph cache and
    # the follow-up engine catch up.
    graph_changed(person.workspace_id)
    facts_changed([person.pk])
    row = Anonymisation.objects.create(
        workspace_id=person.workspace_id, person=person, reason=reason, request=request
    )
    audit_record(
        workspace=person.workspace_id,
        action="person.anonymised",
        actor=actor,
        subject_type="person",
        subject_id=person.pk,
        data={"reason": reason, "request": request.pk if request else None, "removed": counts},
    )
    return row


# ---------------------------------------------------------------- who is due


@dataclass
class RetentionItem:
    person_id: int
    name: str
    last_rejection_sent_at: dt.datetime
    due_at: dt.datetime
    action: str  # "anonymise" | "hold" | "consent" | "request" | "not_due"


@dataclass
class RetentionReport:
    workspace_id: int
    months: int
    items: list[RetentionItem] = field(default_factory=list)

    def of(self, action: str) -> list[RetentionItem]:
        return [item for item in self.items if item.action == action]


def _candidates(workspace_id: int) -> list[tuple[int, dt.datetime]]:
    """People whose every candidacy is closed as rejected or withdrawn and who got at least one
    sent rejection, with the time the last one was sent; the anonymised left out."""
    still_open = Candidacy.objects.filter(workspace_id=workspace_id).exclude(
        stage__kind__in=[StageKind.REJECTED, StageKind.WITHDRAWN]
    )
    rows = (
        Rejection.objects.filter(workspace_id=workspace_id, state=RejectionState.SENT)
        .exclude(candidacy__person_id__in=still_open.values("person_id"))
        .exclude(candidacy__person__anonymisation__isnull=False)
        .values("candidacy__person_id")
        .annotate(last=Max("sent_at"))
        .order_by("candidacy__person_id")
    )
    return [(r["candidacy__person_id"], r["last"]) for r in rows if r["last"] is not None]


def retention_report(
    *, workspace: Workspace | int, now: dt.datetime | None = None, include_not_due: bool = False
) -> RetentionReport:
    """What the daily job would do in a workspace now (nothing is changed)."""
    now = now or timezone.now()
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    months = retention_months(workspace_id)
    report = RetentionReport(workspace_id, months)
    candidates = _candidates(workspace_id)
    people = Person.objects.in_bulk([pk for pk, _last in candidates])
    for pk, last in candidates:
        due = add_months(last, months)
        person = people[pk]
        if due > now:
            action = "not_due"
        elif consent_status(person=person, purpose=Purpose.TALENT_POOL, now=now).state == (
            ConsentState.GRANTED
        ):
            action = "consent"
        elif hold_active(pk):
            action = "hold"
        elif open_request(pk) is not None:
            action = "request"
        else:
            action = "anonymise"
        if action != "not_due" or include_not_due:
            report.items.append(RetentionItem(pk, person.full_name, last, due, action))
    return report


def retention_run(*, workspace: Workspace | int, now: dt.datetime | None = None) -> int:
    """Anonymise everyone due in a workspace; the number anonymised."""
    report = retention_report(workspace=workspace, now=now)
    done = 0
    for item in report.of("anonymise"):
        person = Person.objects.get(pk=item.person_id)
        try:
            person_anonymise(person=person, reason="retention")
        except ValidationError:
            continue  # a hold or request arrived meanwhile: the next run looks again
        done += 1
    return done


def retention_run_all(*, now: dt.datetime | None = None) -> int:
    """The daily job: every workspace that has sent rejections."""
    ids = (
        Rejection.objects.filter(state=RejectionState.SENT)
        .values_list("workspace_id", flat=True)
        .distinct()
    )
    return sum(retention_run(workspace=pk, now=now) for pk in sorted(set(ids)))


# ---------------------------------------------------------------- legal holds


@transaction.atomic
def legal_hold_set(*, person: Person, reason: str, user: Any) -> LegalHold:
    """Put a person under a legal hold (the reason stays out of the audit log)."""
    reason = " ".join(reason.split())[:500]
    if not reason:
        raise ValidationError({"reason": _("Say why the data must be kept.")})
    hold = LegalHold.objects.create(
        workspace_id=person.workspace_id, person=person, reason=reason, set_by=user
    )
    audit_record(
        workspace=person.workspace_id,
        action="legal_hold.set",
        actor=user,
        subject_type="person",
        subject_id=person.pk,
        data={"hold": hold.pk},
    )
    return hold


@transaction.atomic
def legal_hold_release(*, person: Person, pk: int, user: Any) -> None:
    """Release a hold (once: a second release changes nothing and says so)."""
    rows = LegalHold.objects.filter(person=person, pk=pk, released_at__isnull=True)
    if not rows.update(released_at=timezone.now(), released_by=user, updated_at=timezone.now()):
        raise ValidationError(_("This legal hold is already released."))
    audit_record(
        workspace=person.workspace_id,
        action="legal_hold.released",
        actor=user,
        subject_type="person",
        subject_id=person.pk,
        data={"hold": pk},
    )
