"""Campaigns: one message (a template with notes) to a talent pool or a dynamic segment,
with a row per recipient that says what happened to them (issue 15, "Campaigns").

Imported at the end of privacy/models.py, so these are the privacy app's models.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kontaktpflege.contacts.models import Person
from kontaktpflege.core.models import WorkspaceScopedModel
from kontaktpflege.privacy.models import Purpose

MAX_CAMPAIGN_NOTES = 10_000


class CampaignState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Outcome(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent")  # handed to the outbox; the message's state tells the rest
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class SkipReason(models.TextChoices):
    NO_CONSENT = "no_consent", _("No consent")
    REQUESTED = "requested", _("Consent requested, not confirmed")
    WITHDRAWN = "withdrawn", _("Consent withdrawn")
    EXPIRED = "expired", _("Consent expired")
    NO_EMAIL = "no_email", _("No email address")
    DUPLICATE = "duplicate", _("Same address as another recipient")
    ANONYMISED = "anonymised", _("Anonymised")


class Campaign(WorkspaceScopedModel):
    """A message to the members of a pool or a segment, sent now or at a set time.

    Exactly one of `pool` and `filters` names the audience: the pool's members, or the
    candidate profiles matching a pool filter (a segment that is not saved as a pool). The
    audience is read when sending starts; consent is checked for each recipient right before
    their message is queued.
    """

    name = models.CharField(_("name"), max_length=200)
    pool = models.ForeignKey(
        "recruiting.TalentPool",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("talent pool"),
    )
    filters = models.JSONField(_("segment"), default=dict, blank=True)
    purpose = models.CharField(
        _("consent needed"), max_length=12, choices=Purpose.choices, default=Purpose.TALENT_POOL
    )
    template_key = models.CharField(_("template"), max_length=60)
    notes = models.TextField(_("notes"), max_length=MAX_CAMPAIGN_NOTES, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=CampaignState.choices, default=CampaignState.DRAFT
    )
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["state", "send_at"],
                name="campaign_due",
                condition=Q(state__in=["scheduled", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignRecipient(models.Model):
    """One person of a campaign's audience and what happened: sent, skipped (why) or failed."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    email = models.CharField(_("address"), max_length=254, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=8, choices=Outcome.choices, default=Outcome.PENDING
    )
    reason = models.CharField(_("reason"), max_length=12, choices=SkipReason.choices, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    message = models.ForeignKey(
        "messaging.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("campaign recipient")
        verbose_name_plural = _("campaign recipients")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="uniq_campaign_person")
        ]
        indexes = [
            models.Index(fields=["campaign", "outcome"], name="campaign_outcome"),
            models.Index(fields=["workspace", "processed_at"], name="campaign_throttle"),
        ]


class CampaignSettings(WorkspaceScopedModel):
    """How fast a workspace's campaigns go out (all its campaigns together)."""

    messages_per_minute = models.PositiveIntegerField(_("messages per minute"), default=60)

    class Meta:
        verbose_name = _("campaign settings")
        verbose_name_plural = _("campaign settings")
        constraints = [models.UniqueConstraint(fields=["workspace"], name="uniq_campaign_settings")]
