"""Data subject requests: the export of everything about a person, and erasure as request →
identity verified (a member) → approved (an owner, not the requester) → anonymisation.

Each step is one conditional UPDATE on the request's state, so a double submit finds the
state already moved and changes nothing. While any request about a person is open, the
anonymiser refuses (retention.py) and deleting the person fails (`people_deleting` hook).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import Role, User, Workspace
from kontaktpflege.applications.models import (
    Activation,
    ApplicationContact,
    Conversation,
    Interview,
)
from kontaktpflege.contacts.models import Person, Relationship
from kontaktpflege.contacts.validation import clean_text
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
    RequestKind,
    RequestState,
)
from kontaktpflege.privacy.retention import hold_active, person_anonymise
from kontaktpflege.recruiting.models import (
    Candidacy,
    CandidateDocument,
    CandidateSkill,
    PoolMember,
)
from kontaktpflege.touchpoints.models import Touchpoint

# ---------------------------------------------------------------- what the export covers

# Every link to a person (model label, field) and the export section that holds its rows.
# test_dsr_complete walks all models: a new link to Person must be added here (and to
# person_export) or to NOT_PERSONAL_DATA, with the reason.
EXPORT_COVERS: dict[tuple[str, str], str] = {
    ("contacts.Person", "introduced_by"): "introduced_by",  # and "introduced": whom they did
    ("contacts.Person_tags", "person"): "tags",
    ("contacts.EmailAddress", "person"): "emails",
    ("contacts.PhoneNumber", "person"): "phones",
    ("contacts.Employment", "person"): "employments",
    ("contacts.Relationship", "from_person"): "relationships",
    ("contacts.Relationship", "to_person"): "relationships",
    ("touchpoints.Touchpoint", "participants"): "touchpoints",
    ("touchpoints.Participation", "person"): "touchpoints",
    ("followups.FollowUp", "person"): "follow_ups",
    ("followups.Occasion", "person"): "occasions",
    ("messaging.OutboundMessage", "person"): "messages",
    ("applications.Application", "contacts"): "applications",
    ("applications.ApplicationContact", "person"): "applications",
    ("applications.Interview", "participants"): "interviews",
    ("applications.Interview_participants", "person"): "interviews",
    ("applications.Conversation", "person"): "conversations",
    ("applications.Conversation", "new_contacts"): "conversations_met_through",
    ("applications.Conversation_new_contacts", "person"): "conversations_met_through",
    ("applications.Activation", "person"): "activations",
    ("recruiting.Candidacy", "person"): "candidacies",
    ("recruiting.CandidateDocument", "person"): "attachments",
    ("recruiting.CandidateProfile", "person"): "candidate_profile",
    ("recruiting.CandidateSkill", "person"): "skills",
    ("recruiting.PoolMember", "person"): "talent_pools",
    ("privacy.ConsentRecord", "person"): "consents",
    ("privacy.LegalHold", "person"): "legal_holds",
    ("privacy.Anonymisation", "person"): "anonymisation",
    ("privacy.DataSubjectRequest", "person"): "requests",
    ("privacy.CampaignRecipient", "person"): "campaigns",
    ("dataio.MergeLog", "kept_person"): "merges",  # registered by dataio (layers)
}

NOT_PERSONAL_DATA: dict[tuple[str, str], str] = {
    # A SHA-256 fingerprint of an imported source row, kept so a re-import finds the person;
    # it says nothing readable about them and the row itself is in the profile.
    ("dataio.ImportKey", "person"): "fingerprint of an import row",
    # The user's decision that two people are different people: bookkeeping of the duplicate
    # finder, no data about either.
    ("dataio.DuplicateDismissal", "person_a"): "duplicate finder bookkeeping",
    ("dataio.DuplicateDismissal", "person_b"): "duplicate finder bookkeeping",
}

ExportSection = Callable[[Person], Any]
EXTRA_SECTIONS: dict[str, ExportSection] = {}


def register_export_section(key: str, reader: ExportSection) -> ExportSection:
    """Let a higher app (dataio) add its rows about a person to the export."""
    EXTRA_SECTIONS[key] = reader
    return reader


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


def _name(person: Person | None) -> str | None:
    return person.full_name if person is not None else None


def _relationships(person: Person) -> list[dict[str, Any]]:
    rows = Relationship.objects.filter(from_person=person).select_related("to_person")
    back = Relationship.objects.filter(to_person=person).select_related("from_person")
    return [
        {
            "other": r.to_person.full_name,
            "direction": "from",
            "strength": r.strength,
            "context": r.context,
            "notes": r.notes,
        }
        for r in rows
    ] + [
        {
            "other": r.from_person.full_name,
            "direction": "to",
            "strength": r.strength,
            "context": r.context,
            "notes": r.notes,
        }
        for r in back
    ]


def _applications(person: Person) -> list[dict[str, Any]]:
    """Applications where they are a contact; the notes only where they are the only contact
    (as the anonymiser blanks them): a shared application's notes are not about them alone."""
    rows = (
        ApplicationContact.objects.filter(person=person)
        .select_related("application__organisation")
        .annotate(contacts=Count("application__contacts"))
        .order_by("application__created_at", "pk")
    )
    return [
        {
            "position": c.application.position,
            "organisation": c.application.organisation.name
            if c.application.organisation_id
            else None,
            "stage": c.application.stage,
            "role": c.role,
            "applied_on": _when(c.application.applied_on),
            "notes": c.application.notes if c.contacts == 1 else None,
            "feedback": c.application.feedback if c.contacts == 1 else None,
        }
        for c in rows
    ]


def _conversations(person: Person) -> list[dict[str, Any]]:
    rows = Conversation.objects.filter(person=person).select_related("organisation")
    return [
        {
            "goal": c.goal,
            "organisation": c.organisation.name if c.organisation else None,
            "status": c.status,
            "planned_at": _when(c.planned_at),
            "held_at": _when(c.held_at),
            "research": c.research,
            "questions": c.questions,
            "learned": c.learned,
            "thanked_at": _when(c.thanked_at),
        }
        for c in rows.order_by("created_at", "pk")
    ]


def _job_seeker(person: Person) -> dict[str, Any]:
    interviews = (
        Interview.objects.filter(participants=person)
        .select_related("application__organisation")
        .order_by("at", "pk")
    )
    met_through = Conversation.objects.filter(new_contacts=person).select_related("person")
    return {
        "conversations": _conversations(person),
        "conversations_met_through": [
            {"with": c.person.full_name, "goal": c.goal, "held_at": _when(c.held_at)}
            for c in met_through.order_by("created_at", "pk")
        ],
        "applications": _applications(person),
        "interviews": [
            {
                "at": _when(i.at),
                "kind": i.kind,
                "position": i.application.position,
                "organisation": i.application.organisation.name
                if i.application.organisation_id
                else None,
                "notes": i.notes,
                "questions": i.questions,
            }
            for i in interviews
        ],
        "activations": [
            {
                "goal": a.goal,
                "offer": a.offer,
                "meeting_on": _when(a.meeting_on),
                "circle": a.circle,
                "completed_at": _when(a.completed_at),
            }
            for a in Activation.objects.filter(person=person).order_by("created_at", "pk")
        ],
    }


def _follow_ups(person: Person) -> dict[str, Any]:
    return {
        "follow_ups": [
            {
                "rule": f.rule,
                "subject": f.subject,
                "due_on": _when(f.due_on),
                "state": f.state,
                "skip_reason": f.skip_reason,
                "closed_at": _when(f.closed_at),
            }
            for f in FollowUp.objects.filter(person=person).order_by("due_on", "pk")
        ],
        "occasions": [
            {"kind": o.kind, "on": _when(o.on), "note": o.note}
            for o in Occasion.objects.filter(person=person).order_by("on", "pk")
        ],
    }


def _recruiting(person: Person) -> dict[str, Any]:
    skills = CandidateSkill.objects.filter(person=person).select_related("skill")
    pools = PoolMember.objects.filter(person=person).select_related("pool")
    return {
        "skills": [
            {
                "skill": s.skill.name,
                "source": s.source,
                "found_in": s.evidence,
                "removed": s.removed,
            }
            for s in skills.order_by("skill__name")
        ],
        "talent_pools": [
            {"pool": m.pool.name, "added_at": _when(m.created_at)}
            for m in pools.order_by("created_at", "pk")
        ],
    }


def _privacy(person: Person) -> dict[str, Any]:
    done = Anonymisation.objects.filter(person=person).first()
    return {
        "requests": [
            {
                "kind": r.kind,
                "state": r.state,
                "opened_at": _when(r.created_at),
                "done_at": _when(r.done_at),
            }
            for r in DataSubjectRequest.objects.filter(person=person).order_by("created_at")
        ],
        "anonymisation": None
        if done is None
        else {"reason": done.reason, "at": _when(done.created_at)},
    }


def person_export(*, person: Person) -> dict[str, Any]:
    """Everything stored about a person, as plain JSON-ready data (what it covers:
    EXPORT_COVERS)."""
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
            "introduced_by": _name(person.introduced_by),
        },
        "introduced": [
            p.full_name for p in Person.objects.filter(introduced_by=person).order_by("pk")
        ],
        "relationships": _relationships(person),
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
                "id": d.pk,
                "name": d.original_name,
                "content_type": d.content_type,
                "size": d.size,
                "uploaded_at": _when(d.created_at),
                "has_text": bool(d.text),
                "text": d.text,
            }
            for d in CandidateDocument.objects.filter(person=person).order_by("created_at", "pk")
        ],
        "legal_holds": [
            {"reason": h.reason, "set_at": _when(h.set_at), "released_at": _when(h.released_at)}
            for h in LegalHold.objects.filter(person=person)
        ],
        **_job_seeker(person),
        **_follow_ups(person),
        **_recruiting(person),
        **_privacy(person),
        **{key: reader(person) for key, reader in EXTRA_SECTIONS.items()},
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
