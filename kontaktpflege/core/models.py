"""Base models shared by every domain app."""

from __future__ import annotations

from django.db import models


class TimeStampedModel(models.Model):
    """Creation and modification times."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class WorkspaceScopedModel(TimeStampedModel):
    """A row that belongs to exactly one workspace; selectors filter on it."""

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", db_index=True
    )

    class Meta:
        abstract = True


class WorkerBeat(models.Model):
    """When a worker last reported (`heartbeat`) or last ran a periodic job (its name).

    One row per name. The `heartbeat` row is written by every worker once per scheduler
    interval, so the page shell can tell that no worker runs; a job's row is the claim that
    lets only one of several workers run that job per interval.
    """

    HEARTBEAT = "heartbeat"

    name = models.CharField(max_length=40, unique=True)
    beat_at = models.DateTimeField()
    worker = models.CharField(max_length=100, blank=True)  # host:pid of the last writer

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
