"""Background work of campaigns (tasks take ids and call a service)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from kontaktpflege.privacy import campaigns


def campaign_enqueue(campaign_id: int, *, run_after: dt.datetime | None = None) -> None:
    """Run the campaign's next batch in the worker (at `run_after` where the backend can).

    Without deferral the scheduler's `campaigns_dispatch` takes the campaign up once due.
    """
    job = campaign_send
    if run_after is not None:
        if not job.get_backend().supports_defer:
            return
        job = job.using(run_after=run_after)
    job.enqueue(campaign_id)


@task()
def campaign_send(campaign_id: int) -> int:
    """One throttled batch of a campaign; the next one follows when the minute allows."""
    result = campaigns.campaign_send_batch(campaign_id=campaign_id)
    if result.more:
        campaign_enqueue(campaign_id, run_after=timezone.now() + campaigns.WINDOW)
    return result.queued


@task()
def campaigns_dispatch() -> int:
    """Periodic (scheduler): a batch for every due or unfinished campaign."""
    due = campaigns.campaigns_due()
    for pk in due:
        campaigns.campaign_send_batch(campaign_id=pk)
    return len(due)
