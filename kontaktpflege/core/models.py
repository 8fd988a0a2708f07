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
