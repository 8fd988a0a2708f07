"""The version stamp of a workspace's who-knows-whom (the graph cache checks it)."""

from __future__ import annotations

from django.db import models

from kontaktpflege.accounts.models import Workspace


class GraphStamp(models.Model):
    """A random token that changes, in the writing transaction, whenever relationships,
    employments or people of the workspace change.

    Random rather than counting up, so a workspace id that comes back (a rolled-back test,
    a restored backup) can never match a graph cached for its predecessor.
    """

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    token = models.BigIntegerField(default=0)
