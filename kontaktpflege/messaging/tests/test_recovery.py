"""The worker's own path settles what a dead worker, a lost task or a database error left.

Against a real aiosmtpd server; the database errors are real ones (a trigger that refuses
a write, a send guard's query of a missing table), not mocks.
"""

import datetime as dt

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from kontaktpflege.messaging import delivery
from kontaktpflege.messaging.models import MessageState, OutboundMessage
from kontaktpflege.messaging.tests.test_delivery import queue
from kontaktpflege.touchpoints.models import Touchpoint

HOUR_AGO = dt.timedelta(hours=1)


def _age(message, **fields):
    """Move the row's times an hour back (as if a worker died that long ago)."""
    OutboundMessage.objects.filter(pk=message.pk).update(
        **{field: timezone.now() - HOUR_AGO for field in fields}
    )


def _settled(*messages):
    rows = OutboundMessage.objects.filter(pk__in=[m.pk for m in messages])
    return {m.subject: (m.state, m.is_uncertain) for m in rows}


@pytest.mark.django_db
def test_recovery_sends_once_a_row_a_dead_worker_left_before_data(
    alice, workspace, julia, smtp_server
):
    message = queue(alice, workspace, julia, subject="left")
    delivery.outbox_claim()  # a worker claimed it and died before DATA
    _age(message, claimed_at=True)
    report = delivery.outbox_recover()
    assert report == {"requeued": 1, "uncertain": 0, "claimed": 1, "sent": 1}
    assert smtp_server.ids() == [message.message_id]
    assert _settled(message) == {"left": ("sent", False)}
    assert delivery.outbox_recover() == {"requeued": 0, "uncertain": 0, "claimed": 0, "sent": 0}
    assert len(smtp_server.messages) == 1
    assert Touchpoint.objects.filter(source=f"message:{message.pk}").count() == 1


@pytest.mark.django_db
def test_recovery_marks_a_row_left_after_data_uncertain_and_never_sends_it(
    alice, workspace, julia, smtp_server
):
    message = queue(alice, workspace, julia, subject="maybe")
    delivery.outbox_claim()  # a worker claimed it, started DATA and died
    _age(message, claimed_at=True, data_started_at=True)
    assert delivery.outbox_recover()["uncertain"] == 1
    assert _settled(message) == {"maybe": ("failed", True)}
    assert smtp_server.messages == []
    delivery.outbox_recover()
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_rows_a_dead_worker_claimed_go_back_after_a_minute_and_a_woken_task_sends_them_once(
    alice, workspace, julia, smtp_server
):
    messages = [queue(alice, workspace, julia, subject=f"m{i}") for i in range(3)]
    batch = delivery.outbox_claim()  # a worker claimed the batch, started DATA of m0, stalled
    in_data = timezone.now() - delivery.RELEASE_AFTER - dt.timedelta(seconds=1)
    OutboundMessage.objects.update(claimed_at=in_data)
    OutboundMessage.objects.filter(pk=messages[0].pk).update(data_started_at=in_data)
    assert delivery.RELEASE_AFTER < delivery.STALE_AFTER
    report = delivery.outbox_recover()  # immediate backend in tests: the woken task runs
    assert (report["requeued"], report["uncertain"]) == (2, 0)
    assert sorted(str(m["Subject"]) for m in smtp_server.messages) == ["m1", "m2"]
    # Past DATA the server may have the message: it waits STALE_AFTER, as before.
    assert _settled(*messages) == {
        "m0": ("sending", False),
        "m1": ("sent", False),
        "m2": ("sent", False),
    }
    # The worker was only slow: it goes on with its batch and sends none of the rows it lost.
    OutboundMessage.objects.filter(pk=messages[0].pk).update(data_started_at=None)
    assert delivery.outbox_send(batch) == 1  # m0, still its own
    assert sorted(str(m["Subject"]) for m in smtp_server.messages) == ["m0", "m1", "m2"]
    assert len(set(smtp_server.ids())) == 3
    assert Touchpoint.objects.filter(source__startswith="message:").count() == 3


@pytest.mark.django_db
def test_recovery_sends_a_queued_row_whose_task_was_lost_and_leaves_fresh_rows_to_their_task(
    alice, workspace, julia, smtp_server
):
    orphan = queue(alice, workspace, julia, subject="orphan")
    _age(orphan, created_at=True)
    fresh = queue(alice, workspace, julia, subject="fresh")
    assert delivery.outbox_recover()["sent"] == 1
    assert [str(m["Subject"]) for m in smtp_server.messages] == ["orphan"]
    assert _settled(orphan, fresh) == {"orphan": ("sent", False), "fresh": ("queued", False)}


@pytest.mark.django_db
def test_recovery_leaves_alone_a_row_a_live_worker_holds(alice, workspace, julia, smtp_server):
    message = queue(alice, workspace, julia, subject="busy")
    _age(message, created_at=True)
    [held] = delivery.outbox_claim()  # a live worker holds it right now
    assert delivery.outbox_recover() == {"requeued": 0, "uncertain": 0, "claimed": 0, "sent": 0}
    row = OutboundMessage.objects.get(pk=message.pk)
    assert row.state == MessageState.SENDING and row.claim_token == held.claim_token
    assert delivery.outbox_send([held]) == 1
    assert smtp_server.ids() == [message.message_id]


@pytest.mark.django_db
def test_the_scheduler_tick_runs_the_outbox_recovery(alice, workspace, julia, smtp_server):
    from kontaktpflege.core import scheduler

    orphan = queue(alice, workspace, julia, subject="orphan")
    _age(orphan, created_at=True)
    scheduler.tick()  # immediate backend in tests: the enqueued tasks run at once
    assert _settled(orphan) == {"orphan": ("sent", False)}
    assert len(smtp_server.messages) == 1


def _refuse(table: str, condition: str) -> None:
    """A real database error when a row of `table` matching `condition` (on NEW) is written."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION kp_refuse() RETURNS trigger AS $$ BEGIN"
                f" IF {condition} THEN RAISE EXCEPTION 'injected failure'; END IF;"
                " RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER kp_refuse BEFORE INSERT OR UPDATE ON {table}"
                " FOR EACH ROW EXECUTE FUNCTION kp_refuse()"
            )
        else:
            for event in ("INSERT", "UPDATE"):
                cursor.execute(
                    f"CREATE TRIGGER kp_refuse_{event} BEFORE {event} ON {table}"
                    f" WHEN {condition} BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
                )


def _allow(table: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER kp_refuse ON {table}")
            cursor.execute("DROP FUNCTION kp_refuse()")
        else:
            for event in ("INSERT", "UPDATE"):
                cursor.execute(f"DROP TRIGGER kp_refuse_{event}")


SENT_2 = "NEW.state = 'sent' AND NEW.subject = '2'"


@pytest.mark.django_db
def test_a_database_error_after_the_servers_250_marks_that_message_uncertain_and_releases_the_rest(
    alice, workspace, julia, smtp_server, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    first, second, third = (queue(alice, workspace, julia, subject=s) for s in ("1", "2", "3"))
    _refuse("messaging_outboundmessage", SENT_2)  # recording "2" as sent fails
    batch = delivery.outbox_claim()
    with pytest.raises(DatabaseError):
        delivery.outbox_send(batch)
    assert [str(m["Subject"]) for m in smtp_server.messages] == ["1", "2"]
    assert _settled(first, second, third) == {
        "1": ("sent", False),
        "2": ("failed", True),  # delivered, not recorded: uncertain, never resent by itself
        "3": ("queued", False),  # never reached DATA: back in the queue, due now
    }
    second.refresh_from_db()
    assert "accepted the message" in second.last_error and second.touchpoint is None
    third.refresh_from_db()
    assert third.claim_token == "" and third.attempts == 0
    assert not OutboundMessage.objects.filter(state=MessageState.SENDING).exists()

    assert Touchpoint.objects.filter(source=f"message:{first.pk}").count() == 1
    assert not Touchpoint.objects.filter(source=f"message:{second.pk}").exists()

    _allow("messaging_outboundmessage")
    assert delivery.outbox_drain() == (1, 1)
    delivery.outbox_recover(stale_after=dt.timedelta(0))
    assert sorted(str(m["Subject"]) for m in smtp_server.messages) == ["1", "2", "3"]
    assert len(set(smtp_server.ids())) == 3
    assert _settled(second) == {"2": ("failed", True)}


@pytest.mark.django_db
def test_a_database_error_while_logging_a_batchs_touchpoints_leaves_them_to_the_recovery(
    alice, workspace, julia, smtp_server, settings, caplog
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    messages = [queue(alice, workspace, julia, subject=s) for s in ("1", "2", "3")]
    _refuse("touchpoints_touchpoint", "NEW.summary = '2'")
    assert delivery.outbox_send(delivery.outbox_claim()) == 3
    assert _settled(*messages) == dict.fromkeys(("1", "2", "3"), ("sent", False))
    # One transaction for the batch's log: none of its touchpoints, and the error says so.
    assert not Touchpoint.objects.filter(source__startswith="message:").exists()
    assert "logging their touchpoints failed" in caplog.text
    _allow("touchpoints_touchpoint")
    assert delivery.outbox_drain(stale_after=dt.timedelta(hours=1)) == (0, 0)
    assert not Touchpoint.objects.exists()  # a live worker's sent rows are left to it
    delivery.outbox_recover(stale_after=dt.timedelta(0))
    delivery.outbox_recover(stale_after=dt.timedelta(0))
    assert sorted(str(m["Subject"]) for m in smtp_server.messages) == ["1", "2", "3"]
    assert _settled(*messages) == dict.fromkeys(("1", "2", "3"), ("sent", False))
    logged = Touchpoint.objects.values_list("source", flat=True)
    assert sorted(logged) == sorted(f"message:{m.pk}" for m in messages)  # each once
    assert not OutboundMessage.objects.exclude(claim_token="").exists()


@pytest.mark.django_db
def test_a_message_whose_worker_dies_every_time_is_given_up_after_the_last_attempt(
    alice, workspace, julia, smtp_server, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    message = queue(alice, workspace, julia, subject="doomed")
    for _ in range(5):  # a worker claims the row and dies before DATA, again and again
        delivery.outbox_claim()
        _age(message, claimed_at=True)
        delivery.outbox_recover_stale()
    message.refresh_from_db()
    assert (message.state, message.attempts) == (MessageState.FAILED, 3)
    assert "Gave up after 3 attempts" in message.last_error
    assert not message.is_uncertain
    assert delivery.outbox_recover() == {"requeued": 0, "uncertain": 0, "claimed": 0, "sent": 0}
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_a_server_that_always_refuses_ends_the_message_failed_after_the_set_attempts(
    alice, workspace, julia, smtp_server, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    smtp_server.refuse_code = 451
    message = queue(alice, workspace, julia, subject="refused")
    for _ in range(4):  # the recovery takes the retry up whenever it is due
        OutboundMessage.objects.filter(pk=message.pk, state="queued").update(
            next_attempt_at=timezone.now() - HOUR_AGO
        )
        delivery.outbox_recover()
    message.refresh_from_db()
    assert (message.state, message.attempts) == (MessageState.FAILED, 2)
    assert "Gave up after 2 attempts: 451" in message.last_error
    assert smtp_server.messages == []


def _guard_whose_query_fails(message):
    """A send guard that meets a real database error (its table is missing)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM kp_no_such_table")
    return ""


DATA_OF_X = "NEW.data_started_at IS NOT NULL AND NEW.subject = 'x'"


# Autocommit, as the send task runs: the DATA mark's error must not break a test transaction.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fault", ["data", "guard"])
def test_a_database_error_before_data_every_time_fails_the_message_and_sends_the_rest_once(
    alice, workspace, julia, smtp_server, settings, monkeypatch, fault
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.OUTBOX_MAX_ATTEMPTS = 3
    if fault == "guard":  # the guard's own query fails
        monkeypatch.setattr(delivery, "SEND_GUARDS", [_guard_whose_query_fails])
        bad = queue(alice, workspace, julia, subject="x", consent_purpose="talent_pool")
        _x_fails_every_time_and_the_rest_go_once(bad, alice, workspace, julia, smtp_server)
        return
    _refuse("messaging_outboundmessage", DATA_OF_X)  # marking DATA of "x" fails
    try:
        bad = queue(alice, workspace, julia, subject="x")
        _x_fails_every_time_and_the_rest_go_once(bad, alice, workspace, julia, smtp_server)
    finally:
        _allow("messaging_outboundmessage")


def _x_fails_every_time_and_the_rest_go_once(bad, alice, workspace, julia, smtp_server):
    others = [queue(alice, workspace, julia, subject=s) for s in ("1", "2")]
    with pytest.raises(DatabaseError):
        delivery.outbox_deliver()  # the batch: "x" first, then "1" and "2"
    bad.refresh_from_db()
    # "x" was tried: the claim counts, and it waits for its retry like a temporary refusal.
    assert (bad.state, bad.attempts) == (MessageState.QUEUED, 1)
    assert bad.next_attempt_at > timezone.now() and "database error" in bad.last_error
    # "1" and "2" were never tried: back in the queue, due at once, their attempt given back.
    tried = OutboundMessage.objects.filter(subject__in=["1", "2"]).values_list(
        "subject", "attempts"
    )
    assert dict(tried) == {"1": 0, "2": 0}
    assert delivery.outbox_deliver() == 2

    errors = 0
    for _ in range(4):  # send tasks, each once the retry is due; bounded, so never a hang
        OutboundMessage.objects.filter(state=MessageState.QUEUED).update(
            next_attempt_at=timezone.now() - HOUR_AGO
        )
        try:
            delivery.outbox_deliver()
        except DatabaseError:
            errors += 1
    bad.refresh_from_db()
    assert (bad.state, bad.attempts, errors) == (MessageState.FAILED, 3, 2)
    assert "Gave up after 3 attempts: a database error" in bad.last_error
    assert not bad.is_uncertain and bad.claim_token == ""
    assert sorted(str(m["Subject"]) for m in smtp_server.messages) == ["1", "2"]
    assert len(set(smtp_server.ids())) == 2
    assert _settled(bad, *others) == {
        "x": ("failed", False),
        "1": ("sent", False),
        "2": ("sent", False),
    }
    logged = Touchpoint.objects.values_list("source", flat=True)
    assert sorted(logged) == sorted(f"message:{m.pk}" for m in others)
