"""Background tasks of messaging: take ids, call a service."""

from __future__ import annotations

from django_tasks import task

from kontaktpflege.messaging import delivery


@task()
def send_message(message_id: int) -> int:
    """Send one queued message (no-op when it is not due or another worker holds it)."""
    return delivery.outbox_deliver(message_id=message_id)


@task()
def send_outbox() -> int:
    """Send every due message, batch by batch over one connection each."""
    _claimed, sent = delivery.outbox_drain()
    return sent


@task()
def outbox_recover() -> dict[str, int]:
    """Periodic (scheduler): settle rows a dead worker left, send rows whose task was lost."""
    return delivery.outbox_recover()
