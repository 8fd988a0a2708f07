"""Email through a real aiosmtpd server: headers, at most once, retries, failures."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kontaktpflege.accounts.models import User
from kontaktpflege.accounts.services import (
    approved_sender_add,
    email_confirm,
    email_confirmation_token,
)
from kontaktpflege.messaging import delivery, services
from kontaktpflege.messaging.models import MessageState, OutboundMessage
from kontaktpflege.touchpoints.models import Touchpoint


def queue(alice, workspace, person, **over):
    fields = {
        "workspace": workspace,
        "person": person,
        "user": alice,
        "to_address": "julia.weber@example.com",
        "subject": "Danke für das Gespräch",
        "body": "Sehr geehrte Frau Dr. Weber,\n\nvielen Dank.\n\nAlice",
        "idempotency_key": services.new_idempotency_key(),
    }
    fields.update(over)
    return services.message_queue_email(**fields)


@pytest.mark.django_db
def test_a_queued_email_is_sent_with_proper_headers_and_logged(
    alice, workspace, julia, smtp_server, settings
):
    email_confirm(token=email_confirmation_token(alice))
    alice.refresh_from_db()
    services.sender_settings_save(
        workspace=workspace,
        user=alice,
        from_name="Alice Adler",
        from_email="Alice@Example.org",
        reply_to="antwort@adler.example",
        company="",
        signature="",
    )
    message = queue(alice, workspace, julia, followup_id=77, list_unsubscribe="https://ex.org/u/1")
    claimed, sent = delivery.outbox_drain()
    assert (claimed, sent) == (1, 1)
    [received] = smtp_server.messages
    assert smtp_server.ids() == [message.message_id]
    assert received["From"] == "Alice Adler <alice@example.org>"
    assert received["Reply-To"] == "antwort@adler.example"
    assert received["List-Unsubscribe"] == "<https://ex.org/u/1>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    message.refresh_from_db()
    assert message.state == MessageState.SENT and message.followup_id == 77
    touchpoint = Touchpoint.objects.get(source=f"message:{message.pk}")
    assert touchpoint.direction == "out" and touchpoint.channel == "email"
    assert touchpoint.summary == "Danke für das Gespräch" and "vielen Dank" in touchpoint.notes
    assert list(touchpoint.participants.all()) == [julia]
    julia.refresh_from_db()
    assert julia.last_touched_at is not None


@pytest.mark.django_db
def test_it_falls_back_to_the_default_sender(alice, workspace, julia, smtp_server, settings):
    settings.DEFAULT_FROM_EMAIL = "Kontaktpflege <noreply@kp.example>"
    queue(alice, workspace, julia)
    delivery.outbox_drain()
    [received] = smtp_server.messages
    assert received["From"] == "Alice Adler <noreply@kp.example>"
    assert received["Reply-To"] == "alice@example.org"
    assert smtp_server.ids()[0].endswith("@kontaktpflege.localhost>")


@pytest.mark.django_db
def test_sending_twice_delivers_once(alice, workspace, julia, smtp_server):
    message = queue(alice, workspace, julia)
    delivery.outbox_drain()
    delivery.outbox_drain()
    assert delivery.outbox_deliver(message_id=message.pk) == 0
    assert len(smtp_server.messages) == 1
    assert Touchpoint.objects.filter(source=f"message:{message.pk}").count() == 1


@pytest.mark.django_db
def test_the_same_idempotency_key_queues_once(alice, workspace, julia):
    first = queue(alice, workspace, julia, idempotency_key="k" * 32)
    second = queue(alice, workspace, julia, idempotency_key="k" * 32)
    assert first.pk == second.pk
    assert OutboundMessage.objects.count() == 1


@pytest.mark.django_db
def test_a_temporary_refusal_is_retried_with_backoff(alice, workspace, julia, smtp_server):
    smtp_server.refuse_code = 451
    message = queue(alice, workspace, julia)
    delivery.outbox_drain()
    message.refresh_from_db()
    assert message.state == MessageState.QUEUED and message.attempts == 1
    assert message.next_attempt_at > timezone.now() + dt.timedelta(seconds=50)
    assert "451" in message.last_error
    smtp_server.refuse_code = 0
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    delivery.outbox_drain()
    message.refresh_from_db()
    assert message.state == MessageState.SENT and message.attempts == 2
    assert len(smtp_server.messages) == 1


def test_backoff_doubles_and_is_capped():
    assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert delivery.backoff(30) == delivery.BACKOFF_MAX


@pytest.mark.django_db
def test_a_permanent_refusal_fails_with_the_error_shown(alice, workspace, julia, smtp_server):
    smtp_server.refuse_code = 550
    message = queue(alice, workspace, julia)
    delivery.outbox_drain()
    message.refresh_from_db()
    assert message.state == MessageState.FAILED and "550" in message.last_error
    assert not Touchpoint.objects.exists()


@pytest.mark.django_db
def test_it_gives_up_after_the_last_attempt(alice, workspace, julia, smtp_server):
    smtp_server.refuse_code = 421
    message = queue(alice, workspace, julia)
    OutboundMessage.objects.filter(pk=message.pk).update(attempts=delivery.max_attempts() - 1)
    with translation.override("en"):
        delivery.outbox_drain()
    message.refresh_from_db()
    assert message.state == MessageState.FAILED and "Gave up" in message.last_error


@pytest.mark.django_db
def test_an_unreachable_server_requeues_without_sending(alice, workspace, julia, settings):
    from kontaktpflege.core.net import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    message = queue(alice, workspace, julia)
    delivery.outbox_drain()
    message.refresh_from_db()
    assert message.state == MessageState.QUEUED and message.data_started_at is None
    assert message.last_error


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "Hallo\r\nBcc: victim@example.com"),
        ("subject", "Hallo\nX-Evil: 1"),
        ("to_address", "julia@example.com\r\nBcc: victim@example.com"),
        ("to_address", "not-an-address"),
        ("to_address", "julia@@example.com"),
        ("body", "x" * (5 * 1024 * 1024)),
        ("body", "   "),
        ("body", "Hallo\x00Welt"),
        ("list_unsubscribe", "https://ex.org/u\r\nBcc: x@example.com"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved_or_sent(
    alice, workspace, julia, smtp_server, field, value
):
    with pytest.raises(ValidationError) as info:
        queue(alice, workspace, julia, **{field: value})
    assert field in info.value.message_dict
    assert not OutboundMessage.objects.exists()
    delivery.outbox_drain()
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_crlf_in_sender_settings_is_refused(alice, workspace):
    with pytest.raises(ValidationError) as info:
        services.sender_settings_save(
            workspace=workspace,
            user=alice,
            from_name="Alice\r\nBcc: x@example.com",
            from_email="",
            reply_to="",
            company="",
            signature="",
        )
    assert "from_name" in info.value.message_dict


@pytest.mark.django_db
def test_marking_as_sent_logs_a_touchpoint_on_the_channel(alice, workspace, julia):
    message = services.message_mark_sent(
        workspace=workspace,
        person=julia,
        user=alice,
        channel="whatsapp",
        subject="",
        body="Hallo Julia, danke für gestern!\nBis bald",
        idempotency_key=services.new_idempotency_key(),
        followup_id=5,
    )
    assert message.state == MessageState.SENT
    touchpoint = Touchpoint.objects.get(source=f"message:{message.pk}")
    assert touchpoint.channel == "whatsapp" and touchpoint.direction == "out"
    assert touchpoint.summary == "Hallo Julia, danke für gestern!"


@pytest.mark.django_db
def test_a_stale_sending_row_before_data_is_sent_again_and_one_after_data_is_not(
    alice, workspace, julia, smtp_server
):
    before = queue(alice, workspace, julia, subject="before data")
    after = queue(alice, workspace, julia, subject="after data")
    old = timezone.now() - dt.timedelta(hours=1)
    OutboundMessage.objects.filter(pk=before.pk).update(
        state="sending", claimed_at=old, claim_token="dead"
    )
    OutboundMessage.objects.filter(pk=after.pk).update(
        state="sending", claimed_at=old, claim_token="dead", data_started_at=old
    )
    with translation.override("en"):
        delivery.outbox_drain()
    before.refresh_from_db()
    after.refresh_from_db()
    assert before.state == MessageState.SENT
    assert after.state == MessageState.FAILED and after.is_uncertain
    assert "uncertain" in after.last_error
    assert [m["Subject"] for m in smtp_server.messages] == ["before data"]


@pytest.mark.django_db
def test_a_fresh_sending_row_is_left_to_its_worker(alice, workspace, julia, smtp_server):
    message = queue(alice, workspace, julia)
    OutboundMessage.objects.filter(pk=message.pk).update(state="sending", claimed_at=timezone.now())
    delivery.outbox_drain()
    message.refresh_from_db()
    assert message.state == MessageState.SENDING and smtp_server.messages == []


@pytest.mark.django_db
def test_retrying_by_hand_keeps_the_message_id(alice, workspace, julia, smtp_server):
    message = queue(alice, workspace, julia)
    OutboundMessage.objects.filter(pk=message.pk).update(state="failed", last_error="x")
    message.refresh_from_db()
    services.message_retry(message=message)
    delivery.outbox_drain()
    assert smtp_server.ids() == [message.message_id]
    with pytest.raises(ValidationError):
        services.message_retry(message=message)


@pytest.mark.django_db
def test_a_row_reclaimed_by_another_worker_mid_batch_is_not_sent_by_the_stale_batch(
    alice, workspace, julia, smtp_server, monkeypatch
):
    first = queue(alice, workspace, julia, subject="first")
    second = queue(alice, workspace, julia, subject="second")
    stale_batch = delivery.outbox_claim()
    assert [m.pk for m in stale_batch] == [first.pk, second.pk]
    other_batches = []
    real_build = delivery.build_email

    def slow_batch(message):
        # While the stale batch works on "first", "second" looks abandoned: another worker
        # recovers it and claims it with its own token.
        if message.pk == first.pk and not other_batches:
            old = timezone.now() - dt.timedelta(hours=1)
            OutboundMessage.objects.filter(pk=second.pk).update(claimed_at=old)
            assert delivery.outbox_recover_stale() == (1, 0)
            other_batches.append(delivery.outbox_claim(message_id=second.pk))
        return real_build(message)

    monkeypatch.setattr(delivery, "build_email", slow_batch)
    assert delivery.outbox_send(stale_batch) == 1
    assert [m["Subject"] for m in smtp_server.messages] == ["first"]
    second.refresh_from_db()
    assert second.state == MessageState.SENDING and second.data_started_at is None
    assert second.claim_token == other_batches[0][0].claim_token

    assert delivery.outbox_send(other_batches[0]) == 1
    assert sorted(m["Subject"] for m in smtp_server.messages) == ["first", "second"]
    assert Touchpoint.objects.filter(source=f"message:{second.pk}").count() == 1


@pytest.mark.django_db
def test_a_worker_that_lost_its_claim_settles_nothing(alice, workspace, julia, smtp_server):
    message = queue(alice, workspace, julia)
    [claimed] = delivery.outbox_claim()
    OutboundMessage.objects.filter(pk=message.pk).update(claim_token="someone-else")
    delivery._retry_later(claimed, "temporary")
    delivery._fail(claimed, "broken")
    delivery._Attempt(claimed).renew_claim()
    message.refresh_from_db()
    assert message.state == MessageState.SENDING and message.claim_token == "someone-else"
    assert message.last_error == "" and message.data_started_at is None
    with pytest.raises(delivery.ClaimLost):
        delivery._Attempt(claimed).mark_data()
    message.refresh_from_db()
    assert message.data_started_at is None and smtp_server.messages == []


@pytest.mark.django_db
def test_each_message_renews_its_claim_before_it_is_sent(alice, workspace, julia, smtp_server):
    message = queue(alice, workspace, julia)
    [claimed] = delivery.outbox_claim()
    old = timezone.now() - dt.timedelta(hours=1)
    OutboundMessage.objects.filter(pk=message.pk).update(claimed_at=old)
    assert delivery._Attempt(claimed).renew_claim()
    message.refresh_from_db()
    assert message.claimed_at > old
    assert delivery.outbox_recover_stale() == (0, 0)


def save_sender(alice, workspace, **over):
    fields = {
        "workspace": workspace,
        "user": alice,
        "from_name": "Alice Adler",
        "from_email": "",
        "reply_to": "",
        "company": "",
        "signature": "",
    }
    fields.update(over)
    return services.sender_settings_save(**fields)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address", ["ceo@bank.example", "alice@example.org.evil.example", "noreply@sub.kp.example"]
)
def test_a_from_address_that_is_neither_yours_nor_the_sites_is_refused(
    alice, workspace, settings, address
):
    settings.DEFAULT_FROM_EMAIL = "Kontaktpflege <noreply@kp.example>"
    save_sender(alice, workspace, from_email="", company="Adler AG")
    with pytest.raises(ValidationError) as info:
        save_sender(alice, workspace, from_email=address, company="Bank")
    assert "own confirmed address" in " ".join(info.value.message_dict["from_email"])
    from kontaktpflege.messaging.selectors import sender_settings_for

    current = sender_settings_for(workspace=workspace, user=alice)
    assert current.from_email == "" and current.company == "Adler AG"


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["alice@example.org", "ALICE@example.org", "team@KP.example"])
def test_your_confirmed_or_an_approved_site_address_may_be_the_sender(
    alice, workspace, settings, address
):
    settings.DEFAULT_FROM_EMAIL = "Kontaktpflege <noreply@kp.example>"
    email_confirm(token=email_confirmation_token(alice))
    alice = User.objects.get(pk=alice.pk)
    admin = User.objects.create_user(username="admin", password="pw-admin-123", is_staff=True)
    approved_sender_add(workspace=workspace, email="team@kp.example", approved_by=admin)
    saved = save_sender(alice, workspace, from_email=address, reply_to="ceo@bank.example")
    assert saved.from_email.lower() == address.lower()
    assert saved.reply_to == "ceo@bank.example"


# ---------------------------------------------------------------- send guards


@pytest.fixture
def guard(monkeypatch):
    """A send guard that refuses messages to one address and records what it was asked."""
    asked: list[str] = []

    def refuse_julia(message):
        asked.append(message.subject)
        return "No consent" if message.to_address == "julia.weber@example.com" else ""

    monkeypatch.setattr(delivery, "SEND_GUARDS", [refuse_julia])
    return asked


@pytest.mark.django_db
def test_a_send_guard_stops_a_message_that_needs_consent_before_the_smtp_transaction(
    alice, workspace, julia, make_person, smtp_server, guard
):
    make_person(first_name="Ida", last_name="Roth", emails=["ida@example.com"])
    refused = queue(alice, workspace, julia, subject="campaign", consent_purpose="talent_pool")
    queue(alice, workspace, julia, subject="personal")  # no consent purpose: never asked
    queue(
        alice,
        workspace,
        julia,
        subject="to ida",
        to_address="ida@example.com",
        consent_purpose="talent_pool",
    )
    assert delivery.outbox_drain() == (3, 2)
    assert sorted(str(m["Subject"]) for m in smtp_server.messages) == ["personal", "to ida"]
    assert guard == ["campaign", "to ida"]
    refused.refresh_from_db()
    assert refused.state == MessageState.CANCELLED and refused.last_error == "No consent"
    assert refused.data_started_at is None and refused.claim_token == ""
    assert not Touchpoint.objects.filter(source=f"message:{refused.pk}").exists()
    assert delivery.outbox_drain() == (0, 0)  # it stays unsent
    with pytest.raises(ValidationError):  # and is no failure to retry
        services.message_retry(message=refused)


@pytest.mark.django_db
def test_a_guards_writes_roll_back_when_the_claim_was_lost_meanwhile(
    alice, workspace, julia, smtp_server, monkeypatch
):
    message = queue(alice, workspace, julia, subject="campaign", consent_purpose="talent_pool")
    bystander = queue(alice, workspace, julia, subject="untouched")

    def guard_that_writes(asked):
        OutboundMessage.objects.filter(pk=bystander.pk).update(subject="written by the guard")
        return "No consent"

    monkeypatch.setattr(delivery, "SEND_GUARDS", [guard_that_writes])
    batch = delivery.outbox_claim(message_id=message.pk)
    # Right after this worker renewed its claim, another one recovered the row and claimed it.
    OutboundMessage.objects.filter(pk=message.pk).update(claim_token="someone-else")
    monkeypatch.setattr(delivery._Attempt, "renew_claim", lambda self: True)
    assert delivery.outbox_send(batch) == 0
    message.refresh_from_db()
    bystander.refresh_from_db()
    assert message.state == MessageState.SENDING and message.claim_token == "someone-else"
    assert bystander.subject == "untouched" and smtp_server.messages == []


@pytest.fixture
def no_task_runs(settings):
    """Queued messages wait for the test to run their task (no immediate backend)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.mark.django_db
def test_one_send_task_sends_every_due_message_over_one_connection_its_own_first(
    alice, workspace, julia, smtp_server, no_task_runs
):
    from kontaktpflege.messaging.tasks import send_message

    messages = [queue(alice, workspace, julia, subject=f"m{i}") for i in range(5)]
    assert send_message.call(messages[3].pk) == 5
    assert [str(m["Subject"]) for m in smtp_server.messages] == ["m3", "m0", "m1", "m2", "m4"]
    assert len(set(smtp_server.peers)) == 1  # one SMTP connection for the batch
    assert _states(messages) == ["sent"] * 5
    # The other messages' own tasks find nothing left to send.
    assert [send_message.call(m.pk) for m in messages] == [0] * 5
    assert len(smtp_server.messages) == 5
    assert Touchpoint.objects.filter(source__startswith="message:").count() == 5


@pytest.mark.django_db
def test_a_refused_recipient_in_a_batch_neither_stops_nor_repeats_the_others(
    alice, workspace, julia, smtp_server, no_task_runs
):
    from kontaktpflege.messaging.tasks import send_message

    smtp_server.refuse_code, smtp_server.refuse_for = 550, "nobody@"
    messages = [
        queue(alice, workspace, julia, subject=f"m{i}", to_address=to)
        for i, to in enumerate(["a@example.com", "nobody@example.com", "c@example.com"])
    ]
    assert send_message.call(messages[0].pk) == 2
    assert sorted(str(m["Subject"]) for m in smtp_server.messages) == ["m0", "m2"]
    assert len(set(smtp_server.peers)) == 1
    assert _states(messages) == ["sent", "failed", "sent"]
    messages[1].refresh_from_db()
    assert "550" in messages[1].last_error and not messages[1].is_uncertain
    logged = Touchpoint.objects.filter(source__startswith="message:").values_list("source")
    assert sorted(logged) == [(f"message:{messages[0].pk}",), (f"message:{messages[2].pk}",)]


@pytest.mark.django_db
def test_a_send_task_whose_time_is_up_leaves_the_rest_to_a_new_task(
    alice, workspace, julia, smtp_server, no_task_runs
):
    messages = [queue(alice, workspace, julia, subject=f"m{i}") for i in range(3)]
    assert delivery.outbox_deliver(message_id=messages[0].pk, batch_size=1, seconds=0) == 1
    assert _states(messages) == ["sent", "queued", "queued"]
    assert delivery.outbox_deliver() == 2  # what the new task `send_due` does
    assert len(smtp_server.messages) == 3


def _states(messages):
    rows = dict(OutboundMessage.objects.values_list("pk", "state"))
    return [rows[m.pk] for m in messages]
