"""Waking send tasks: one task for a burst of messages, and no message left without one."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from django_tasks import task_backends

from kontaktpflege.messaging import delivery
from kontaktpflege.messaging.models import OutboundMessage, SendWake
from kontaktpflege.messaging.tests.test_delivery import queue


@pytest.fixture
def queued_tasks(settings):
    """The send tasks enqueued so far; none runs until the test runs it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return task_backends["default"].results


def committed(callbacks, alice, workspace, person, **over):
    """Queue a message in a transaction of its own and run what its commit runs."""
    with callbacks(execute=True):
        return queue(alice, workspace, person, **over)


def run(result):
    """What a worker does with an enqueued task."""
    return result.task.call(*result.args, **result.kwargs)


def states():
    return dict(OutboundMessage.objects.values_list("subject", "state"))


@pytest.mark.django_db
def test_messages_queued_while_a_send_task_waits_enqueue_no_further_task(
    alice, workspace, julia, smtp_server, queued_tasks, django_capture_on_commit_callbacks
):
    for i in range(5):
        committed(django_capture_on_commit_callbacks, alice, workspace, julia, subject=f"m{i}")
    assert len(queued_tasks) == 1
    assert run(queued_tasks[0]) == 5
    assert states() == {f"m{i}": "sent" for i in range(5)}
    assert len(smtp_server.messages) == 5


@pytest.mark.django_db
def test_a_transaction_queuing_many_messages_wakes_once_after_its_commit(
    alice, workspace, julia, queued_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for i in range(3):
            queue(alice, workspace, julia, subject=f"m{i}")
        assert queued_tasks == []  # nothing before the commit
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_a_message_queued_after_the_task_started_wakes_a_new_task(
    alice,
    workspace,
    julia,
    smtp_server,
    queued_tasks,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    committed(django_capture_on_commit_callbacks, alice, workspace, julia, subject="early")
    [first] = queued_tasks
    real_claim = delivery.outbox_claim
    late = []

    def claim_then_a_message_arrives(**kwargs):
        claimed = real_claim(**kwargs)
        if not claimed and not late:
            # The task looked for the last time and found nothing; now a message commits.
            late.append(
                committed(
                    django_capture_on_commit_callbacks, alice, workspace, julia, subject="late"
                )
            )
        return claimed

    monkeypatch.setattr(delivery, "outbox_claim", claim_then_a_message_arrives)
    assert run(first) == 1
    monkeypatch.undo()
    assert states() == {"early": "sent", "late": "queued"}
    assert len(queued_tasks) == 2  # the late message woke a task of its own
    assert run(queued_tasks[1]) == 1
    assert states() == {"early": "sent", "late": "sent"}
    assert sorted(smtp_server.ids()) == sorted(
        OutboundMessage.objects.values_list("message_id", flat=True)
    )


@pytest.mark.django_db
def test_a_wake_marker_whose_task_never_started_expires(
    alice, workspace, julia, smtp_server, queued_tasks, django_capture_on_commit_callbacks
):
    committed(django_capture_on_commit_callbacks, alice, workspace, julia, subject="m0")
    later = timezone.now() + delivery.WAKE_EXPIRES + dt.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        committed(django_capture_on_commit_callbacks, alice, workspace, julia, subject="m1")
        committed(django_capture_on_commit_callbacks, alice, workspace, julia, subject="m2")
    assert len(queued_tasks) == 2
    # Both tasks run in the end: the messages go out once.
    assert [run(result) for result in queued_tasks] == [3, 0]
    assert len(smtp_server.messages) == 3


@pytest.mark.django_db
def test_a_failed_enqueue_leaves_no_marker_behind(
    alice, workspace, julia, queued_tasks, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise ConnectionError("queue unreachable")

    monkeypatch.setattr(task_backends["default"], "enqueue", broken)
    with pytest.raises(ConnectionError):
        committed(django_capture_on_commit_callbacks, alice, workspace, julia, subject="m0")
    assert not SendWake.objects.exists()
    monkeypatch.undo()
    committed(django_capture_on_commit_callbacks, alice, workspace, julia, subject="m1")
    assert len(queued_tasks) == 1
    assert run(queued_tasks[0]) == 2


@pytest.mark.django_db
def test_a_retry_by_hand_wakes_a_task_only_when_none_waits(
    alice, workspace, julia, smtp_server, queued_tasks, django_capture_on_commit_callbacks
):
    from kontaktpflege.messaging import services

    message = committed(django_capture_on_commit_callbacks, alice, workspace, julia)
    OutboundMessage.objects.filter(pk=message.pk).update(state="failed", last_error="550 no")
    with django_capture_on_commit_callbacks(execute=True):
        services.message_retry(message=message)
    assert len(queued_tasks) == 1  # the waiting task takes the retry too
    run(queued_tasks[0])
    committed(django_capture_on_commit_callbacks, alice, workspace, julia, subject="next")
    assert len(queued_tasks) == 2


@pytest.mark.django_db
def test_a_send_task_that_claims_a_full_batch_wakes_another_to_help(
    alice, workspace, julia, smtp_server, queued_tasks
):
    for i in range(3):
        queue(alice, workspace, julia, subject=f"m{i}")  # not committed: no task of their own
    assert queued_tasks == []
    assert delivery.outbox_deliver(batch_size=2) == 3
    # The first batch was full (more might be due): one helper; the second was not.
    assert len(queued_tasks) == 1
    assert run(queued_tasks[0]) == 0
    assert states() == {f"m{i}": "sent" for i in range(3)}
    assert len(smtp_server.messages) == 3
