"""Background tasks (django-tasks, database backend): take ids, call a service."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from kontaktpflege.accounts.models import User, Workspace


@task()
def digest_send(user_id: int, workspace_id: int, local_date: str) -> str:
    """Send one user's digest for one local day (at most once, see notifications.digest_send)."""
    from kontaktpflege.followups.notifications import digest_send as send

    user = User.objects.get(pk=user_id)
    workspace = Workspace.objects.get(pk=workspace_id)
    return send(user=user, workspace=workspace, day=dt.date.fromisoformat(local_date))


@task()
def followups_refresh(person_ids: list[int]) -> int:
    """Recompute these people's follow-ups (enqueued by bulk writers such as imports)."""
    from kontaktpflege.followups.services import followups_refresh_people

    followups_refresh_people(person_ids=person_ids)
    return len(person_ids)


@task()
def followups_roll(workspace_id: int) -> int:
    """The daily roll of date-dependent rules for one workspace."""
    from kontaktpflege.followups.services import followups_roll as roll

    return roll(workspace=Workspace.objects.get(pk=workspace_id))


@task()
def digest_dispatch() -> int:
    """Run by the scheduler every minute: roll workspaces once a day, enqueue due digests."""
    from kontaktpflege.followups.notifications import digests_due, roll_claim
    from kontaktpflege.followups.services import workspace_zone

    now = timezone.now()
    for workspace in Workspace.objects.all().only("id", "settings"):
        # One roll per local day of the workspace: it runs just after its midnight.
        if roll_claim(workspace=workspace, day=now.astimezone(workspace_zone(workspace)).date()):
            followups_roll.enqueue(workspace.pk)
    due = digests_due(now=now)
    for user_id, workspace_id, day in due:
        digest_send.enqueue(user_id, workspace_id, day.isoformat())
    return len(due)
