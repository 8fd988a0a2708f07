"""The outbox: claim queued emails and send each one at most once.

What is guaranteed: a message is handed to the SMTP server at most once. When a worker
dies (or the database fails) between the server's 250 and our commit, the message is
marked *uncertain* and shown as such, never sent again by itself. Everything else ends
"sent", "failed" (with the server's answer), or queued for a retry.

How:

1. A worker claims rows with a conditional UPDATE (queued → sending, with a claim token), so
   two workers never hold the same row. A send task claims its own message and other due
   ones in batches of BATCH_SIZE and sends each batch over one SMTP connection. It renews
   its claims (`claimed_at` = now, again conditional on its token) in one write at least
   every RELEASE_AFTER / 4, and each row's own at DATA; a row recovered and claimed by another
   worker meanwhile is skipped. Every update that settles a row carries the token, so a
   worker that lost its claim changes nothing.
2. Right before the SMTP DATA command the row gets `data_started_at` (committed on its own).
   Up to that moment the server cannot have accepted the message.
   Before the SMTP transaction, a message that needs someone's consent (`consent_purpose`)
   is put to the registered send guards (`register_send_guard`; privacy registers the
   consent check): one that is refused ends "cancelled" with the reason, and nothing is sent.
   When a guard or the DATA mark fails with a database error, the message was not sent: it
   waits for a retry like a temporary refusal (the claim counts as an attempt, so one that
   fails every time ends "failed" after max_attempts), and the rest of the batch, never
   tried, goes back to the queue with its attempt given back.
3. After the server's 250 the row becomes "sent" (under its claim, committed on its own).
   When that write fails (a database error), the row is marked uncertain instead and the
   rest of the batch is released to the queue. The touchpoints of the batch's sent messages
   are logged together when the batch ends, however it ends (one transaction,
   `messages_log_touchpoints`; a message not recorded as sent logs nothing). A sent row
   keeps its claim token until its touchpoint is logged: when the worker dies first (or
   that transaction fails), recovery logs the touchpoints of such rows once their claim is
   older than RELEASE_AFTER. The message is never uncertain or sent again for that.

Waking: queuing a message enqueues a send task only when none is waiting in the queue
already (`outbox_wake`, one marker row): a burst of messages costs a task or two, not one each.
A send task deletes the marker before its first claim, so a message committed while a task
waits is claimed by that task, and one committed after the marker is gone sets it again and
enqueues a new task (see `outbox_wake` for why none is lost). A marker whose task was lost
expires after WAKE_EXPIRES; `outbox_recover` sends whatever waited for it longer than that.

Recovery (`outbox_recover`, a periodic task the worker's scheduler enqueues, and the start
of `kontaktpflege send`) settles what a dead worker or a lost task left behind. A row
without `data_started_at` whose claim was not renewed for RELEASE_AFTER (a minute; a live
worker renews every quarter of that) goes back to the queue and wakes a send task: safe
even when its worker is alive but slow, since that worker marks DATA only while its claim
stands and so skips the row (the server never got the message from it). Each claim counts
as an attempt: a row whose worker died before DATA on its last attempt (a message that
stops the worker every time) ends "failed" instead, never having reached the server. A row with
`data_started_at` claimed longer ago than STALE_AFTER is uncertain — the server may have
accepted the message before the worker died — and ends in "failed" with that explanation. A
queued row that has been due for longer than STALE_AFTER (its task was lost) is sent by
the recovery itself, through the same claims. A person can check an uncertain message and
resend it by hand (the Message-ID stays the same, so receivers that de-duplicate by
Message-ID drop a copy that did arrive). The trade-off: a crash inside the few milliseconds
of DATA costs a manual look, never a duplicate.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, InterfaceError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kontaktpflege.followups.services import followups_deferred
from kontaktpflege.messaging.models import MessageState, OutboundMessage, SendWake
from kontaktpflege.messaging.transports.email import Session, build_email

logger = logging.getLogger(__name__)

BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)
STALE_AFTER = dt.timedelta(seconds=settings.OUTBOX_STALE_AFTER)  # 10 minutes by default
# A claimed row that has not reached DATA goes back to the queue when its claim was not
# renewed for this long (a dead worker's batch waits about a minute, not STALE_AFTER).
RELEASE_AFTER = min(dt.timedelta(seconds=60), STALE_AFTER)
RENEW_EVERY = RELEASE_AFTER.total_seconds() / 4  # seconds between renewals of a batch's claims
BATCH_SIZE = 100
# A send task goes on with further batches while messages are due, for about this long; then
# it hands the rest to a new task, so that other tasks of the queue get their turn.
TASK_SECONDS = 20.0
# A send task waiting longer than this to start is taken for lost (a worker killed before it
# started it, an enqueue that failed after the marker was set): the next message enqueues
# another. A second task for the same messages costs one no-op run, never a second send.
WAKE_EXPIRES = dt.timedelta(seconds=60)
WAKE_MARKER = "outbox"


# A later layer's last word on a message that needs consent, right before it is sent: ""
# to send it, else why not (shown on the message). Messaging does not know about consent.
SendGuard = Callable[[OutboundMessage], str]
SEND_GUARDS: list[SendGuard] = []


def register_send_guard(guard: SendGuard) -> SendGuard:
    """Register a check of messages with a `consent_purpose` (used as a decorator too).

    It runs after the worker claimed the row and right before the SMTP transaction, once per
    such message, inside a transaction: what the guard writes (a campaign report's row)
    commits together with the cancellation, and is rolled back when the claim was lost.
    Messages without a consent purpose never reach it.
    """
    if guard not in SEND_GUARDS:
        SEND_GUARDS.append(guard)
    return guard


def max_attempts() -> int:
    """Claims of one message before it ends "failed" (KP_OUTBOX_MAX_ATTEMPTS, default 5)."""
    return int(settings.OUTBOX_MAX_ATTEMPTS)


def _gave_up_text(attempts: int, error: str) -> str:
    return _("Gave up after %(n)d attempts: %(error)s") % {"n": attempts, "error": error}


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next attempt: 1, 2, 4, 8 … minutes, at most 6 hours."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def outbox_wake() -> str | None:
    """Have a send task look at the outbox soon: enqueue one unless one is waiting already.

    Call it after the messages are committed (`outbox_wake_on_commit`). Returns the id of
    the task it enqueued, or None when a waiting task will send them.

    Why no message is left behind: a send task deletes the marker before it claims anything
    (`_wake_taken`). When this call finds the marker, the task that set it has not deleted it
    yet, so that task's claims come after the message was committed and include it. When it
    finds no marker (or an expired one), it sets it and enqueues a task. The marker is one
    row, written in one statement (an upsert), so two callers never both skip or both miss.
    """
    if not _wake_requested():
        return None
    from kontaktpflege.messaging.tasks import send_due

    try:
        return str(send_due.enqueue().id)
    except Exception:
        _wake_taken()  # no task follows this marker: the next message tries again
        raise


def outbox_wake_on_commit() -> None:
    """`outbox_wake` once the current transaction commits; once per transaction however
    many messages it queues (a campaign's batch)."""
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(
        isinstance(func, _WakeOnCommit) and not func.done for _s, func, _r in conn.run_on_commit
    ):
        return  # already registered in this transaction (and not rolled back to before it)
    transaction.on_commit(_WakeOnCommit())


class _WakeOnCommit:
    """One registered `outbox_wake`; `done` once it ran (a test's captured callbacks stay
    in the list after running)."""

    done = False

    def __call__(self) -> None:
        self.done = True
        outbox_wake()


def _wake_requested() -> bool:
    """Set the marker unless a fresh one is there; True when this call set it."""
    now = timezone.now()
    table = connection.ops.quote_name(SendWake._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (name, requested_at) VALUES (%s, %s) "
            "ON CONFLICT (name) DO UPDATE SET requested_at = excluded.requested_at "
            f"WHERE {table}.requested_at < %s RETURNING name",
            [
                WAKE_MARKER,
                connection.ops.adapt_datetimefield_value(now),
                connection.ops.adapt_datetimefield_value(now - WAKE_EXPIRES),
            ],
        )
        return cursor.fetchone() is not None


def _wake_taken() -> None:
    """A send task is about to look at the outbox: the next message must wake another."""
    SendWake.objects.filter(name=WAKE_MARKER).delete()


def outbox_claim(
    *,
    limit: int = BATCH_SIZE,
    message_id: int | None = None,
    first: int | None = None,
    due_before: dt.datetime | None = None,
) -> list[OutboundMessage]:
    """Claim due queued emails for this worker (queued → sending, conditional UPDATE).

    `message_id` claims only that row; `first` puts that row (when due) at the head of the
    batch and fills it with other due rows. `due_before` keeps only rows that have been due
    since before that moment (recovery of rows whose task was lost): a first attempt is due
    from its creation.
    """
    now = timezone.now()
    due = OutboundMessage.objects.filter(state=MessageState.QUEUED)
    if due_before is None:
        due = due.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    else:
        due = due.filter(
            Q(next_attempt_at__isnull=True, created_at__lte=due_before)
            | Q(next_attempt_at__lte=due_before)
        )
    if message_id is not None:
        due = due.filter(pk=message_id)
    ids = [] if first is None else list(due.filter(pk=first).values_list("id", flat=True))
    ids += due.exclude(pk__in=ids).order_by("id").values_list("id", flat=True)[: limit - len(ids)]
    if not ids:
        return []
    token = uuid.uuid4().hex
    OutboundMessage.objects.filter(pk__in=ids, state=MessageState.QUEUED).update(
        state=MessageState.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1
    )
    claimed = OutboundMessage.objects.filter(claim_token=token, state=MessageState.SENDING)
    order = {pk: i for i, pk in enumerate(ids)}  # `first` first
    return sorted(
        claimed.select_related("person", "workspace", "created_by"), key=lambda m: order[m.pk]
    )


def outbox_recover_stale(
    *, older_than: dt.timedelta = STALE_AFTER, release_after: dt.timedelta | None = None
) -> tuple[int, int]:
    """Settle rows a dead worker left in "sending": (queued again, marked uncertain).

    Rows before DATA go back to the queue after `release_after` (RELEASE_AFTER, at most
    `older_than`); rows past DATA count as uncertain after `older_than`.
    """
    release = min(older_than, RELEASE_AFTER if release_after is None else release_after)
    now = timezone.now()
    sending = OutboundMessage.objects.filter(state=MessageState.SENDING)
    # Due again since it was claimed. Safe while its worker lives: that one marks DATA only
    # under its own claim token, so it skips the row now (ClaimLost).
    released = sending.filter(data_started_at__isnull=True, claimed_at__lte=now - release)
    # Its last attempt: the message stopped the worker every time; the server never had it.
    released.filter(attempts__gte=max_attempts()).update(
        state=MessageState.FAILED,
        claim_token="",
        last_error=_gave_up_text(max_attempts(), _worker_stopped_text())[:2000],
    )
    requeued = released.update(
        state=MessageState.QUEUED, claim_token="", next_attempt_at=F("claimed_at")
    )
    uncertain = sending.filter(
        data_started_at__isnull=False, claimed_at__lte=now - older_than
    ).update(state=MessageState.FAILED, claim_token="", last_error=_uncertain_text())
    _log_owed_touchpoints(claimed_before=now - release)
    return requeued, uncertain


def _log_owed_touchpoints(*, claimed_before: dt.datetime) -> None:
    """Log the touchpoints of sent messages whose worker did not (it died after the 250s).

    The rows are taken over with a new claim token first, so a slow worker that still logs
    its batch skips them (`messages_log_touchpoints` checks the token).
    """
    owed = OutboundMessage.objects.filter(
        state=MessageState.SENT, touchpoint__isnull=True, claimed_at__lte=claimed_before
    ).exclude(claim_token="")
    while ids := list(owed.order_by("id").values_list("id", flat=True)[:BATCH_SIZE]):
        token = uuid.uuid4().hex
        owed.filter(pk__in=ids).update(claim_token=token)
        taken = OutboundMessage.objects.filter(claim_token=token, state=MessageState.SENT)
        messages = list(taken.select_related("person", "workspace", "created_by"))
        if not _log_touchpoints(messages):
            break  # logged as an error; the next recovery tries again


def _worker_stopped_text() -> str:
    return _("the worker sending it stopped before handing it to the mail server.")


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


def _renew_claims(messages: list[OutboundMessage]) -> int:
    """Refresh `claimed_at` of the rows still ours among these, in one UPDATE."""
    if not messages:
        return 0
    return OutboundMessage.objects.filter(
        pk__in=[m.pk for m in messages],
        claim_token__in={m.claim_token for m in messages},
        state=MessageState.SENDING,
    ).update(claimed_at=timezone.now())


@dataclass
class _Attempt:
    message: OutboundMessage
    data_started: bool = False

    def renew_claim(self) -> bool:
        """Refresh `claimed_at` so recovery leaves the row alone; False when it is not ours."""
        return bool(_ours(self.message).update(claimed_at=timezone.now()))

    def mark_data(self) -> None:
        # Committed on its own before DATA: after a crash this says "maybe delivered". It
        # renews the claim too; a claim lost meanwhile stops the message here, before DATA.
        now = timezone.now()
        if not _ours(self.message).update(data_started_at=now, claimed_at=now):
            raise ClaimLost(self.message.pk)
        self.data_started = True


def outbox_send(messages: list[OutboundMessage]) -> int:
    """Send claimed messages over one connection; returns how many the server accepted.

    Each message is recorded as sent right after the server's 250; their touchpoints are
    logged together when the batch ends, however it ends.
    """
    if not messages:
        return 0
    sent: list[OutboundMessage] = []
    try:
        _send_each(messages, sent)
    finally:
        _log_touchpoints(sent)
    return len(sent)


def _send_each(messages: list[OutboundMessage], sent: list[OutboundMessage]) -> None:
    """The batch's loop: appends to `sent` each message recorded as sent."""
    pending = list(messages)
    renewed = time.monotonic()
    try:
        with Session() as session:
            while pending:
                if time.monotonic() - renewed > RENEW_EVERY:
                    # Recovery takes rows claimed longer ago than RELEASE_AFTER: a long batch
                    # renews what it still holds, in one write (DATA renews each row too).
                    _renew_claims(pending)
                    renewed = time.monotonic()
                attempt = _Attempt(pending.pop(0))
                try:
                    if _refused(attempt.message):
                        continue
                    response = session.send(build_email(attempt.message), attempt.mark_data)
                except ClaimLost:
                    continue
                except (DatabaseError, InterfaceError) as exc:  # a guard or marking DATA
                    _record_database_error(attempt, exc)
                    _release(pending)  # never tried: their claim was no attempt
                    raise
                except smtplib.SMTPResponseException as exc:
                    _record_refusal(attempt, exc)
                    continue
                except (OSError, smtplib.SMTPException) as exc:
                    _record_broken(attempt, exc)
                    raise
                except Exception as exc:
                    _fail(attempt.message, str(exc) or type(exc).__name__)
                    continue
                try:
                    if _mark_sent(attempt.message, response):
                        sent.append(attempt.message)
                except (DatabaseError, InterfaceError) as exc:
                    # Delivered, but not recorded: say so, stop, and hand the rest back.
                    _record_unrecorded(attempt.message, response, exc)
                    _release(pending)
                    raise
    except (OSError, smtplib.SMTPException) as exc:
        for message in pending:  # never reached DATA on this connection: safe to retry
            _retry_later(message, _("Mail server unreachable: %(error)s") % {"error": exc})


def _refused(message: OutboundMessage) -> bool:
    """Ask the send guards about a message that needs consent; True when it must not go out
    (it is then "cancelled" with the reason, or was taken over by another worker)."""
    if not message.consent_purpose or not SEND_GUARDS:
        return False
    with transaction.atomic():
        reason = next((why for guard in SEND_GUARDS if (why := guard(message))), "")
        if not reason:
            return False
        cancelled = _ours(message).update(
            state=MessageState.CANCELLED, claim_token="", last_error=reason[:2000]
        )
        if not cancelled:  # another worker holds it now and asks the guards itself
            transaction.set_rollback(True)
    logger.info("message %s not sent: %s", message.pk, reason)
    return True


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


def _record_database_error(attempt: _Attempt, exc: Exception) -> None:
    """A database error before DATA (a send guard, marking DATA): the message was not sent.

    The claim counts as an attempt, so a message that trips the error every time ends
    "failed" after `max_attempts()` instead of being claimed and released forever.
    """
    logger.error("message %s: database error before sending it: %s", attempt.message.pk, exc)
    try:  # if this write fails too, recovery requeues the row (or gives up on it) later
        if attempt.data_started:  # not with SMTP, but a backend might fail after its mark
            _fail(attempt.message, f"{_uncertain_text()} ({exc})")
        else:
            _retry_later(attempt.message, _database_error_text(exc))
    except (DatabaseError, InterfaceError):
        logger.exception("message %s: could not record the database error", attempt.message.pk)


def _database_error_text(exc: Exception) -> str:
    return _("a database error stopped it before it was handed to the mail server (%(error)s).") % {
        "error": exc
    }


def _decode(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _retry_later(message: OutboundMessage, error: str) -> None:
    from kontaktpflege.messaging.services import _enqueue

    if message.attempts >= max_attempts():
        _fail(message, _gave_up_text(message.attempts, error))
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


def _record_unrecorded(message: OutboundMessage, response: str, exc: Exception) -> None:
    """The server took the message but saving "sent" failed: mark it uncertain, not queued."""
    logger.error("message %s: accepted by the server, but not recorded: %s", message.pk, exc)
    text = _(
        "Delivery uncertain: the mail server accepted the message (%(response)s), but saving "
        "that failed (%(error)s). It was probably delivered and was not logged as a "
        "touchpoint. Check before sending it again."
    ) % {"response": response or message.message_id, "error": exc}
    try:  # if this write fails too, recovery marks the row uncertain (it has data_started_at)
        _ours(message).update(state=MessageState.FAILED, claim_token="", last_error=text[:2000])
    except (DatabaseError, InterfaceError):
        logger.exception("message %s: could not mark it uncertain", message.pk)


def _release(messages: list[OutboundMessage]) -> None:
    """Hand claimed messages that never reached DATA back to the queue, due at once."""
    released_any = False
    for message in messages:
        try:
            released = _ours(message).update(
                state=MessageState.QUEUED,
                claim_token="",
                data_started_at=None,
                attempts=F("attempts") - 1,  # this claim sent nothing: not an attempt
            )
            released_any = released_any or bool(released)
        except (DatabaseError, InterfaceError):  # still held: recovery requeues it later
            logger.exception("message %s: could not release it", message.pk)
    if released_any:
        try:
            outbox_wake()
        except (DatabaseError, InterfaceError):  # recovery sends them after STALE_AFTER
            logger.exception("could not wake a send task for released messages")


def _mark_sent(message: OutboundMessage, response: str) -> int:
    """Record the server's 250 (only while the claim stands); 1 when recorded."""
    message.sent_at = timezone.now()
    with transaction.atomic():  # a savepoint when called inside a transaction
        return _ours(message).update(
            state=MessageState.SENT,
            sent_at=message.sent_at,
            provider_message_id=(response or message.message_id)[:255],
            last_error="",
        )


def _log_touchpoints(sent: list[OutboundMessage]) -> bool:
    """Log the batch's sent messages as touchpoints, in one transaction; False on an error.

    An error here loses no message (they are recorded as sent) and no log entry for good:
    it is logged with the messages' ids, the batch's outcome stands, and recovery logs
    them later (the rows keep their claim token).
    """
    from kontaktpflege.messaging.services import messages_log_touchpoints

    if not sent:
        return True
    try:
        messages_log_touchpoints(messages=sent)
    except (DatabaseError, InterfaceError, ValidationError):
        logger.exception("sent messages %s: logging their touchpoints failed", [m.pk for m in sent])
        return False
    return True


def outbox_deliver(
    *, message_id: int | None = None, batch_size: int = BATCH_SIZE, seconds: float = TASK_SECONDS
) -> int:
    """The send task's path: this message first (if it is due and nobody holds it), then the
    other due messages, batch by batch, each batch over one connection; returns how many
    the server accepted.

    One task thus sends what many queued messages wait for; a full batch wakes another task,
    so that every free worker helps with a long queue. After `seconds` the rest is left to a
    new task. It takes the wake marker first: a message queued from now on wakes a new task
    (`outbox_wake`).
    """
    started = time.monotonic()
    _wake_taken()
    sent = 0
    first = message_id
    while batch := outbox_claim(limit=batch_size, first=first):
        first = None
        if len(batch) == batch_size:
            # More may be due: another worker can help (one waiting task at most).
            outbox_wake()
        # The people's follow-ups are refreshed once per batch, not once per message.
        with followups_deferred():
            sent += outbox_send(batch)
        if time.monotonic() - started > seconds:
            outbox_wake()  # a new task, unless one is waiting already
            break
    return sent


def outbox_drain(
    *, batch_size: int = BATCH_SIZE, stale_after: dt.timedelta = STALE_AFTER
) -> tuple[int, int]:
    """Recover stale rows, then send every due message batch by batch: (claimed, sent)."""
    outbox_recover_stale(older_than=stale_after)
    return _send_batches(batch_size=batch_size, due_before=None)


def outbox_recover(*, stale_after: dt.timedelta = STALE_AFTER) -> dict[str, int]:
    """The worker's periodic recovery: settle stale claims, then send orphaned rows.

    Orphaned: queued and due for longer than `stale_after` — the task that should have sent
    it was lost (a worker killed while running it, an enqueue that never committed) or the
    row was just put back by `outbox_recover_stale`; rows put back sooner wake a send task.
    Every step goes through the claims, so a message a live worker holds, or is about to
    claim through its own task, is sent once.
    """
    requeued, uncertain = outbox_recover_stale(older_than=stale_after)
    claimed, sent = _send_batches(batch_size=BATCH_SIZE, due_before=timezone.now() - stale_after)
    if requeued:
        outbox_wake()  # rows put back sooner than `stale_after`: a send task takes them
    if requeued or uncertain or claimed:
        logger.warning(
            "outbox recovery: %d requeued, %d uncertain, %d orphaned claimed, %d sent",
            requeued,
            uncertain,
            claimed,
            sent,
        )
    return {"requeued": requeued, "uncertain": uncertain, "claimed": claimed, "sent": sent}


def _send_batches(*, batch_size: int, due_before: dt.datetime | None) -> tuple[int, int]:
    claimed = sent = 0
    while batch := outbox_claim(limit=batch_size, due_before=due_before):
        claimed += len(batch)
        # The people's follow-ups are refreshed once per batch, not once per message.
        with followups_deferred():
            sent += outbox_send(batch)
    return claimed, sent
