"""Follow-ups: materialised due items, occasions, notification settings and the digest log."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kontaktpflege.core.models import WorkspaceScopedModel


class State(models.TextChoices):
    OPEN = "open", _("Open")
    SNOOZED = "snoozed", _("Snoozed")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")


ACTIVE_STATES = (State.OPEN, State.SNOOZED)


class FollowUpQuerySet(models.QuerySet["FollowUp"]):
    def active(self) -> FollowUpQuerySet:
        return self.filter(state__in=ACTIVE_STATES)


class FollowUp(WorkspaceScopedModel):
    """A due item: a rule applied to a person's facts, with its reason and priority.

    Rows are materialised by the engine and reconciled by `key` (rule, person and the
    occurrence behind it), so recomputing is idempotent and a done or skipped occurrence
    never comes back.
    """

    # No index of their own for the workspace, the person and the closing touchpoint: the
    # workspace leads `uniq_followup` and the agenda index, the person `followup_person`,
    # and the touchpoint has a partial index (nearly all rows have none). Every index costs
    # each of the thousands of rows a recompute writes.
    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    person = models.ForeignKey(
        "contacts.Person", on_delete=models.CASCADE, related_name="followups", db_index=False
    )
    rule = models.CharField(max_length=40)
    key = models.CharField(max_length=160)
    # Optional subject from the career workflows, e.g. "application:12".
    subject = models.CharField(max_length=60, blank=True, default="")
    due_on = models.DateField()
    original_due_on = models.DateField()
    window_end = models.DateField(null=True, blank=True)
    priority = models.IntegerField(default=0)
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    snoozed_until = models.DateField(null=True, blank=True)
    skip_reason = models.CharField(max_length=300, blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by_touchpoint = models.ForeignKey(
        "touchpoints.Touchpoint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="uniq_followup")]
        indexes = [
            # Covers the agenda query: the ranking reads no table rows. The id is part of the
            # key for PostgreSQL (SQLite keeps the rowid in every index anyway): without it
            # each due item was fetched from the table (Today's ranking 37 → 14 ms at M).
            models.Index(
                fields=["workspace", "state", "due_on", "priority", "rule", "id"],
                name="followup_agenda_cover",
            ),
            models.Index(fields=["person", "state"], name="followup_person"),
            models.Index(
                fields=["closed_by_touchpoint"],
                condition=models.Q(closed_by_touchpoint__isnull=False),
                name="followup_closed_by",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class OccasionKind(models.TextChoices):
    PROMOTION = "promotion", _("Promotion")
    MEDIA_APPEARANCE = "media_appearance", _("Media appearance")
    CUSTOM = "custom", _("Other occasion")


class Occasion(WorkspaceScopedModel):
    """A dated occasion to get in touch (promotion, media appearance …).

    Birthdays, job changes and work anniversaries come from the person and employment rows.
    """

    person = models.ForeignKey(
        "contacts.Person", on_delete=models.CASCADE, related_name="occasions"
    )
    kind = models.CharField(_("occasion"), max_length=20, choices=OccasionKind.choices)
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["person", "on"])]


def new_ics_token() -> str:
    return secrets.token_urlsafe(32)


class NotificationSettings(WorkspaceScopedModel):
    """A user's digest, notification and calendar-feed settings in one workspace."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    digest_enabled = models.BooleanField(_("send a daily digest"), default=False)
    digest_time = models.TimeField(_("digest time"), default=dt.time(7, 30))
    email_enabled = models.BooleanField(_("by email"), default=True)
    apprise_urls = models.TextField(_("notification URLs"), blank=True, default="")
    networking_weekday = models.PositiveSmallIntegerField(_("networking day"), default=4)
    networking_time = models.TimeField(_("networking time"), default=dt.time(16, 0))
    networking_minutes = models.PositiveSmallIntegerField(_("minutes"), default=60)
    ics_token = models.CharField(max_length=64, unique=True, default=new_ics_token)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "workspace"], name="uniq_notification_settings"
            ),
            models.CheckConstraint(
                condition=Q(networking_weekday__lte=6), name="networking_weekday_0_6"
            ),
        ]

    @property
    def apprise_url_list(self) -> list[str]:
        return [line.strip() for line in self.apprise_urls.splitlines() if line.strip()]


class DigestLog(WorkspaceScopedModel):
    """One digest per user, workspace and local day; the unique row is the send claim."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    local_date = models.DateField()
    status = models.CharField(max_length=20, default="claimed")
    item_count = models.PositiveIntegerField(default=0)
    detail = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "workspace", "local_date"], name="uniq_digest_per_day"
            )
        ]


class RollLog(WorkspaceScopedModel):
    """The daily roll of date-dependent rules (birthdays, anniversaries) for this day.

    The row is the claim; `finished_at` is set only after the roll succeeded, so a roll
    that failed or whose worker died is claimed again later that day.
    """

    day = models.DateField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "day"], name="uniq_roll")]


class RecomputeRun(WorkspaceScopedModel):
    """A recompute of a workspace's follow-ups in the worker, with its progress.

    Created by a rule change; the Today and settings pages show it until it finishes.
    """

    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "finished_at"], name="recompute_open")]

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0
