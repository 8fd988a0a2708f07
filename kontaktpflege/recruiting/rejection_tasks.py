"""Background work of rejections (tasks take ids and call a service).

Kept apart from recruiting/tasks.py while the recruiting slices are built in parallel.
"""

from __future__ import annotations

from django_tasks import task

from kontaktpflege.recruiting import rejections


@task()
def rejection_send_task(rejection_id: int) -> bool:
    """Hand one due rejection to the outbox (no-op when it is not due, sent or cancelled)."""
    return rejections.rejection_send(rejection_id=rejection_id) is not None


@task()
def rejections_send_due_task() -> int:
    """Periodic (scheduler): hand every due scheduled rejection to the outbox."""
    return rejections.rejections_send_due()
