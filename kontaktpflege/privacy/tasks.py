"""Background work of the privacy app (tasks take ids and call a service)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from kontaktpflege.core.scheduler import beat

# The scheduler ticks every minute; the upkeep claims a run at most once an hour (each step
# is idempotent, so a missed or repeated run only shifts a reminder by that hour).
UPKEEP_EVERY = dt.timedelta(hours=1)


@task()
def privacy_upkeep() -> dict[str, int]:
    """Reminders, lapse of unconfirmed requests, renewal requests and expiry of consent."""
    from kontaktpflege.privacy.upkeep import privacy_upkeep as run

    return run()


@task()
def privacy_dispatch() -> bool:
    """Run by the scheduler every interval: enqueue the upkeep when this worker claims it."""
    if not beat("privacy_upkeep", not_since=UPKEEP_EVERY):
        return False
    privacy_upkeep.enqueue()
    return True
