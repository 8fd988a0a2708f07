"""Background tasks (django-tasks, database backend): take ids, call a service."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import DEFAULT_TASK_QUEUE_NAME, task, task_backends

from kontaktpflege.accounts.models import User, Workspace

ROLL_QUEUE = "roll"


@task()
def digest_send(user_id: int, workspace_id: int, local_date: str) -> str:
    """Send one user's digest for one local day (at most once, see notifications.digest_send)."""
    from kontaktpflege.followups.notifications import digest_send as send

    user = User.objects.get(pk=user_id)
    workspace = Workspace.objects.get(pk=workspace_id)
    return send(user=user, workspace=workspace, day=dt.date.fromisoformat(local_date))


@task()
def followups_refresh(person_ids: list[int], answered_by: dict[str, int] | None = None) -> int:
    """Recompute these people's follow-ups (bulk writers, or a refresh that failed in a request)."""
    from kontaktpflege.followups.services import followups_refresh_bulk, followups_refresh_people

    answered = {int(k): v for k, v in (answered_by or {}).items()}  # JSON keys are strings
    if answered:  # a touchpoint closes what it answered: the refresh that knows how
        followups_refresh_people(person_ids=person_ids, answered_by=answered)
    else:
        followups_refresh_bulk(person_ids=person_ids)
    return len(person_ids)


@task()
def followups_roll(workspace_id: int, day: str | None = None) -> int:
    """The daily roll of date-dependent rules for one workspace; marks the claim done.

    After a finished roll earlier in the year only the people whose items change are
    recomputed (services.followups_roll).
    """
    from kontaktpflege.followups.notifications import roll_finish, roll_last_finished
    from kontaktpflege.followups.services import followups_roll as roll

    workspace = Workspace.objects.get(pk=workspace_id)
    today = dt.date.fromisoformat(day) if day is not None else None
    since = roll_last_finished(workspace_id=workspace_id, before=today) if today else None
    count = roll(workspace=workspace, since=since)
    if today is not None:
        roll_finish(workspace_id=workspace_id, day=today)
    return count


def roll_queue() -> str:
    """The roll's own queue when the task backend lists it in QUEUES, else the default one.

    A roll of a large workspace takes seconds; on its own queue (a worker started with
    `--queue-name roll`, the others with `--exclude-queues roll`) it never holds up sending.
    """
    queues = task_backends[followups_roll.backend].queues
    return ROLL_QUEUE if not queues or ROLL_QUEUE in queues else DEFAULT_TASK_QUEUE_NAME


@task()
def digest_dispatch() -> int:
    """Run by the scheduler every minute: roll workspaces once a day, enqueue due digests."""
    from kontaktpflege.followups.notifications import digests_due, roll_claim
    from kontaktpflege.followups.services import workspace_zone

    now = timezone.now()
    for workspace in Workspace.objects.all().only("id", "settings"):
        # One roll per local day of the workspace: it runs just after its midnight.
        day = now.astimezone(workspace_zone(workspace)).date()
        if roll_claim(workspace=workspace, day=day, now=now):
            followups_roll.using(queue_name=roll_queue()).enqueue(workspace.pk, day.isoformat())
    due = digests_due(now=now)
    for user_id, workspace_id, day in due:
        digest_send.enqueue(user_id, workspace_id, day.isoformat())
    return len(due)


@task()
def followups_recompute(run_id: int) -> int:
    """Recompute a workspace's follow-ups after a rule change, with progress."""
    from kontaktpflege.followups.models import RecomputeRun
    from kontaktpflege.followups.services import recompute_run_execute

    run = RecomputeRun.objects.filter(pk=run_id).select_related("workspace").first()
    return 0 if run is None else recompute_run_execute(run=run)
