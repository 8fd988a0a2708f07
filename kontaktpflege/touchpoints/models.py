"""The log of touchpoints (interactions) with people."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kontaktpflege.contacts.models import Channel, Person
from kontaktpflege.core.models import WorkspaceScopedModel


class Direction(models.TextChoices):
    OUT = "out", _("Outgoing")
    IN = "in", _("Incoming")
    MUTUAL = "mutual", _("Both ways")


class GiveTake(models.TextChoices):
    NONE = "", _("—")
    GIVE = "give", _("I gave (help, introduction, article)")
    TAKE = "take", _("I received (a favour, help)")


class Touchpoint(WorkspaceScopedModel):
    """One interaction: when, how, with whom, about what, and who gave or took."""

    occurred_at = models.DateTimeField(_("when"), db_index=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    direction = models.CharField(
        _("direction"), max_length=6, choices=Direction.choices, default=Direction.MUTUAL
    )
    summary = models.CharField(_("summary"), max_length=300)
    notes = models.TextField(_("notes"), blank=True, max_length=50000)
    give_take = models.CharField(
        _("give/take"), max_length=4, choices=GiveTake.choices, blank=True, default=""
    )
    participants: models.ManyToManyField = models.ManyToManyField(
        Person, through="Participation", related_name="touchpoints"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set by the messaging app when a sent message produced this touchpoint.
    source = models.CharField(max_length=40, blank=True, default="")
    # The form's one-time token: a resubmitted form (double click, retry after an error)
    # finds the touchpoint it already made instead of logging it twice.
    idempotency_key = models.CharField(max_length=64, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-occurred_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="uniq_touchpoint_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return self.summary


class Participation(models.Model):
    """A person's part in a touchpoint.

    Time, channel and give/take are copied from the touchpoint (every writer keeps them in
    step), so the timeline and the recompute's touch statistics read the index alone.
    """

    # No index of its own either: uniq_participation (touchpoint, person) starts with it and
    # serves every lookup by touchpoint (prefetch, cascade delete) as well.
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, db_index=False)
    # No index of its own: the covering index below starts with the person.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, db_index=False)
    occurred_at = models.DateTimeField()
    # No database default: a raw writer that forgets the channel fails instead of hiding a
    # meeting from the statistics.
    channel = models.CharField(max_length=20, choices=Channel.choices)
    give_take = models.CharField(
        max_length=4, choices=GiveTake.choices, blank=True, default="", db_default=""
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["touchpoint", "person"], name="uniq_participation")
        ]
        # The timeline walks it newest first; with the touchpoint, channel and give/take in
        # it, the recompute's touch statistics read no participation row at all (a covering
        # index; trailing key columns, as `include=` exists on PostgreSQL only).
        indexes = [
            models.Index(
                fields=["person", "-occurred_at", "-touchpoint", "channel", "give_take"],
                name="participation_person_cover",
            )
        ]
