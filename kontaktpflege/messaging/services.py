"""Writes for messaging: templates, sender settings, queuing and marking messages as sent."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import fields

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.accounts.selectors import sender_address_allowed, site_mail_domain
from kontaktpflege.contacts.models import Person
from kontaktpflege.contacts.validation import clean_text, normalise_email
from kontaktpflege.messaging import compose, delivery, selectors
from kontaktpflege.messaging.library import VARIABLES, VARIANTS, shipped_templates
from kontaktpflege.messaging.models import (
    MAX_BODY_CHARS,
    MAX_TEMPLATE_CHARS,
    MessageChannel,
    MessageState,
    MessageTemplate,
    OutboundMessage,
    SenderSettings,
)
from kontaktpflege.messaging.render import RenderError, check_syntax, render_text
from kontaktpflege.messaging.transports.email import new_message_id, validate_header
from kontaktpflege.touchpoints.services import TouchpointEntry, touchpoint_log, touchpoints_log_bulk

# ---------------------------------------------------------------- templates

RESERVED_KEYS = frozenset({"new"})  # clashes with the URL /templates/new/
SKELETON = "{{ salutation }},\n\n{{ notes }}\n\nCLOSING\n{{ signature }}\n"


def _check_template_text(subject: str, body: str) -> tuple[str, str]:
    subject = clean_text(subject, field="subject", max_length=300)
    body = clean_text(body, field="body", max_length=MAX_TEMPLATE_CHARS, multiline=True)
    if not body:
        raise ValidationError({"body": _("A template needs a text.")})
    sample = {v.name: v.example or "" for v in VARIABLES if v.available}
    for field, source in (("subject", subject), ("body", body)):
        try:
            check_syntax(source)
            render_text(source, sample)  # runtime errors and limits, with sample values
        except RenderError as exc:
            raise ValidationError({field: str(exc)}) from None
    return subject, body


@transaction.atomic
def template_customise(*, workspace: Workspace, key: str, user: User | None = None) -> None:
    """Copy a shipped template (all variants) into editable rows of the workspace."""
    shipped = shipped_templates().get(key)
    if shipped is None:
        raise ValidationError({"key": _("There is no such template.")})
    for variant in VARIANTS:
        text = shipped.variants[variant]
        MessageTemplate.objects.get_or_create(
            workspace=workspace,
            key=key,
            variant=variant,
            defaults={
                "name": shipped.name,
                "subject": text.subject,
                "body": text.body,
                "updated_by": user,
            },
        )


@transaction.atomic
def template_create(*, workspace: Workspace, key: str, name: str, user: User | None) -> None:
    """Start a new template of the workspace with a plain skeleton in every variant."""
    name = clean_text(name, field="name", max_length=120)
    if not name:
        raise ValidationError({"name": _("Give the template a name.")})
    if (
        key in RESERVED_KEYS
        or key in shipped_templates()
        or MessageTemplate.objects.filter(workspace=workspace, key=key).exists()
    ):
        raise ValidationError({"key": _("A template with this key exists already.")})
    closings = {"de_sie": "Viele Grüße", "de_du": "Viele Grüße", "en": "Best regards,"}
    MessageTemplate.objects.bulk_create(
        MessageTemplate(
            workspace=workspace,
            key=key,
            variant=v,
            name=name,
            subject="",
            body=SKELETON.replace("CLOSING", closings[v]),
            updated_by=user,
        )
        for v in VARIANTS
    )


@transaction.atomic
def template_save(
    *,
    workspace: Workspace,
    key: str,
    variant: str,
    name: str,
    subject: str,
    body: str,
    user: User | None = None,
) -> MessageTemplate:
    """Save one variant of a workspace template after checking its syntax and size."""
    if variant not in VARIANTS:
        raise ValidationError({"variant": _("Unknown variant.")})
    name = clean_text(name, field="name", max_length=120)
    if not name:
        raise ValidationError({"name": _("Give the template a name.")})
    subject, body = _check_template_text(subject, body)
    if key in shipped_templates():
        template_customise(workspace=workspace, key=key, user=user)
    row = MessageTemplate.objects.select_for_update().filter(
        workspace=workspace, key=key, variant=variant
    )
    if not row.exists():
        raise ValidationError({"key": _("There is no such template.")})
    row.update(name=name, subject=subject, body=body, updated_by=user, updated_at=timezone.now())
    MessageTemplate.objects.filter(workspace=workspace, key=key).update(name=name)
    return row.get()


@transaction.atomic
def template_reset(*, workspace: Workspace, key: str) -> None:
    """Drop the workspace's rows of a template: shipped ones fall back to the default."""
    MessageTemplate.objects.filter(workspace=workspace, key=key).delete()


# ---------------------------------------------------------------- sender settings


@transaction.atomic
def sender_settings_save(
    *,
    workspace: Workspace,
    user: User,
    from_name: str,
    from_email: str,
    reply_to: str,
    company: str,
    signature: str,
) -> SenderSettings:
    """Store how the user's messages go out; addresses are validated like recipients.

    The From address must be one the user may send as (`sender_address_allowed`: their
    verified account email, or a site address an owner approved); any address may be the
    Reply-To. The same rule is applied again when each message is built.
    """
    values = {
        "from_name": clean_text(
            validate_header(from_name, "from_name"), field="from_name", max_length=120
        ),
        "from_email": _allowed_from(from_email, user, workspace) if from_email.strip() else "",
        "reply_to": normalise_email(reply_to, field="reply_to") if reply_to.strip() else "",
        "company": clean_text(company, field="company", max_length=200),
        "signature": clean_text(signature, field="signature", max_length=2000, multiline=True),
    }
    obj, _created = SenderSettings.objects.update_or_create(
        workspace=workspace, user=user, defaults=values
    )
    return obj


def _allowed_from(from_email: str, user: User, workspace: Workspace) -> str:
    address = normalise_email(from_email, field="from_email")
    if sender_address_allowed(user=user, workspace_id=workspace.pk, address=address):
        return address
    if address == (user.email or "").lower():
        message = _(
            "Confirm your email address first (Settings → Email address): until then your messages "
            "go out from this site's address with yours as reply-to."
        )
    else:
        message = _(
            "You can only send as your own confirmed address (%(own)s) or an address at "
            "%(domain)s that the site's administrators approved for this workspace. Put other "
            "addresses under reply-to."
        ) % {"own": user.email or "–", "domain": site_mail_domain() or "–"}
    raise ValidationError({"from_email": message})


# ---------------------------------------------------------------- messages


def _clean_message(subject: str, body: str) -> tuple[str, str]:
    if len(body) > MAX_BODY_CHARS:
        raise ValidationError(
            {
                "body": _("A message may have at most %(max)d characters (this has %(n)d).")
                % {"max": MAX_BODY_CHARS, "n": len(body)}
            }
        )
    subject = clean_text(validate_header(subject, "subject"), field="subject", max_length=300)
    body = clean_text(
        body.replace("\r\n", "\n"), field="body", max_length=MAX_BODY_CHARS, multiline=True
    )
    if not body:
        raise ValidationError({"body": _("The message is empty.")})
    return subject, body


def _existing(workspace: Workspace, idempotency_key: str) -> OutboundMessage | None:
    if not idempotency_key or len(idempotency_key) > 64:
        raise ValidationError(_("The form has expired; reload the page and try again."))
    found = OutboundMessage.objects.filter(idempotency_key=idempotency_key).first()
    if found is not None and found.workspace_id != workspace.pk:
        raise ValidationError(_("The form has expired; reload the page and try again."))
    return found


def new_idempotency_key() -> str:
    """A fresh key for a compose form; submitting it twice sends once."""
    return uuid.uuid4().hex


def _create(
    *,
    workspace: Workspace,
    person: Person,
    user: User | None,
    state: str,
    **fields: object,
) -> OutboundMessage:
    try:
        with transaction.atomic():
            return OutboundMessage.objects.create(
                workspace=workspace,
                person=person,
                created_by=user,
                state=state,
                message_id=new_message_id(),
                **fields,  # type: ignore[arg-type]
            )
    except IntegrityError:
        raise ValidationError(_("This message was already submitted.")) from None


@transaction.atomic
def message_queue_email(
    *,
    workspace: Workspace,
    person: Person,
    user: User | None,
    to_address: str,
    subject: str,
    body: str,
    idempotency_key: str,
    template_key: str = "",
    variant: str = "",
    followup_id: int | None = None,
    list_unsubscribe: str = "",
    consent_purpose: str = "",
) -> OutboundMessage:
    """Queue an email for the worker; the same idempotency key never queues twice.

    Without a user (privacy mails to a data subject) it goes out from the site's address.
    A `consent_purpose` (a campaign's) has the send guards check, right before the SMTP
    transaction, that the person still consents (delivery.register_send_guard).
    """
    existing = _existing(workspace, idempotency_key)
    if existing is not None:
        return existing
    if person.workspace_id != workspace.pk:
        raise ValidationError({"person": _("Not found.")})
    subject, body = _clean_message(subject, body)
    if not subject:
        raise ValidationError({"subject": _("An email needs a subject.")})
    to_address = normalise_email(validate_header(to_address, "to_address"), field="to_address")
    from kontaktpflege.messaging.selectors import sender_settings_for
    from kontaktpflege.messaging.transports.email import sender_addresses

    from_email, reply_to = sender_addresses(
        sender_settings_for(workspace=workspace, user=user), user
    )
    message = _create(
        workspace=workspace,
        person=person,
        user=user,
        state=MessageState.QUEUED,
        channel=MessageChannel.EMAIL,
        to_address=to_address,
        from_email=from_email,
        reply_to=reply_to,
        subject=subject,
        body=body,
        idempotency_key=idempotency_key,
        template_key=template_key[:60],
        variant=variant if variant in VARIANTS else "",
        followup_id=followup_id,
        list_unsubscribe=validate_header(list_unsubscribe, "list_unsubscribe")[:500],
        consent_purpose=consent_purpose[:20],
    )
    # One send task for many messages: none is enqueued while one waits (delivery.outbox_wake).
    delivery.outbox_wake_on_commit()
    return message


def _enqueue(message_id: int, run_after: dt.datetime | None = None) -> None:
    """A send task for this message at `run_after` (a retry), or now."""
    from kontaktpflege.messaging.tasks import send_message

    task = send_message
    if run_after is not None and task.get_backend().supports_defer:
        task = task.using(run_after=run_after)
    elif run_after is not None:
        return  # retried by the next `send_outbox` run instead
    task.enqueue(message_id)


@transaction.atomic
def message_mark_sent(
    *,
    workspace: Workspace,
    person: Person,
    user: User,
    channel: str,
    subject: str,
    body: str,
    idempotency_key: str,
    to_address: str = "",
    template_key: str = "",
    variant: str = "",
    followup_id: int | None = None,
) -> OutboundMessage:
    """Record a message the user sent themselves (LinkedIn, WhatsApp, phone …) and log it."""
    existing = _existing(workspace, idempotency_key)
    if existing is not None:
        return existing
    if channel not in MessageChannel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if person.workspace_id != workspace.pk:
        raise ValidationError({"person": _("Not found.")})
    subject, body = _clean_message(subject, body)
    message = _create(
        workspace=workspace,
        person=person,
        user=user,
        state=MessageState.SENT,
        channel=channel,
        to_address=clean_text(to_address, field="to_address", max_length=320),
        subject=subject,
        body=body,
        idempotency_key=idempotency_key,
        template_key=template_key[:60],
        variant=variant if variant in VARIANTS else "",
        followup_id=followup_id,
        sent_at=timezone.now(),
    )
    message_log_touchpoint(message=message)
    return message


def _touchpoint_entry(message: OutboundMessage) -> TouchpointEntry:
    """The outgoing touchpoint that logs a sent message."""
    first_line = next((line.strip() for line in message.body.splitlines() if line.strip()), "")
    return TouchpointEntry(
        workspace=message.workspace,
        participants=[message.person],
        summary=(message.subject or first_line or _("Message"))[:300],
        channel=message.channel,
        occurred_at=message.sent_at or timezone.now(),
        direction="out",
        notes=message.body,
        created_by=message.created_by,
        source=f"message:{message.pk}",
    )


@transaction.atomic
def message_log_touchpoint(*, message: OutboundMessage, save: bool = True) -> None:
    """Log a sent message as an outgoing touchpoint (which refreshes the person's follow-ups)."""
    entry = _touchpoint_entry(message)
    touchpoint = touchpoint_log(**{f.name: getattr(entry, f.name) for f in fields(entry)})
    message.touchpoint = touchpoint
    if save:
        OutboundMessage.objects.filter(pk=message.pk).update(touchpoint=touchpoint)


@transaction.atomic
def messages_log_touchpoints(*, messages: list[OutboundMessage]) -> None:
    """Log sent messages as touchpoints at once (the outbox's batch): the same touchpoints
    and follow-up effects as `message_log_touchpoint` for each in turn, in a few queries.

    Only rows that are "sent", not logged yet and still carry the message's claim token
    (the outbox keeps it on a sent row until its touchpoint is logged) are logged; the
    rows are locked, so a recovery that took them over meanwhile logs them, not both.
    """
    held = dict(
        OutboundMessage.objects.select_for_update()
        .filter(pk__in=[m.pk for m in messages], state=MessageState.SENT, touchpoint__isnull=True)
        .exclude(claim_token="")
        .values_list("pk", "claim_token")
    )
    messages = [m for m in messages if held.get(m.pk) == m.claim_token]
    if not messages:
        return
    touchpoints = touchpoints_log_bulk(entries=[_touchpoint_entry(m) for m in messages])
    for message, touchpoint in zip(messages, touchpoints, strict=True):
        message.touchpoint = touchpoint
    OutboundMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
        touchpoint=Case(*(When(pk=m.pk, then=Value(m.touchpoint_id)) for m in messages)),
        claim_token="",
    )


@transaction.atomic
def message_retry(*, message: OutboundMessage) -> OutboundMessage:
    """Queue a failed message again by hand; it keeps its Message-ID so that receivers that
    de-duplicate by Message-ID drop a copy that did arrive after all."""
    updated = OutboundMessage.objects.filter(pk=message.pk, state=MessageState.FAILED).update(
        state=MessageState.QUEUED,
        next_attempt_at=None,
        data_started_at=None,
        claim_token="",
        attempts=0,
        last_error="",
    )
    if not updated:
        raise ValidationError(_("Only failed messages can be sent again."))
    delivery.outbox_wake_on_commit()
    message.refresh_from_db()
    return message


# ---------------------------------------------------------------- compose


@transaction.atomic
def message_compose_submit(
    *,
    workspace: Workspace,
    person: Person,
    user: User,
    channel: str,
    idempotency_key: str,
    send: bool = True,
    to_address: str = "",
    template_key: str = "",
    variant: str = "de_sie",
    notes: str = "",
    subject: str = "",
    body: str = "",
    generated_subject: str = "",
    generated_body: str = "",
    followup_id: int | None = None,
    about: str = "",
) -> OutboundMessage:
    """Send what compose produced: the template with the notes, or the user's edited text.

    An email with `send` is queued for the worker; any other channel, or `send=False`, is
    recorded as sent by the user and logged. A text that follows the template must render,
    and notes must reach an edited text (compose.final_text/notes_problem decide both).
    """
    draft = compose.draft_for(
        workspace=workspace,
        person=person,
        user=user,
        sender=selectors.sender_settings_for(workspace=workspace, user=user),
        template_key=template_key,
        variant=variant,
        notes=notes,
        about=about,
    )
    final = compose.final_text(
        {
            "subject": subject,
            "body": body,
            "generated_subject": generated_subject,
            "generated_body": generated_body,
        },
        draft,
    )
    if final.follows_template and not draft.ok:
        raise ValidationError(
            {"body": _("The template cannot be rendered: %(e)s") % {"e": draft.error}}
        )
    problem = compose.notes_problem(notes, final)
    if problem:
        raise ValidationError({"notes": problem})
    common = {
        "workspace": workspace,
        "person": person,
        "user": user,
        "subject": final.subject,
        "body": final.body,
        "idempotency_key": idempotency_key,
        "template_key": template_key,
        "variant": variant,
        "followup_id": followup_id,
    }
    if send and channel == MessageChannel.EMAIL:
        return message_queue_email(to_address=to_address, **common)  # type: ignore[arg-type]
    return message_mark_sent(channel=channel, to_address=to_address, **common)  # type: ignore[arg-type]
