"""The daily digest: real SMTP (aiosmtpd), apprise to a local webhook, exactly once per day."""

from __future__ import annotations

import datetime as dt
import threading
from email.header import decode_header, make_header

import pytest
import time_machine
from django.db import connection

from kontaktpflege.core.net import free_port
from kontaktpflege.followups import tasks
from kontaktpflege.followups.models import DigestLog, FollowUp
from kontaktpflege.followups.notifications import digest_send, digests_due
from kontaktpflege.followups.selectors import notification_settings_for

from .conftest import berlin


@pytest.fixture
def smtp(smtp_server):
    """The shared aiosmtpd server (root conftest); `.messages` holds what it accepted."""
    return smtp_server


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def prepare(user, workspace, make_person, committed, **prefs):
    with committed():
        make_person(first_name="Thomas", circle="core")
    FollowUp.objects.update(due_on=dt.date(2025, 6, 1))
    row = notification_settings_for(user=user, workspace=workspace)
    for name, value in {"digest_enabled": True, **prefs}.items():
        setattr(row, name, value)
    row.save()
    return row


@pytest.mark.django_db
@time_machine.travel(berlin(2025, 6, 2, 8), tick=False)
def test_the_digest_goes_by_smtp_and_apprise_once(
    alice, workspace, make_person, committed, smtp, webhook
):
    url, received = webhook
    prepare(alice, workspace, make_person, committed, apprise_urls=url)
    assert digest_send(user=alice, workspace=workspace, day=dt.date(2025, 6, 2)) == "sent"
    assert digest_send(user=alice, workspace=workspace, day=dt.date(2025, 6, 2)) == "already sent"
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert subject(message) == "Kontaktpflege: 1 follow-up for today"
    assert message["To"] == "alice@example.org"
    parts = {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in message.walk()
        if not p.is_multipart()
    }
    assert "Last contact" not in parts["text/plain"]  # never touched: "was added … ago"
    assert "Thomas was added today, no contact yet" in parts["text/plain"]
    assert "<strong>Thomas Müller</strong>" in parts["text/html"]
    assert len(received) == 1 and received[0]["title"] == "Kontaktpflege: 1 follow-up for today"
    assert "Thomas" in received[0]["message"]
    log = DigestLog.objects.get()
    assert (log.status, log.item_count) == ("sent", 1)


@pytest.mark.django_db
@time_machine.travel(berlin(2025, 6, 2, 8), tick=False)
def test_the_digest_speaks_the_users_language(bob, workspace, make_person, committed, smtp):
    prepare(bob, workspace, make_person, committed)
    digest_send(user=bob, workspace=workspace, day=dt.date(2025, 6, 2))
    assert subject(smtp.messages[0]) == "Kontaktpflege: 1 Kontakt für heute"


@pytest.mark.django_db
def test_digests_are_due_at_the_users_local_time(alice, bob, workspace, make_person, committed):
    from kontaktpflege.accounts.services import user_update_preferences

    prepare(alice, workspace, make_person, committed, digest_time=dt.time(7, 30))
    user_update_preferences(user=alice, language="en", time_zone="Europe/Zurich")
    prepare(bob, workspace, make_person, committed, digest_time=dt.time(7, 30))
    user_update_preferences(user=bob, language="de", time_zone="America/New_York")
    # 29 March 2025, 06:45 UTC: 07:45 in Zurich (CET), 02:45 in New York.
    now = dt.datetime(2025, 3, 29, 6, 45, tzinfo=dt.UTC)
    assert digests_due(now=now) == [(alice.pk, workspace.pk, dt.date(2025, 3, 29))]
    # The next day clocks moved: 05:45 UTC is 07:45 CEST, still due though an hour earlier.
    now = dt.datetime(2025, 3, 30, 5, 45, tzinfo=dt.UTC)
    assert digests_due(now=now) == [(alice.pk, workspace.pk, dt.date(2025, 3, 30))]
    DigestLog.objects.create(user=alice, workspace=workspace, local_date=dt.date(2025, 3, 30))
    assert digests_due(now=now) == []


@pytest.mark.django_db
def test_dispatch_enqueues_due_digests_and_the_worker_task_sends(
    alice, workspace, make_person, committed, smtp
):
    with time_machine.travel(berlin(2025, 6, 2, 6), tick=False):
        prepare(alice, workspace, make_person, committed, digest_time=dt.time(7, 0))
        assert tasks.digest_dispatch.enqueue().return_value == 0
    with time_machine.travel(berlin(2025, 6, 2, 7, 5), tick=False):
        assert tasks.digest_dispatch.enqueue().return_value == 1
        assert tasks.digest_dispatch.enqueue().return_value == 0
    assert len(smtp.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_senders_produce_one_mail(alice, workspace, make_person, smtp):
    with time_machine.travel(berlin(2025, 6, 2, 8), tick=False):
        make_person(first_name="Thomas")
        FollowUp.objects.update(due_on=dt.date(2025, 6, 1))
        row = notification_settings_for(user=alice, workspace=workspace)
        row.digest_enabled = True
        row.save()
    barrier = threading.Barrier(2)
    results: list = []

    def sender():
        try:
            barrier.wait()
            results.append(tasks.digest_send.call(alice.pk, workspace.pk, "2025-06-02"))
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["already sent", "sent"]
    assert DigestLog.objects.count() == 1
    assert len(smtp.messages) == 1


@pytest.mark.django_db
@time_machine.travel(berlin(2025, 6, 2, 8), tick=False)
def test_nothing_due_sends_nothing_but_counts_as_done(alice, workspace, smtp):
    row = notification_settings_for(user=alice, workspace=workspace)
    row.digest_enabled = True
    row.save()
    assert digest_send(user=alice, workspace=workspace, day=dt.date(2025, 6, 2)) == "empty"
    assert smtp.messages == [] and digests_due(now=dt.datetime(2025, 6, 2, 9, tzinfo=dt.UTC)) == []


@pytest.mark.django_db
@time_machine.travel(berlin(2025, 6, 2, 8), tick=False)
def test_an_unreachable_mail_server_is_logged_not_retried(
    alice, workspace, make_person, committed, settings
):
    prepare(alice, workspace, make_person, committed)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    assert digest_send(user=alice, workspace=workspace, day=dt.date(2025, 6, 2)) == "failed"
    assert "email:" in DigestLog.objects.get().detail


@pytest.mark.django_db
def test_an_ex_member_gets_no_digest(alice, bob, workspace, make_person, committed, smtp):
    from kontaktpflege.accounts.models import Membership

    prepare(bob, workspace, make_person, committed, digest_time=dt.time(7, 0))
    now = berlin(2025, 6, 2, 8)
    assert digests_due(now=now) == [(bob.pk, workspace.pk, dt.date(2025, 6, 2))]
    Membership.objects.filter(user=bob, workspace=workspace).delete()
    assert digests_due(now=now) == []
    # A digest enqueued before the removal is not sent either, and not logged as sent.
    assert digest_send(user=bob, workspace=workspace, day=dt.date(2025, 6, 2)) == "not a member"
    assert smtp.messages == [] and not DigestLog.objects.exists()


@pytest.mark.django_db
def test_a_deactivated_user_gets_no_digest(bob, workspace, make_person, committed, smtp):
    prepare(bob, workspace, make_person, committed, digest_time=dt.time(7, 0))
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    assert digests_due(now=berlin(2025, 6, 2, 8)) == []
    assert digest_send(user=bob, workspace=workspace, day=dt.date(2025, 6, 2)) == "not a member"
    assert smtp.messages == [] and not DigestLog.objects.exists()
