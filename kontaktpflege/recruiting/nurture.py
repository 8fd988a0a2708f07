"""After the rejection (seed 002): the recruiter's call and the silver medallists' nurture.

Facts for the follow-up engine (registered in RecruitingConfig.ready()):
- a personal rejection that is not cancelled asks for a call within two days
  (`rejection_call`); a call or meeting with the candidate on or after the rejection day
  answers it, an email does not (the rejection itself is one);
- a silver medallist whose profile says consent is granted gets relevant news every 90 days
  after the last contact (`silver_medallist_nurture`). Consent is mirrored into
  CandidateProfile.consent_state by the Privacy issue, which announces
  `core.facts.facts_changed([person_id])` when it changes; the item then appears or goes.

The suggested update is the shipped `nurture_update` template with the workspace's open
openings as the notes; it is only sent while consent is granted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.contacts.models import Channel, Person
from kontaktpflege.core.bulksql import among
from kontaktpflege.followups.engine import CandidacyFacts, CandidateFacts, SubjectFacts, local_date
from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.messaging.selectors import (
    Draft,
    default_to_address,
    default_variant,
    message_context,
    render_draft,
    sender_settings_for,
    template_source,
)
from kontaktpflege.recruiting.models import (
    CandidateProfile,
    ConsentState,
    Opening,
    OpeningStatus,
    Rejection,
    RejectionState,
    Tier,
    WorkMode,
)
from kontaktpflege.touchpoints.models import Participation

NURTURE_TEMPLATE = "nurture_update"
CALL_CHANNELS = (Channel.CALL, Channel.MEETING)
MAX_OPENINGS_LISTED = 10
_DAY = dt.timedelta(days=1)  # a margin for zones: calls are compared by local day


def recruiting_facts(
    workspace_id: int, person_ids: list[int], zone: ZoneInfo
) -> Iterator[SubjectFacts]:
    """The engine's facts about these people's rejections and silver medallist status."""
    yield from _call_facts(workspace_id, person_ids, zone)
    yield from _nurture_facts(workspace_id, person_ids)


def _call_facts(
    workspace_id: int, person_ids: list[int], zone: ZoneInfo
) -> Iterator[CandidacyFacts]:
    # By range (cheap for the thousands of ids of a recompute), then exactly these people.
    wanted = set(person_ids)
    rows = [
        r
        for r in Rejection.objects.filter(
            among(person_ids, "candidacy__person_id"), workspace_id=workspace_id, tier=Tier.PERSONAL
        )
        .exclude(state=RejectionState.CANCELLED)
        .select_related("candidacy__person", "candidacy__opening")
        if r.candidacy.person_id in wanted
    ]
    if not rows:
        return
    calls: dict[int, list[dt.date]] = {}
    for person_id, at in Participation.objects.filter(
        person_id__in={r.candidacy.person_id for r in rows},
        touchpoint__channel__in=CALL_CHANNELS,
        occurred_at__gte=min(r.created_at for r in rows) - _DAY,
    ).values_list("person_id", "occurred_at"):
        calls.setdefault(person_id, []).append(local_date(at, zone))
    for r in rows:
        c = r.candidacy
        day = local_date(r.created_at, zone)
        yield CandidacyFacts(
            candidacy_id=c.pk,
            rejection_id=r.pk,
            person_id=c.person_id,
            person_name=c.person.full_name,
            opening=c.opening.title,
            rejected_at=r.created_at,
            called=any(d >= day for d in calls.get(c.person_id, [])),
        )


def _nurture_facts(workspace_id: int, person_ids: list[int]) -> Iterator[CandidateFacts]:
    wanted = set(person_ids)
    profiles = [
        p
        for p in CandidateProfile.objects.filter(
            among(person_ids),
            workspace_id=workspace_id,
            silver_medallist=True,
            consent_state=ConsentState.GRANTED,
            last_rejected_at__isnull=False,
        ).select_related("person")
        if p.person_id in wanted
    ]
    if not profiles:
        return
    last = dict(
        Participation.objects.filter(person_id__in=[p.person_id for p in profiles])
        .values("person_id")
        .annotate(last=Max("occurred_at"))
        .values_list("person_id", "last")
    )
    for p in profiles:
        assert p.last_rejected_at is not None
        yield CandidateFacts(
            person_id=p.person_id,
            person_name=p.person.full_name,
            rejected_at=p.last_rejected_at,
            last_touch_at=last.get(p.person_id),
        )


# ---------------------------------------------------------------- the suggested update


def open_openings(workspace: Workspace) -> list[Opening]:
    """The workspace's open openings, newest first (what a nurture update lists)."""
    return list(
        Opening.objects.filter(workspace=workspace, status=OpeningStatus.OPEN).order_by(
            "-created_at", "-id"
        )[:MAX_OPENINGS_LISTED]
    )


def openings_text(openings: list[Opening], variant: str) -> str:
    """The open openings as the notes of the update, in the message's language."""
    language = "en" if variant == "en" else "de"
    with translation.override(language):
        if not openings:
            return _("No open positions right now – we will get back to you when one fits.")
        lines = [_("Open positions:")]
        for o in openings:
            where = ", ".join(x for x in (o.location, str(WorkMode(o.work_mode).label)) if x)
            lines.append(f"- {o.title} ({where})" if where else f"- {o.title}")
        return "\n".join(lines)


def nurture_profile(*, workspace: Workspace, person_id: int) -> CandidateProfile:
    """A silver medallist's profile in this workspace, or 404."""
    found = (
        CandidateProfile.objects.filter(
            workspace=workspace, person_id=person_id, silver_medallist=True
        )
        .select_related("person")
        .first()
    )
    if found is None:
        raise Http404
    return found


def nurture_draft(*, workspace: Workspace, person: Person, user: User) -> Draft:
    """The suggested update: `nurture_update` with the open openings as notes."""
    variant = default_variant(person)
    source = template_source(workspace=workspace, key=NURTURE_TEMPLATE, variant=variant)
    context = message_context(
        person=person,
        sender=sender_settings_for(workspace=workspace, user=user),
        user=user,
        variant=variant,
        notes=openings_text(open_openings(workspace), variant),
    )
    return render_draft(subject=source.subject, body=source.body, context=context)


@transaction.atomic
def nurture_send(
    *,
    profile: CandidateProfile,
    user: User,
    subject: str,
    body: str,
    idempotency_key: str,
    followup_id: int | None = None,
) -> OutboundMessage:
    """Send the (edited) update by email; only while the silver medallist's consent holds."""
    from kontaktpflege.messaging.services import message_queue_email

    locked = CandidateProfile.objects.select_for_update().get(pk=profile.pk)
    if locked.consent_state != ConsentState.GRANTED:
        raise ValidationError(
            _("%(name)s has not consented to hear from you: nothing was sent.")
            % {"name": profile.person.full_name}
        )
    to_address = default_to_address(profile.person)
    if not to_address:
        raise ValidationError(
            _("%(name)s has no email address.") % {"name": profile.person.full_name}
        )
    return message_queue_email(
        workspace=profile.workspace,
        person=profile.person,
        user=user,
        to_address=to_address,
        subject=subject,
        body=body,
        idempotency_key=idempotency_key,
        template_key=NURTURE_TEMPLATE,
        variant=default_variant(profile.person),
        followup_id=followup_id,
    )


def register() -> None:
    """Plug the recruiting facts into the follow-up engine (RecruitingConfig.ready())."""
    from kontaktpflege.followups.services import register_fact_provider

    register_fact_provider(recruiting_facts)
