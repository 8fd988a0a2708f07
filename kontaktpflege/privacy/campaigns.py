"""Campaigns: create, preview, schedule, cancel, and the worker's throttled sending.

Sending never happens in a request: `campaign_schedule` only changes the state, and the
worker (`campaign_tasks.campaign_send`, and the scheduler's `campaigns_dispatch` for
scheduled and unfinished campaigns) calls `campaign_send_batch`. A batch

1. reads the audience once, when sending starts (one recipient row per person);
2. checks consent for the campaign's purpose for each pending recipient *right before*
   queuing their message: a withdrawal that committed before the batch read the records
   is honoured (the report says "skipped: consent withdrawn");
3. hands each message to the outbox (OutboundMessage), whose claims, retries and
   at-most-once delivery apply unchanged. The idempotency key is the recipient row, so a
   batch that runs twice queues each message once. The message carries the campaign's
   purpose, and the outbox asks `campaign_send_guard` again right before the SMTP
   transaction: a person who withdrew while their mail waited in the outbox (or was already
   claimed by a worker) gets nothing, the message ends "not sent", and the report says
   "skipped: consent withdrawn". A withdrawal that commits in the milliseconds between that
   check and the server's answer is not caught;
4. queues at most the workspace's `messages_per_minute` in any 60 seconds, counted over all
   its campaigns (the workspace's settings row is locked while a batch runs).

A campaign to a pool needs talent-pool consent (that is what people agreed to when they
joined the pool: to be contacted about it); a campaign for news needs "campaigns" consent.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import Membership, Role, User, Workspace
from kontaktpflege.contacts.models import EmailAddress, Person
from kontaktpflege.contacts.validation import clean_text
from kontaktpflege.messaging.compose import draft_for
from kontaktpflege.messaging.models import MessageState, OutboundMessage
from kontaktpflege.messaging.selectors import (
    default_variant,
    sender_settings_for,
    template_source,
)
from kontaktpflege.messaging.services import message_queue_email
from kontaktpflege.privacy import tokens
from kontaktpflege.privacy.campaign_models import (
    MAX_CAMPAIGN_NOTES,
    CampaignState,
    Outcome,
    SkipReason,
)
from kontaktpflege.privacy.models import (
    Anonymisation,
    Campaign,
    CampaignRecipient,
    CampaignSettings,
    ConsentRecord,
    Purpose,
)
from kontaktpflege.privacy.selectors import consent_status, derive_status
from kontaktpflege.recruiting import pools
from kontaktpflege.recruiting.models import ConsentState, TalentPool

WINDOW = dt.timedelta(seconds=60)
CHUNK = 200  # recipients read per step of a batch
MAX_ROWS_PER_BATCH = 2_000  # skipped rows are cheap, but one task stays short
MAX_AUDIENCE = pools.COUNT_CAP  # a campaign reaches at most this many people
MAX_RATE = 10_000
MAX_AHEAD = dt.timedelta(days=366)

SKIP_FOR_STATE: dict[str, str] = {
    ConsentState.NONE: SkipReason.NO_CONSENT,
    ConsentState.REQUESTED: SkipReason.REQUESTED,
    ConsentState.WITHDRAWN: SkipReason.WITHDRAWN,
    ConsentState.EXPIRED: SkipReason.EXPIRED,
}


# ---------------------------------------------------------------- reads


def campaign_list(*, workspace: Workspace) -> QuerySet[Campaign]:
    """The workspace's campaigns, newest first."""
    return Campaign.objects.filter(workspace=workspace).select_related("pool")


def campaign_get(*, workspace: Workspace, pk: int) -> Campaign:
    """One campaign of the workspace, or 404."""
    found = campaign_list(workspace=workspace).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def campaign_settings_get(*, workspace: Workspace) -> CampaignSettings:
    """The workspace's sending rate (unsaved default when never set)."""
    found = CampaignSettings.objects.filter(workspace=workspace).first()
    return found or CampaignSettings(workspace=workspace)


@dataclass
class Preview:
    """Who would receive the campaign now and who would be skipped (and why)."""

    total: int = 0
    receive: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    capped: bool = False

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def skipped_labels(self) -> list[tuple[str, str, int]]:
        names = dict(SkipReason.choices)
        return [(k, str(names[k]), n) for k, n in sorted(self.skipped.items())]


def _audience_ids(workspace_id: int, pool: TalentPool | None, filters: dict[str, Any]) -> list[int]:
    if pool is not None:
        qs = pools.pool_person_ids(pool)
    else:
        qs = pools.filtered_profiles(workspace_id, filters).values_list("person_id", flat=True)
    return list(qs.order_by("person_id")[: MAX_AUDIENCE + 1])


def _emails(person_ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    rows = EmailAddress.objects.filter(person_id__in=person_ids).order_by("-is_primary", "id")
    for person_id, email in rows.values_list("person_id", "email"):
        found.setdefault(person_id, email.lower())
    return found


def _consent_states(person_ids: list[int], purpose: str, now: dt.datetime) -> dict[int, str]:
    """Each person's consent state for the purpose, derived from the records (one query)."""
    records: dict[int, list[ConsentRecord]] = defaultdict(list)
    rows = ConsentRecord.objects.filter(person_id__in=person_ids, purpose=purpose)
    for record in rows.order_by("created_at", "id"):
        records[record.person_id].append(record)
    return {pk: derive_status(records.get(pk, []), now).state for pk in person_ids}


def classify(
    person_ids: list[int], purpose: str, now: dt.datetime, taken: set[str] | None = None
) -> dict[int, tuple[str, str]]:
    """person id → (skip reason or "", address) as of now; `taken` are addresses already
    mailed by this campaign (a second person with the same address is skipped)."""
    states = _consent_states(person_ids, purpose, now)
    emails = _emails(person_ids)
    gone = set(
        Anonymisation.objects.filter(person_id__in=person_ids).values_list("person_id", flat=True)
    )
    taken = set(taken or ())
    out: dict[int, tuple[str, str]] = {}
    for pk in person_ids:
        email = emails.get(pk, "")
        reason: str
        if pk in gone:
            reason = SkipReason.ANONYMISED
        elif states[pk] != ConsentState.GRANTED:
            reason = SKIP_FOR_STATE.get(states[pk], SkipReason.NO_CONSENT)
        elif not email:
            reason = SkipReason.NO_EMAIL
        elif email in taken:
            reason = SkipReason.DUPLICATE
        else:
            reason = ""
            taken.add(email)
        out[pk] = (str(reason), email)
    return out


def audience_preview(
    *,
    workspace: Workspace,
    purpose: str,
    pool: TalentPool | None = None,
    filters: dict[str, Any] | None = None,
) -> Preview:
    """How many would receive the campaign if it went out now, and who would be skipped."""
    ids = _audience_ids(workspace.pk, pool, filters or {})
    capped = len(ids) > MAX_AUDIENCE
    ids = ids[:MAX_AUDIENCE]
    result = classify(ids, purpose, timezone.now())
    reasons = Counter(reason for reason, _email in result.values() if reason)
    return Preview(len(ids), len(ids) - sum(reasons.values()), dict(reasons), capped)


def campaign_preview(*, campaign: Campaign) -> Preview:
    return audience_preview(
        workspace=campaign.workspace,
        purpose=campaign.purpose,
        pool=campaign.pool,
        filters=campaign.filters,
    )


@dataclass
class Report:
    """What a campaign did: counts by outcome (delivery from the outbox) and skip reasons."""

    pending: int = 0
    sent: int = 0  # the mail server accepted it
    in_outbox: int = 0  # queued or being sent
    failed: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    @property
    def total(self) -> int:
        return self.pending + self.sent + self.in_outbox + self.failed + self.skipped_total

    def skipped_labels(self) -> list[tuple[str, str, int]]:
        names = dict(SkipReason.choices)
        return [(k, str(names[k]), n) for k, n in sorted(self.skipped.items())]


def recipient_status(recipient: CampaignRecipient) -> str:
    """pending | sent | in_outbox | failed | skipped, the outbox's state included."""
    if recipient.outcome != Outcome.SENT:
        return str(recipient.outcome)
    state = recipient.message.state if recipient.message_id else MessageState.SENT  # type: ignore[union-attr]
    if state == MessageState.SENT:
        return "sent"
    return "failed" if state == MessageState.FAILED else "in_outbox"


def campaign_report(*, campaign: Campaign) -> Report:
    """The counts of a campaign's report (two grouped queries)."""
    report = Report()
    rows = campaign.recipients.values("outcome", "reason", "message__state").annotate(n=Count("id"))
    for row in rows:
        outcome, n = row["outcome"], row["n"]
        if outcome == Outcome.SKIPPED:
            report.skipped[row["reason"]] = report.skipped.get(row["reason"], 0) + n
        elif outcome == Outcome.PENDING:
            report.pending += n
        elif outcome == Outcome.FAILED or row["message__state"] == MessageState.FAILED:
            report.failed += n
        elif row["message__state"] in (MessageState.QUEUED, MessageState.SENDING):
            report.in_outbox += n
        else:
            report.sent += n
    return report


def campaign_recipients(
    *, campaign: Campaign, status: str = "", offset: int = 0, limit: int = 50
) -> list[CampaignRecipient]:
    """A page of a campaign's recipients with person and message (filtered by outcome)."""
    qs = campaign.recipients.select_related("person", "message").order_by("id")
    if status == "skipped":
        qs = qs.filter(outcome=Outcome.SKIPPED)
    elif status == "failed":
        qs = qs.filter(outcome=Outcome.FAILED) | qs.filter(message__state=MessageState.FAILED)
    elif status == "sent":
        qs = qs.filter(outcome=Outcome.SENT).exclude(message__state=MessageState.FAILED)
    return list(qs[offset : offset + limit])


# ---------------------------------------------------------------- writes


def _clean(
    workspace: Workspace,
    *,
    name: str,
    pool: TalentPool | None,
    filters: Any,
    purpose: str,
    template_key: str,
    notes: str,
) -> dict[str, Any]:
    name = clean_text(name, field="name", max_length=200)
    if not name:
        raise ValidationError({"name": _("Give the campaign a name.")})
    if pool is not None and pool.workspace_id != workspace.pk:
        raise Http404
    if (pool is None) == (not filters):
        raise ValidationError(
            {"pool": _("Choose a talent pool or describe a segment (one of the two).")}
        )
    clean_filters = pools.clean_filters(workspace, filters) if pool is None else {}
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": _("Unknown purpose.")})
    try:
        template_source(workspace=workspace, key=template_key or "", variant="de_sie")
    except Http404:
        raise ValidationError({"template_key": _("There is no such template.")}) from None
    notes = clean_text(notes, field="notes", max_length=MAX_CAMPAIGN_NOTES, multiline=True)
    return {
        "name": name,
        "pool": pool,
        "filters": clean_filters,
        "purpose": purpose,
        "template_key": template_key,
        "notes": notes,
    }


@transaction.atomic
def campaign_create(
    *,
    workspace: Workspace,
    user: User | None,
    name: str,
    template_key: str,
    notes: str = "",
    pool: TalentPool | None = None,
    filters: Any = None,
    purpose: str = Purpose.TALENT_POOL,
) -> Campaign:
    """A draft campaign to a pool (its members) or a segment (a pool filter, not saved)."""
    values = _clean(
        workspace,
        name=name,
        pool=pool,
        filters=filters,
        purpose=purpose,
        template_key=template_key,
        notes=notes,
    )
    return Campaign.objects.create(workspace=workspace, created_by=user, **values)


@transaction.atomic
def campaign_schedule(
    *, campaign: Campaign, send_at: dt.datetime | None = None, user: User | None = None
) -> Campaign:
    """Send a draft now (the worker starts at once) or at `send_at`; a double submit is
    harmless (one conditional UPDATE). Sending now to an audience where nobody may receive
    it is refused with the reason, and nothing changes."""
    now = timezone.now()
    if send_at is not None and timezone.is_naive(send_at):
        send_at = timezone.make_aware(send_at)
    if send_at is not None and send_at > now + MAX_AHEAD:
        raise ValidationError({"send_at": _("Choose a time within the next year.")})
    if send_at is not None and send_at <= now:
        send_at = None
    if send_at is None:
        preview = campaign_preview(campaign=campaign)
        if preview.receive == 0:
            raise ValidationError(_nobody_message(preview))
    state = CampaignState.SCHEDULED if send_at else CampaignState.SENDING
    updated = Campaign.objects.filter(pk=campaign.pk, state=CampaignState.DRAFT).update(
        state=state, send_at=send_at or now, updated_at=now
    )
    if not updated:
        raise ValidationError(_("This campaign was already sent or scheduled."))
    campaign.refresh_from_db()
    from kontaktpflege.privacy.campaign_tasks import campaign_enqueue

    transaction.on_commit(lambda: campaign_enqueue(campaign.pk, run_after=send_at))
    return campaign


def _nobody_message(preview: Preview) -> str:
    if preview.total == 0:
        return _("Nobody is in this audience; nothing was sent.")
    return _(
        "Nobody in this audience may receive the campaign (%(n)d people, none with valid "
        "consent and an address); nothing was sent."
    ) % {"n": preview.total}


@transaction.atomic
def campaign_cancel(*, campaign: Campaign, user: User | None = None) -> Campaign:
    """Cancel a draft or scheduled campaign, or stop one that is sending (what is already in
    the outbox goes out; the rest stays unsent)."""
    now = timezone.now()
    live = [CampaignState.DRAFT, CampaignState.SCHEDULED, CampaignState.SENDING]
    updated = Campaign.objects.filter(pk=campaign.pk, state__in=live).update(
        state=CampaignState.CANCELLED, cancelled_at=now, updated_at=now
    )
    if not updated:
        raise ValidationError(_("Only a campaign that has not finished can be cancelled."))
    campaign.refresh_from_db()
    return campaign


@transaction.atomic
def campaign_settings_save(*, workspace: Workspace, messages_per_minute: int) -> CampaignSettings:
    """Set how many campaign messages the workspace hands to the outbox per minute."""
    if not 1 <= messages_per_minute <= MAX_RATE:
        raise ValidationError(
            {"messages_per_minute": _("Choose between 1 and %(n)d.") % {"n": MAX_RATE}}
        )
    found, _created = CampaignSettings.objects.update_or_create(
        workspace=workspace, defaults={"messages_per_minute": messages_per_minute}
    )
    return found


# ---------------------------------------------------------------- the worker's batch


def _sender(campaign: Campaign) -> User:
    """Who the campaign's mails come from: its author, else the workspace's owner."""
    if campaign.created_by is not None:
        return campaign.created_by
    owner = Membership.objects.filter(workspace_id=campaign.workspace_id, role=Role.OWNER).first()
    return owner.user if owner is not None else User(username=campaign.workspace.name)


def _link(name: str, token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=[token])


def _queue(campaign: Campaign, recipient: CampaignRecipient, person: Person, user: User) -> None:
    """Render the campaign for one person and hand it to the outbox (or record the failure)."""
    variant = default_variant(person)
    draft = draft_for(
        workspace=campaign.workspace,
        person=person,
        user=user,
        sender=sender_settings_for(workspace=campaign.workspace, user=user),
        template_key=campaign.template_key,
        variant=variant,
        notes=campaign.notes,
    )
    if not draft.ok:
        recipient.outcome, recipient.error = Outcome.FAILED, draft.error[:500]
        return
    token = tokens.withdraw_token_make(
        workspace_id=campaign.workspace_id, person_id=person.pk, purpose=campaign.purpose
    )
    with translation.override("en" if variant == "en" else "de"):
        footer = render_to_string(
            "emails/privacy/campaign_footer.txt",
            {
                "workspace_name": campaign.workspace.name,
                "withdraw_url": _link("privacy_withdraw", token),
            },
        )
    try:
        message = message_queue_email(
            workspace=campaign.workspace,
            person=person,
            user=user if user.pk else None,
            to_address=recipient.email,
            subject=draft.subject or campaign.name,
            body=f"{draft.body.rstrip()}\n\n-- \n{footer.strip()}\n",
            idempotency_key=f"campaign-{campaign.pk}-{recipient.pk}",
            template_key=campaign.template_key,
            variant=variant,
            list_unsubscribe=_link("privacy_unsubscribe", token),
            consent_purpose=campaign.purpose,
        )
    except ValidationError as exc:
        recipient.outcome, recipient.error = Outcome.FAILED, " ".join(exc.messages)[:500]
        return
    recipient.outcome, recipient.message = Outcome.SENT, message


def _start(campaign: Campaign, now: dt.datetime) -> None:
    """Read the audience once: a pending recipient row per person."""
    ids = _audience_ids(campaign.workspace_id, campaign.pool, campaign.filters or {})
    if campaign.pool_id is None and not campaign.filters:
        ids = []  # the pool was deleted after the campaign was written
    CampaignRecipient.objects.bulk_create(
        [
            CampaignRecipient(workspace_id=campaign.workspace_id, campaign=campaign, person_id=pk)
            for pk in ids[:MAX_AUDIENCE]
        ],
        ignore_conflicts=True,
    )
    campaign.started_at = now
    campaign.state = CampaignState.SENDING
    campaign.save(update_fields=["started_at", "state", "updated_at"])


def _budget(campaign: Campaign, now: dt.datetime) -> int:
    """Messages the workspace may still queue in the current 60 seconds (its row locked)."""
    # The row exists before it is locked: two campaigns of a workspace then take turns.
    CampaignSettings.objects.get_or_create(workspace_id=campaign.workspace_id)
    rate = (
        CampaignSettings.objects.select_for_update()
        .filter(workspace_id=campaign.workspace_id)
        .values_list("messages_per_minute", flat=True)
        .get()
    )
    used = CampaignRecipient.objects.filter(
        workspace_id=campaign.workspace_id, outcome=Outcome.SENT, processed_at__gt=now - WINDOW
    ).count()
    return max(int(rate) - used, 0)


@dataclass
class BatchResult:
    queued: int = 0
    skipped: int = 0
    failed: int = 0
    more: bool = False


@transaction.atomic
def campaign_send_batch(*, campaign_id: int) -> BatchResult:
    """One throttled step of sending a campaign (the worker's; idempotent, safe to repeat)."""
    result = BatchResult()
    campaign = (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("workspace", "pool", "created_by")
        .filter(pk=campaign_id)
        .first()
    )
    now = timezone.now()
    if campaign is None or campaign.state not in (CampaignState.SCHEDULED, CampaignState.SENDING):
        return result
    if campaign.send_at is not None and campaign.send_at > now:
        return result
    budget = _budget(campaign, now)  # locks the workspace's settings row first
    if campaign.started_at is None:
        _start(campaign, now)
    user = _sender(campaign)
    taken = set(campaign.recipients.filter(outcome=Outcome.SENT).values_list("email", flat=True))
    done = 0
    while done < MAX_ROWS_PER_BATCH:
        chunk = list(
            campaign.recipients.filter(outcome=Outcome.PENDING)
            .select_related("person")
            .order_by("id")[:CHUNK]
        )
        if not chunk:
            break
        verdicts = classify([r.person_id for r in chunk], campaign.purpose, now, taken)
        stop = False
        for recipient in chunk:
            reason, recipient.email = verdicts[recipient.person_id]
            if reason:
                recipient.outcome, recipient.reason = Outcome.SKIPPED, reason
                result.skipped += 1
            elif budget <= 0:
                stop = True
                break
            else:
                _queue(campaign, recipient, recipient.person, user)
                budget -= 1
                result.queued += recipient.outcome == Outcome.SENT
                result.failed += recipient.outcome == Outcome.FAILED
            recipient.processed_at = now
            recipient.save(
                update_fields=["email", "outcome", "reason", "error", "message", "processed_at"]
            )
            done += 1
        if stop:
            break
    result.more = campaign.recipients.filter(outcome=Outcome.PENDING).exists()
    if not result.more:
        Campaign.objects.filter(pk=campaign.pk).update(
            state=CampaignState.DONE, finished_at=now, updated_at=now
        )
    return result


def campaign_send_guard(message: OutboundMessage) -> str:
    """The outbox's check right before it sends a message that needs consent (registered in
    PrivacyConfig.ready): "" when the person still consents to the message's purpose, else
    the reason; a campaign's recipient row then says "skipped" with that reason.

    One query for a message that may go (the person's records for the purpose); a refused
    one adds the update of the report row (and, without any record, the anonymisation look-up).
    """
    state = consent_status(person=message.person, purpose=message.consent_purpose).state
    if state == ConsentState.GRANTED:
        return ""
    reason = SKIP_FOR_STATE.get(state, SkipReason.NO_CONSENT)
    if state == ConsentState.NONE and Anonymisation.objects.filter(person=message.person_id):
        reason = SkipReason.ANONYMISED
    CampaignRecipient.objects.filter(message_id=message.pk, outcome=Outcome.SENT).update(
        outcome=Outcome.SKIPPED, reason=reason
    )
    return str(SkipReason(reason).label)


def campaigns_due(*, now: dt.datetime | None = None) -> list[int]:
    """Campaigns the worker should take a step of: due scheduled ones and unfinished sends."""
    now = now or timezone.now()
    return list(
        Campaign.objects.filter(
            state__in=[CampaignState.SCHEDULED, CampaignState.SENDING], send_at__lte=now
        )
        .order_by("send_at", "id")
        .values_list("pk", flat=True)[:500]
    )
