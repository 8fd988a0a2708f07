"""Data subject requests: the export of everything about a person, and erasure as request →
identity verified (a member) → approved (an owner, not the requester) → anonymisation.

Each step is one conditional UPDATE on the request's state, so a double submit finds the
state already moved and changes nothing. While any request about a person is open, the
anonymiser refuses (retention.py) and deleting the person fails (`people_deleting` hook).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import Role, User, Workspace
from kontaktpflege.contacts.models import Person
from kontaktpflege.contacts.validation import clean_text
from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.privacy.audit import audit_record
from kontaktpflege.privacy.campaign_models import CampaignRecipient
from kontaktpflege.privacy.models import (
    OPEN_REQUEST_STATES,
    ConsentRecord,
    DataSubjectRequest,
    LegalHold,
    RequestKind,
    RequestState,
)
from kontaktpflege.privacy.retention import hold_active, person_anonymise
from kontaktpflege.recruiting.models import Candidacy, CandidateDocument
from kontaktpflege.touchpoints.models import Touchpoint

# ---------------------------------------------------------------- reads


def person_for_request(*, workspace: Workspace, pk: int) -> Person:
    """A person of the workspace (404 for another workspace's id)."""
    person = Person.objects.filter(workspace=workspace, pk=pk).first()
    if person is None:
        raise Http404
    return person


def request_get(*, workspace: Workspace, pk: int) -> DataSubjectRequest:
    """A request of the workspace (404 for another workspace's id)."""
    found = (
        DataSubjectRequest.objects.select_related("person", "requested_by")
        .filter(workspace=workspace, pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def request_list(*, workspace: Workspace) -> QuerySet[DataSubjectRequest]:
    return DataSubjectRequest.objects.filter(workspace=workspace).select_related(
        "person", "requested_by", "verified_by", "approved_by"
    )


def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def _candidacies(person: Person) -> list[dict[str, Any]]:
    rows = (
        Candidacy.objects.filter(person=person)
        .select_related("opening", "stage", "reached_stage", "rejection_reason")
        .prefetch_related("moves__to_stage", "stage_notes__stage", "rejections")
    )
    return [
        {
            "opening": c.opening.title,
            "stage": c.stage.label,
            "furthest_stage": c.reached_stage.label if c.reached_stage else None,
            "rejected_at": _when(c.rejected_at),
            "rejection_reason": c.rejection_reason.label if c.rejection_reason else None,
            "source": c.source,
            "notes": c.notes,
            "stage_history": [
                {"to": m.to_stage.label, "at": _when(m.created_at)} for m in c.moves.all()
            ],
            "stage_notes": [
                {
                    "stage": n.stage.label,
                    "text": n.text,
                    "rating": n.rating,
                    "at": _when(n.created_at),
                }
                for n in c.stage_notes.all()
            ],
            "rejections": [
                {"state": r.state, "sent_at": _when(r.sent_at), "text": r.body}
                for r in c.rejections.all()
            ],
        }
        for c in rows
    ]


def person_export(*, person: Person) -> dict[str, Any]:
    """Everything stored about a person, as plain JSON-ready data."""
    profile = getattr(person, "candidate", None)
    return {
        "person": {
            "id": person.pk,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "academic_title": person.academic_title,
            "job_title": person.job_title,
            "organisation": person.organisation.name if person.organisation else None,
            "location": person.location,
            "birthday": [person.birthday_day, person.birthday_month, person.birthday_year],
            "language": person.language,
            "profiles": [u for u in (person.linkedin_url, person.xing_url, person.website) if u],
            "how_we_met": person.how_we_met,
            "notes": person.notes,
            "emails": [e.email for e in person.emails.all()],
            "phones": [p.number for p in person.phones.all()],
            "tags": [t.name for t in person.tags.all()],
        },
        "candidate_profile": None
        if profile is None
        else {
            "career_level": profile.career_level,
            "job_type": profile.job_type,
            "work_mode": profile.work_mode,
            "location": profile.location,
            "consent_state": profile.consent_state,
        },
        "employments": [
            {
                "organisation": e.organisation.name if e.organisation_id else None,
                "title": e.title,
                "since": _when(e.start_date),
                "until": _when(e.end_date),
            }
            for e in person.employments.select_related("organisation")
        ],
        "candidacies": _candidacies(person),
        "messages": [
            {"at": _when(m.created_at), "to": m.to_address, "subject": m.subject, "text": m.body}
            for m in OutboundMessage.objects.filter(person=person).order_by("created_at", "id")
        ],
        "campaigns": [
            {
                "campaign": r.campaign.name,
                "address": r.email,
                "outcome": r.outcome,
                "reason": r.reason,
                "at": _when(r.processed_at),
            }
            for r in CampaignRecipient.objects.filter(person=person)
            .select_related("campaign")
            .order_by("id")
        ],
        "touchpoints": [
            {
                "at": _when(t.occurred_at),
                "channel": t.channel,
                "summary": t.summary,
                "notes": t.notes,
            }
            for t in Touchpoint.objects.filter(participation__person=person).order_by("occurred_at")
        ],
        "consents": [
            {
                "purpose": r.purpose,
                "event": r.kind,
                "at": _when(r.created_at),
                "source": r.source,
                "text_shown": r.consent_text,
                "notice_version": r.notice_version,
                "expires_at": _when(r.expires_at),
                "channel": r.channel,
            }
            for r in ConsentRecord.objects.filter(person=person).order_by("created_at", "id")
        ],
        "attachments": [
            {
                "name": d.original_name,
                "size": d.size,
                "uploaded_at": _when(d.created_at),
                "text": d.text,
            }
            for d in CandidateDocument.objects.filter(person=person)
        ],
        "legal_holds": [
            {"reason": h.reason, "set_at": _when(h.set_at), "released_at": _when(h.released_at)}
            for h in LegalHold.objects.filter(person=person)
        ],
    }


# ---------------------------------------------------------------- writes


@transaction.atomic
def person_export_record(*, person: Person, user: User) -> dict[str, Any]:
    """The export, logged in the audit log (which holds the id, not the data)."""
    data = person_export(person=person)
    audit_record(
        workspace=person.workspace_id,
        action="person.exported",
        actor=user,
        subject_type="person",
        subject_id=person.pk,
    )
    return data


def request_export(*, dsr: DataSubjectRequest, user: User) -> dict[str, Any]:
    """The export an approved export request hands out (audit-logged); refused, with
    nothing logged, for an erasure or a request whose approval is not done."""
    if dsr.kind != RequestKind.EXPORT:
        raise ValidationError(_("Only an export request has an export to download."))
    if dsr.state != RequestState.DONE:
        raise ValidationError(_("The export can be downloaded once the request is approved."))
    return person_export_record(person=dsr.person, user=user)


def request_create(*, person: Person, kind: str, user: User, note: str = "") -> DataSubjectRequest:
    """Open a request; a second one of the same kind while one is open is refused."""
    if kind not in RequestKind.values:
        raise ValidationError({"kind": _("Unknown kind of request.")})
    note = clean_text(note, field="note", max_length=2000, multiline=True)
    try:
        with transaction.atomic():
            found = DataSubjectRequest.objects.create(
                workspace_id=person.workspace_id,
                person=person,
                kind=kind,
                requested_by=user,
                note=note,
            )
            audit_record(
                workspace=person.workspace_id,
                action=f"request.{kind}.opened",
                actor=user,
                subject_type="person",
                subject_id=person.pk,
                data={"request": found.pk},
            )
    except IntegrityError:
        raise ValidationError(
            _("A request of this kind about this person is already open.")
        ) from None
    return found


def _move(dsr: DataSubjectRequest, from_state: str, **changes: Any) -> bool:
    rows = DataSubjectRequest.objects.filter(pk=dsr.pk, state=from_state)
    return bool(rows.update(updated_at=timezone.now(), **changes))


@transaction.atomic
def request_verify(*, dsr: DataSubjectRequest, user: User) -> None:
    """A member confirms the person's identity was checked."""
    now = timezone.now()
    if not _move(
        dsr, RequestState.OPEN, state=RequestState.VERIFIED, verified_by=user, verified_at=now
    ):
        raise ValidationError(_("This request is not waiting for an identity check."))
    audit_record(
        workspace=dsr.workspace_id,
        action=f"request.{dsr.kind}.verified",
        actor=user,
        subject_type="person",
        subject_id=dsr.person_id,
        data={"request": dsr.pk},
    )


@transaction.atomic
def request_approve(*, dsr: DataSubjectRequest, user: User, role: str) -> None:
    """An owner (not the requester) approves a verified request; an erasure then runs."""
    if role != Role.OWNER:
        raise PermissionDenied
    if dsr.requested_by_id == user.pk:
        raise ValidationError(_("Someone other than the requester must approve the request."))
    if dsr.kind == RequestKind.ERASURE and hold_active(dsr.person_id):
        raise ValidationError(_("A legal hold stops the anonymisation of this person."))
    now = timezone.now()
    if not _move(
        dsr, RequestState.VERIFIED, state=RequestState.APPROVED, approved_by=user, approved_at=now
    ):
        raise ValidationError(_("Only a request whose identity check is done can be approved."))
    audit_record(
        workspace=dsr.workspace_id,
        action=f"request.{dsr.kind}.approved",
        actor=user,
        subject_type="person",
        subject_id=dsr.person_id,
        data={"request": dsr.pk},
    )
    dsr.refresh_from_db()
    if dsr.kind == RequestKind.ERASURE:
        person_anonymise(person=dsr.person, reason="erasure", actor=user, request=dsr)
    _move(dsr, RequestState.APPROVED, state=RequestState.DONE, done_at=timezone.now())
    audit_record(
        workspace=dsr.workspace_id,
        action=f"request.{dsr.kind}.done",
        actor=user,
        subject_type="person",
        subject_id=dsr.person_id,
        data={"request": dsr.pk},
    )


@transaction.atomic
def request_reject(*, dsr: DataSubjectRequest, user: User) -> None:
    """Close an open request without carrying it out (e.g. the identity could not be shown)."""
    rows = DataSubjectRequest.objects.filter(pk=dsr.pk, state__in=OPEN_REQUEST_STATES)
    if not rows.update(state=RequestState.REJECTED, done_at=timezone.now()):
        raise ValidationError(_("This request is already closed."))
    audit_record(
        workspace=dsr.workspace_id,
        action=f"request.{dsr.kind}.rejected",
        actor=user,
        subject_type="person",
        subject_id=dsr.person_id,
        data={"request": dsr.pk},
    )


def refuse_delete_while_open(person_ids: list[int]) -> None:
    """`people_deleting` hook: nothing is deleted while a request is open or a hold stands."""
    if DataSubjectRequest.objects.filter(
        person_id__in=person_ids, state__in=OPEN_REQUEST_STATES
    ).exists():
        raise ValidationError(_("A data subject request about this person is still open."))
    if LegalHold.objects.filter(person_id__in=person_ids, released_at__isnull=True).exists():
        raise ValidationError(_("A legal hold stops the deletion of this person."))


# ---------------------------------------------------------------- a personal user's account


def account_blockers(*, user: User) -> list[str]:
    """Names of the shared workspaces that stop deleting the account (others work in them)."""
    names = []
    for membership in user.memberships.select_related("workspace"):
        if membership.workspace.memberships.exclude(user=user).exists():
            names.append(membership.workspace.name)
    return names


@transaction.atomic
def account_delete(*, user: User, password: str) -> None:
    """Delete a personal user's account with every workspace only they belong to.

    Refused while the user shares a workspace (its team's data is not theirs alone to
    delete) or when the password is wrong; nothing changes then.
    """
    if not user.check_password(password):
        raise ValidationError({"password": _("The password is not correct.")})
    shared = account_blockers(user=user)
    if shared:
        raise ValidationError(
            _("Leave or hand over these shared workspaces first: %(names)s")
            % {"names": ", ".join(shared)}
        )
    Workspace.objects.filter(memberships__user=user).delete()
    user.delete()
