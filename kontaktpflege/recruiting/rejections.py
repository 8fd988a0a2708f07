"""Rejections in two tiers (seed 002): personal feedback for finalists, a friendly template
for everyone else; scheduled, cancellable until they go out, sent through the outbox.

- The tier follows the furthest stage a candidacy reached: at or after the workspace's late
  stage (RecruitingSettings.late_stage) it is *personal* — the template plus the
  recruiter's own feedback notes, kept as a draft until the recruiter reviewed the text —
  and the candidate becomes a silver medallist; before it, the *automated* friendly
  template, which still invites a conversation, is scheduled at once.
- Every state change is one conditional UPDATE on the rejection's state, so a double submit
  or a second tab changes nothing the second time ("already sent", "already cancelled").
- Sending: when `send_at` comes, `rejection_send` flips scheduled → sent with a conditional
  UPDATE and queues exactly one OutboundMessage in the same transaction (idempotency key
  ``rejection-<id>``); the outbox then delivers it at most once (messaging/delivery.py).
  "sent" here means handed to the outbox; the message's own state tells delivery.
- A cancelled rejection undoes the rejection (the candidacy returns to the stage it was in),
  so the candidacy can be rejected again; a sent one can no longer be cancelled.

Talent-pool invitation: a silver medallist's message renders ``{{ pool_invitation_url }}``
(and the shipped templates' ``{{ talent_pool_link }}``, the same value) from a hook the
Privacy issue registers with `register_pool_invitation_url`. Without one the value is empty
and the templates leave the sentence out. The draft carries `POOL_LINK_MARKER` in its place;
the provider is asked only when the message is handed to the outbox (`rejection_send`), so a
cancelled or never-sent rejection starts no consent request (whose reminders would then reach
someone who never got the invitation).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import Membership, User, Workspace
from kontaktpflege.contacts.validation import clean_text
from kontaktpflege.core.facts import facts_changed
from kontaktpflege.messaging.models import MAX_BODY_CHARS, OutboundMessage
from kontaktpflege.messaging.selectors import (
    Draft,
    default_to_address,
    default_variant,
    message_context,
    render_draft,
    sender_settings_for,
    template_source,
)
from kontaktpflege.messaging.services import message_queue_email
from kontaktpflege.messaging.transports.email import validate_header
from kontaktpflege.recruiting.models import (
    Candidacy,
    CandidateProfile,
    PipelineStage,
    RecruitingSettings,
    Rejection,
    RejectionReason,
    RejectionState,
    StageKind,
    StageMove,
    Tier,
)

logger = logging.getLogger(__name__)

TEMPLATE_FOR_TIER = {Tier.PERSONAL: "rejection_personal", Tier.AUTOMATED: "rejection_automated"}
OPEN_STATES = (RejectionState.DRAFT, RejectionState.SCHEDULED)
# A send time typed into a form is a minute at best: up to this far back it means "now".
NOW_SLACK = dt.timedelta(minutes=2)
MAX_SCHEDULE_AHEAD = dt.timedelta(days=366)
MAX_BULK = 500

# ---------------------------------------------------------------- talent-pool invitation hook

# fn(candidacy=) → the talent-pool sign-up link (double opt-in) offered in a silver
# medallist's rejection, or "" for none. Registered by the Privacy issue in its
# AppConfig.ready(); the last one registered wins.
PoolInvitationUrl = Callable[..., str]
_POOL_INVITATION: list[PoolInvitationUrl] = []
# Stands in the reviewed text for the link until the message goes out.
POOL_LINK_MARKER = "{talent_pool_link}"


def register_pool_invitation_url(fn: PoolInvitationUrl) -> PoolInvitationUrl:
    """Let a higher layer (privacy) provide the talent-pool invitation link."""
    if fn in _POOL_INVITATION:
        _POOL_INVITATION.remove(fn)
    _POOL_INVITATION.append(fn)
    return fn


def unregister_pool_invitation_url(fn: PoolInvitationUrl) -> None:
    """Remove a registered provider (tests)."""
    if fn in _POOL_INVITATION:
        _POOL_INVITATION.remove(fn)


def pool_invitation_url(*, candidacy: Candidacy) -> str:
    """The invitation link for this candidacy's rejection ("" when nobody provides one)."""
    if not _POOL_INVITATION:
        return ""
    url = str(_POOL_INVITATION[-1](candidacy=candidacy) or "")
    return validate_header(url, "pool_invitation_url")[:500]


# ---------------------------------------------------------------- reads


def late_position(workspace: Workspace) -> int | None:
    """The position of the late stage: from it on a rejection is personal (None: no tier)."""
    found = (
        RecruitingSettings.objects.filter(workspace=workspace).select_related("late_stage").first()
    )
    if found is None or found.late_stage is None:
        return None
    return found.late_stage.position


def tier_for(candidacy: Candidacy, late: int | None) -> str:
    """Personal when the candidacy reached the late stage, else automated."""
    if late is not None and candidacy.reached_position >= late:
        return Tier.PERSONAL
    return Tier.AUTOMATED


def rejection_list(*, workspace: Workspace, states: Iterable[str] = ()) -> QuerySet[Rejection]:
    """The workspace's rejections (optionally in some states), with candidacy and person."""
    rows = Rejection.objects.filter(workspace=workspace).select_related(
        "candidacy__person", "candidacy__opening", "reason", "message"
    )
    states = list(states)
    if states:
        rows = rows.filter(state__in=states)
    return rows.order_by("send_at", "-created_at", "-id")


def rejection_get(*, workspace: Workspace, pk: int) -> Rejection:
    """One rejection of the workspace, or 404."""
    found = rejection_list(workspace=workspace).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def candidacy_get(*, workspace: Workspace, pk: int) -> Candidacy:
    """One candidacy of the workspace with what the reject form shows, or 404."""
    found = (
        Candidacy.objects.filter(workspace=workspace, pk=pk)
        .select_related("person", "opening", "stage", "reached_stage")
        .first()
    )
    if found is None:
        raise Http404
    return found


def live_rejection(candidacy: Candidacy) -> Rejection | None:
    """The candidacy's rejection that is not cancelled, if any."""
    return (
        Rejection.objects.filter(candidacy=candidacy)
        .exclude(state=RejectionState.CANCELLED)
        .first()
    )


def reasons_for(workspace: Workspace) -> QuerySet[RejectionReason]:
    """The reasons a recruiter can choose from."""
    return RejectionReason.objects.filter(workspace=workspace, active=True).order_by(
        "position", "id"
    )


# ---------------------------------------------------------------- drafting


def _sender_user(workspace: Workspace, *candidates: User | None) -> User:
    """Who a message goes out as: the reviewer or author, else the workspace's owner."""
    for user in candidates:
        if user is not None:
            return user
    membership = (
        Membership.objects.filter(workspace=workspace, role="owner").select_related("user").first()
    )
    if membership is None:
        raise ValidationError(_("Nobody in this workspace can send the rejection."))
    return membership.user


def rejection_draft(
    *, candidacy: Candidacy, user: User, tier: str, notes: str, silver: bool
) -> Draft:
    """The tier's template rendered for the candidate, with the recruiter's notes.

    The notes are a value, never template source: whatever they contain is printed as text.
    """
    person = candidacy.person
    workspace = candidacy.workspace
    variant = default_variant(person)
    source = template_source(
        workspace=workspace, key=TEMPLATE_FOR_TIER[Tier(tier)], variant=variant
    )
    context = message_context(
        person=person,
        sender=sender_settings_for(workspace=workspace, user=user),
        user=user,
        variant=variant,
        notes=notes,
    )
    link = POOL_LINK_MARKER if silver and _POOL_INVITATION else ""
    context.update(
        application_position=candidacy.opening.title,
        pool_invitation_url=link,
        talent_pool_link=link,
    )
    return render_draft(subject=source.subject, body=source.body, context=context)


def _send_time(send_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """`send_at` checked: empty or a moment ago means now; the past is an error."""
    if send_at is None:
        return now
    if timezone.is_naive(send_at):
        raise ValidationError({"send_at": _("Give the send time with its time zone.")})
    if send_at < now - NOW_SLACK:
        raise ValidationError(
            {"send_at": _("This time has already passed: choose a later time or send now.")}
        )
    if send_at > now + MAX_SCHEDULE_AHEAD:
        raise ValidationError({"send_at": _("Choose a time within the next year.")})
    return max(send_at, now)


def _check_text(subject: str, body: str) -> tuple[str, str]:
    subject = clean_text(validate_header(subject, "subject"), field="subject", max_length=300)
    if not subject:
        raise ValidationError({"subject": _("An email needs a subject.")})
    body = clean_text(
        (body or "").replace("\r\n", "\n"),
        field="body",
        max_length=MAX_BODY_CHARS,
        multiline=True,
    )
    if not body:
        raise ValidationError({"body": _("The message is empty.")})
    return subject, body


# ---------------------------------------------------------------- reject


def _rejected_stage(workspace: Workspace) -> PipelineStage:
    stage = (
        PipelineStage.objects.filter(workspace=workspace, kind=StageKind.REJECTED)
        .order_by("position", "id")
        .first()
    )
    if stage is None:
        raise ValidationError(_("The pipeline has no “rejected” stage: add one in the settings."))
    return stage


def _problem(candidacy: Candidacy) -> str:
    """Why this candidacy cannot be rejected now ("" when it can)."""
    name = candidacy.person.full_name
    if live_rejection(candidacy) is not None:
        return _("%(name)s has already been rejected for this opening.") % {"name": name}
    if candidacy.stage.kind in (StageKind.HIRED, StageKind.WITHDRAWN):
        return _("%(name)s's candidacy is closed (%(stage)s).") % {
            "name": name,
            "stage": candidacy.stage.label,
        }
    if not default_to_address(candidacy.person):
        return _("%(name)s has no email address: add one before rejecting.") % {"name": name}
    return ""


def _reason(workspace: Workspace, reason_id: int | None) -> RejectionReason:
    reason = (
        RejectionReason.objects.filter(workspace=workspace, pk=reason_id, active=True).first()
        if reason_id
        else None
    )
    if reason is None:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    return reason


@transaction.atomic
def candidacy_reject(
    *,
    candidacy: Candidacy,
    reason_id: int | None,
    user: User,
    feedback_notes: str = "",
    send_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Rejection:
    """Reject a candidacy: the tier follows the stage reached (see the module docstring).

    Personal: a draft of template + feedback notes waits for `rejection_review`. Automated:
    scheduled for `send_at` (empty: now). The candidacy moves to the rejected stage and keeps
    the stage it reached; finalists become silver medallists (candidacy and profile).
    """
    now = now or timezone.now()
    c = (
        Candidacy.objects.select_for_update()
        .select_related("person", "opening", "stage", "workspace")
        .get(pk=candidacy.pk)
    )
    problem = _problem(c)
    if problem:
        raise ValidationError(problem)
    reason = _reason(c.workspace, reason_id)
    late = late_position(c.workspace)
    tier = tier_for(c, late)
    silver = tier == Tier.PERSONAL
    notes = clean_text(feedback_notes, field="feedback_notes", max_length=10000, multiline=True)
    if tier == Tier.PERSONAL and not notes:
        raise ValidationError(
            {"feedback_notes": _("A personal rejection needs your individual feedback.")}
        )
    when = None if tier == Tier.PERSONAL else _send_time(send_at, now)
    draft = rejection_draft(candidacy=c, user=user, tier=tier, notes=notes, silver=silver)
    if not draft.ok:
        raise ValidationError(
            {"template": _("The template cannot be rendered: %(e)s") % {"e": draft.error}}
        )
    rejection = _create(c, reason, tier, notes, draft, when, user)
    _move_to_rejected(c, user=user, reason=reason, tier=tier, silver=silver, now=now)
    if when is not None and when <= now:
        _send_on_commit(rejection.pk)
    facts_changed([c.person_id])
    return rejection


def _create(
    c: Candidacy,
    reason: RejectionReason,
    tier: str,
    notes: str,
    draft: Draft,
    when: dt.datetime | None,
    user: User,
) -> Rejection:
    state = RejectionState.DRAFT if tier == Tier.PERSONAL else RejectionState.SCHEDULED
    try:
        with transaction.atomic():
            return Rejection.objects.create(
                workspace=c.workspace,
                candidacy=c,
                reason=reason,
                tier=tier,
                feedback_notes=notes,
                subject=draft.subject,
                body=draft.body,
                state=state,
                send_at=when,
                created_by=user,
            )
    except IntegrityError:  # a concurrent submit won the one live rejection
        raise ValidationError(
            _("%(name)s has already been rejected for this opening.") % {"name": c.person.full_name}
        ) from None


def _move_to_rejected(
    c: Candidacy, *, user: User, reason: RejectionReason, tier: str, silver: bool, now: dt.datetime
) -> None:
    stage = _rejected_stage(c.workspace)
    if c.stage_id != stage.pk:
        StageMove.objects.create(
            workspace=c.workspace, candidacy=c, from_stage=c.stage, to_stage=stage, moved_by=user
        )
    Candidacy.objects.filter(pk=c.pk).update(
        stage=stage,
        stage_changed_at=now,
        rejection_reason=reason,
        feedback_tier=tier,
        rejected_at=now,
        silver_medallist=silver,
        updated_at=now,
    )
    profile, _created = CandidateProfile.objects.select_for_update().get_or_create(
        person=c.person, defaults={"workspace": c.workspace, "location": c.person.location}
    )
    profile.reached_position = max(profile.reached_position, c.reached_position)
    profile.silver_medallist = profile.silver_medallist or silver
    profile.last_rejected_at = now
    profile.save(
        update_fields=["reached_position", "silver_medallist", "last_rejected_at", "updated_at"]
    )


# ---------------------------------------------------------------- review, cancel


def _open_rejection(rejection: Rejection) -> QuerySet[Rejection]:
    return Rejection.objects.filter(pk=rejection.pk, state__in=OPEN_STATES)


def _gone_out_or_cancelled(rejection: Rejection) -> ValidationError:
    state = Rejection.objects.filter(pk=rejection.pk).values_list("state", flat=True).first()
    if state == RejectionState.CANCELLED:
        return ValidationError(_("This rejection was cancelled."))
    return ValidationError(_("This rejection has already gone out."))


@transaction.atomic
def rejection_review(
    *,
    rejection: Rejection,
    user: User,
    subject: str,
    body: str,
    send_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Rejection:
    """Set the reviewed text and schedule it; possible until the rejection goes out."""
    now = now or timezone.now()
    subject, body = _check_text(subject, body)
    when = _send_time(send_at, now)
    changes: dict[str, Any] = {
        "subject": subject,
        "body": body,
        "send_at": when,
        "state": RejectionState.SCHEDULED,
        "reviewed_by": user,
        "reviewed_at": now,
        "updated_at": now,
    }
    if not _open_rejection(rejection).update(**changes):
        raise _gone_out_or_cancelled(rejection)
    for name, value in changes.items():
        setattr(rejection, name, value)
    if when <= now:
        _send_on_commit(rejection.pk)
    return rejection


@transaction.atomic
def rejection_cancel(*, rejection: Rejection, user: User, now: dt.datetime | None = None) -> None:
    """Cancel before it goes out: the candidacy returns to the stage it was in.

    The conditional UPDATE decides against a concurrent send: whichever commits first wins,
    the other one finds the state changed and does nothing.
    """
    now = now or timezone.now()
    changes = {"state": RejectionState.CANCELLED, "cancelled_at": now, "updated_at": now}
    if not _open_rejection(rejection).update(**changes):
        raise _gone_out_or_cancelled(rejection)
    for name, value in changes.items():
        setattr(rejection, name, value)
    c = Candidacy.objects.select_for_update().get(pk=rejection.candidacy_id)
    _undo_rejection(c, user=user, now=now)
    facts_changed([c.person_id])


def _undo_rejection(c: Candidacy, *, user: User, now: dt.datetime) -> None:
    rejected = _rejected_stage(c.workspace)
    back = (
        StageMove.objects.filter(candidacy=c, to_stage=rejected)
        .exclude(from_stage=None)
        .order_by("-created_at", "-id")
        .values_list("from_stage_id", flat=True)
        .first()
    )
    fields: dict[str, Any] = {
        "rejection_reason": None,
        "feedback_tier": "",
        "rejected_at": None,
        "silver_medallist": False,
        "updated_at": now,
    }
    if c.stage_id == rejected.pk and back is not None:
        StageMove.objects.create(
            workspace_id=c.workspace_id,
            candidacy=c,
            from_stage=rejected,
            to_stage_id=back,
            moved_by=user,
        )
        fields.update(stage_id=back, stage_changed_at=now)
    Candidacy.objects.filter(pk=c.pk).update(**fields)
    others = Candidacy.objects.filter(person_id=c.person_id).exclude(pk=c.pk)
    summary = others.aggregate(last=Max("rejected_at"))
    CandidateProfile.objects.filter(person_id=c.person_id).update(
        silver_medallist=others.filter(silver_medallist=True).exists(),
        last_rejected_at=summary["last"],
        updated_at=now,
    )


# ---------------------------------------------------------------- bulk


@transaction.atomic
def rejections_bulk(
    *,
    workspace: Workspace,
    opening_id: int,
    candidacy_ids: list[int],
    reason_id: int | None,
    user: User,
    send_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> list[Rejection]:
    """Reject many candidacies of one opening with the automated template, all or none.

    Finalists (the personal tier) are refused by name: each deserves a personal rejection.
    """
    now = now or timezone.now()
    ids = sorted(set(candidacy_ids))
    if not ids:
        raise ValidationError({"candidacies": _("Choose at least one candidacy.")})
    if len(ids) > MAX_BULK:
        raise ValidationError({"candidacies": _("At most %(max)d at once.") % {"max": MAX_BULK}})
    rows = list(
        Candidacy.objects.select_for_update()
        .filter(workspace=workspace, opening_id=opening_id, pk__in=ids)
        .select_related("person", "stage")
        .order_by("pk")
    )
    if len(rows) != len(ids):
        raise Http404
    _reason(workspace, reason_id)
    _send_time(send_at, now)
    late = late_position(workspace)
    personal = [c.person.full_name for c in rows if tier_for(c, late) == Tier.PERSONAL]
    if personal:
        raise ValidationError(
            {
                "candidacies": _(
                    "These candidates reached the late stage and get a personal rejection "
                    "with your feedback, one by one: %(names)s."
                )
                % {"names": ", ".join(personal)}
            }
        )
    problems = [p for p in (_problem(c) for c in rows) if p]
    if problems:
        raise ValidationError({"candidacies": problems})
    return [
        candidacy_reject(candidacy=c, reason_id=reason_id, user=user, send_at=send_at, now=now)
        for c in rows
    ]


# ---------------------------------------------------------------- sending


def _send_on_commit(rejection_id: int) -> None:
    def enqueue() -> None:
        from kontaktpflege.recruiting.rejection_tasks import rejection_send_task

        rejection_send_task.enqueue(rejection_id)

    transaction.on_commit(enqueue)


def rejection_send(*, rejection_id: int, now: dt.datetime | None = None) -> OutboundMessage | None:
    """Hand one due rejection to the outbox: scheduled → sent and one queued message.

    Both happen in one transaction, the state change first, conditional on "scheduled and
    due": a cancel that got there first, a second worker or a repeated task finds nothing
    and queues nothing. When the message cannot be queued (the address was removed since),
    everything rolls back and the rejection stays scheduled; the list shows why.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            due = Rejection.objects.filter(
                pk=rejection_id, state=RejectionState.SCHEDULED, send_at__lte=now
            )
            if not due.update(state=RejectionState.SENT, sent_at=now, updated_at=now):
                return None
            rejection = Rejection.objects.select_related(
                "candidacy__person", "workspace", "reviewed_by", "created_by"
            ).get(pk=rejection_id)
            message = _queue(rejection)
            Rejection.objects.filter(pk=rejection_id).update(message=message)
            return message
    except ValidationError:
        logger.warning("rejection %s could not be queued; stays scheduled", rejection_id)
        return None


def _queue(rejection: Rejection) -> OutboundMessage:
    person = rejection.candidacy.person
    workspace = rejection.workspace
    user = _sender_user(workspace, rejection.reviewed_by, rejection.created_by)
    return message_queue_email(
        workspace=workspace,
        person=person,
        user=user,
        to_address=default_to_address(person),
        subject=rejection.subject,
        body=_with_pool_link(rejection),
        idempotency_key=f"rejection-{rejection.pk}",
        template_key=TEMPLATE_FOR_TIER[Tier(rejection.tier)],
        variant=default_variant(person),
    )


def _with_pool_link(rejection: Rejection) -> str:
    """The reviewed text with the marker replaced by a fresh invitation link (or nothing)."""
    if POOL_LINK_MARKER not in rejection.body:
        return rejection.body
    link = (
        pool_invitation_url(candidacy=rejection.candidacy)
        if rejection.candidacy.silver_medallist
        else ""
    )
    return rejection.body.replace(POOL_LINK_MARKER, link)


def rejections_send_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Queue every due scheduled rejection (periodic); returns how many were queued."""
    now = now or timezone.now()
    ids = list(
        Rejection.objects.filter(state=RejectionState.SCHEDULED, send_at__lte=now)
        .order_by("send_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if rejection_send(rejection_id=pk, now=now) is not None)


def waiting_without_address(rows: Iterable[Rejection]) -> set[int]:
    """Ids of these open rejections whose candidate has no email address (any more)."""
    ids = [r.pk for r in rows if r.state in OPEN_STATES]
    return set(
        Rejection.objects.filter(pk__in=ids)
        .filter(~Q(candidacy__person__emails__isnull=False))
        .values_list("pk", flat=True)
    )
