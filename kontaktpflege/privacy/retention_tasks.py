"""The daily retention job (tasks take ids and call a service)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from kontaktpflege.core.scheduler import beat

RETENTION_EVERY = dt.timedelta(days=1)


@task()
def retention_daily() -> int:
    """Anonymise every rejected candidate whose retention period ended."""
    from kontaktpflege.privacy.retention import retention_run_all

    return retention_run_all()


@task()
def retention_dispatch() -> bool:
    """Run by the scheduler every interval: enqueue the daily job when this worker claims it."""
    if not beat("privacy_retention", not_since=RETENTION_EVERY):
        return False
    retention_daily.enqueue()
    return True
