"""The outbox: claim queued emails, send them over one connection per batch, exactly once.

How "exactly once" is kept, and where it gives way to "at most once":

1. A worker claims rows with a conditional UPDATE (queued → sending, with a claim token), so
   two workers never hold the same row. Right before each message it renews the claim
   (`claimed_at` = now, again conditional on its token); a row recovered and claimed by
   another worker meanwhile is skipped. Every update that settles a row carries the token,
   so a worker that lost its claim changes nothing.
2. Right before the SMTP DATA command the row gets `data_started_at` (committed on its own).
   Up to that moment the server cannot have accepted the message.
3. After the server's 250 the row becomes "sent" and the touchpoint is logged.

A worker killed mid-send leaves a row in "sending". `outbox_recover_stale` looks at rows
claimed longer ago than STALE_AFTER (long enough that no live worker still holds them):
without `data_started_at` they go back to the queue (safe: the server never got the
message); with it, delivery is *uncertain* — the server may have accepted the message before
the worker died — and the row ends in "failed" with that explanation instead of being sent
again. A person can check and resend by hand (the Message-ID stays the same, so receivers
that de-duplicate by Message-ID drop a copy that did arrive). The trade-off: a crash inside
the few milliseconds of DATA costs a manual look, never a duplicate.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kontaktpflege.followups.services import followups_deferred
from kontaktpflege.messaging.models import MessageState, OutboundMessage
from kontaktpflege.messaging.transports.email import Session, build_email

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)
STALE_AFTER = dt.timedelta(minutes=10)
BATCH_SIZE = 100


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next attempt: 1, 2, 4, 8 … minutes, at most 6 hours."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def outbox_claim(
    *, limit: int = BATCH_SIZE, message_id: int | None = None
) -> list[OutboundMessage]:
    """Claim due queued emails for this worker (queued → sending, conditional UPDATE)."""
    now = timezone.now()
    due = OutboundMessage.objects.filter(state=MessageState.QUEUED).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    if message_id is not None:
        due = due.filter(pk=message_id)
    ids = list(due.order_by("id").values_list("id", flat=True)[:limit])
    if not ids:
        return []
    token = uuid.uuid4().hex
    OutboundMessage.objects.filter(pk__in=ids, state=MessageState.QUEUED).update(
        state=MessageState.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1
    )
    return list(
        OutboundMessage.objects.filter(claim_token=token, state=MessageState.SENDING)
        .select_related("person", "workspace", "created_by")
        .order_by("id")
    )


def outbox_recover_stale(*, older_than: dt.timedelta = STALE_AFTER) -> tuple[int, int]:
    """Settle rows a dead worker left in "sending": (queued again, marked uncertain)."""
    stale = OutboundMessage.objects.filter(
        state=MessageState.SENDING, claimed_at__lte=timezone.now() - older_than
    )
    requeued = stale.filter(data_started_at__isnull=True).update(
        state=MessageState.QUEUED, claim_token="", next_attempt_at=None
    )
    uncertain = stale.filter(data_started_at__isnull=False).update(
        state=MessageState.FAILED, claim_token="", last_error=_uncertain_text()
    )
    return requeued, uncertain


def _uncertain_text() -> str:
    return _(
        "Delivery uncertain: sending stopped while the mail server was accepting the message. "
        "Check with the recipient or your sent mail before sending it again."
    )


class ClaimLost(Exception):
    """This worker no longer holds the row: another one recovered and claimed it."""


def _ours(message: OutboundMessage) -> QuerySet[OutboundMessage]:
    """The row, only while this worker's claim on it still stands."""
    return OutboundMessage.objects.filter(
        pk=message.pk, claim_token=message.claim_token, state=MessageState.SENDING
    )


@dataclass
class _Attempt:
    message: OutboundMessage
    data_started: bool = False

    def renew_claim(self) -> bool:
        """Refresh `claimed_at` so recovery leaves the row alone; False when it is not ours."""
        return bool(_ours(self.message).update(claimed_at=timezone.now()))

    def mark_data(self) -> None:
        # Committed on its own before DATA: after a crash this says "maybe delivered".
        if not _ours(self.message).update(data_started_at=timezone.now()):
            raise ClaimLost(self.message.pk)
        self.data_started = True


def outbox_send(messages: list[OutboundMessage]) -> int:
    """Send claimed messages over one connection; returns how many the server accepted."""
    if not messages:
        return 0
    sent = 0
    pending = list(messages)
    try:
        with Session() as session:
            while pending:
                attempt = _Attempt(pending.pop(0))
                if not attempt.renew_claim():
                    logger.info(
                        "message %s: claim lost, left to its new worker", attempt.message.pk
                    )
                    continue
                try:
                    response = session.send(build_email(attempt.message), attempt.mark_data)
                except ClaimLost:
                    continue
                except smtplib.SMTPResponseException as exc:
                    _record_refusal(attempt, exc)
                    continue
                except (OSError, smtplib.SMTPException) as exc:
                    _record_broken(attempt, exc)
                    raise
                except Exception as exc:
                    _fail(attempt.message, str(exc) or type(exc).__name__)
                    continue
                sent += _mark_sent(attempt.message, response)
    except (OSError, smtplib.SMTPException) as exc:
        for message in pending:  # never reached DATA on this connection: safe to retry
            _retry_later(message, _("Mail server unreachable: %(error)s") % {"error": exc})
    return sent


def _record_refusal(attempt: _Attempt, exc: smtplib.SMTPResponseException) -> None:
    """The server answered with an error code: it did not take the message."""
    text = f"{exc.smtp_code} {_decode(exc.smtp_error)}"
    if 400 <= exc.smtp_code < 500:
        _retry_later(attempt.message, text)
    else:
        _fail(attempt.message, text)


def _record_broken(attempt: _Attempt, exc: Exception) -> None:
    """The connection broke while sending this message."""
    if attempt.data_started:
        _fail(attempt.message, f"{_uncertain_text()} ({exc})")
    else:
        _retry_later(attempt.message, str(exc) or type(exc).__name__)


def _decode(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _retry_later(message: OutboundMessage, error: str) -> None:
    from kontaktpflege.messaging.services import _enqueue

    if message.attempts >= MAX_ATTEMPTS:
        _fail(
            message,
            _("Gave up after %(n)d attempts: %(error)s") % {"n": message.attempts, "error": error},
        )
        return
    when = timezone.now() + backoff(message.attempts)
    updated = _ours(message).update(
        state=MessageState.QUEUED,
        next_attempt_at=when,
        claim_token="",
        data_started_at=None,
        last_error=error[:2000],
    )
    if updated:
        transaction.on_commit(lambda: _enqueue(message.pk, run_after=when))


def _fail(message: OutboundMessage, error: str) -> None:
    logger.warning("message %s failed: %s", message.pk, error)
    _ours(message).update(state=MessageState.FAILED, claim_token="", last_error=error[:2000])


def _mark_sent(message: OutboundMessage, response: str) -> int:
    """Record the server's 250 and log the touchpoint, in one transaction."""
    from kontaktpflege.messaging.services import message_log_touchpoint

    message.sent_at = timezone.now()
    with transaction.atomic():
        message_log_touchpoint(message=message, save=False)
        updated = _ours(message).update(
            state=MessageState.SENT,
            sent_at=message.sent_at,
            provider_message_id=(response or message.message_id)[:255],
            last_error="",
            touchpoint=message.touchpoint,
        )
        if not updated:  # another worker settled it meanwhile: keep no touchpoint of ours
            transaction.set_rollback(True)
    return updated


def outbox_deliver(*, message_id: int) -> int:
    """Send one queued message if it is due and nobody else holds it (the task's path)."""
    return outbox_send(outbox_claim(limit=1, message_id=message_id))


def outbox_drain(
    *, batch_size: int = BATCH_SIZE, stale_after: dt.timedelta = STALE_AFTER
) -> tuple[int, int]:
    """Recover stale rows, then send every due message batch by batch: (claimed, sent)."""
    outbox_recover_stale(older_than=stale_after)
    claimed = sent = 0
    while batch := outbox_claim(limit=batch_size):
        claimed += len(batch)
        # The people's follow-ups are refreshed once per batch, not once per message.
        with followups_deferred():
            sent += outbox_send(batch)
    return claimed, sent
