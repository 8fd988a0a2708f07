"""Background tasks of messaging: take ids, call a service."""

from __future__ import annotations

from django_tasks import task

from kontaktpflege.messaging import delivery


@task()
def send_message(message_id: int) -> int:
    """Send this queued message, then other due ones batch by batch (none: a no-op)."""
    return delivery.outbox_deliver(message_id=message_id)


@task()
def send_due() -> int:
    """Go on sending due messages where a send task left off (its time was up)."""
    return delivery.outbox_deliver()


@task()
def send_outbox() -> int:
    """Send every due message, batch by batch over one connection each."""
    _claimed, sent = delivery.outbox_drain()
    return sent


@task()
def outbox_recover() -> dict[str, int]:
    """Periodic (scheduler): settle rows a dead worker left, send rows whose task was lost."""
    return delivery.outbox_recover()
