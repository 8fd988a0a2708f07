"""Consent (append-only records per person and purpose), privacy notices, and the
hash-chained audit log (issue 15, design.md "Recruiting side and GDPR").

Consent records and audit events are never updated: every change is a new row, and a
database trigger (migration 0002) refuses UPDATEs on both tables. Unconfirmed consent
requests are the one thing deleted (with their reminders) when they lapse after 30 days;
their audit event stays.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kontaktpflege.contacts.models import Person
from kontaktpflege.core.models import WorkspaceScopedModel


class Purpose(models.TextChoices):
    TALENT_POOL = "talent_pool", _("Talent pool")
    CAMPAIGNS = "campaigns", _("News and campaigns")


class Source(models.TextChoices):
    FORM = "form", _("Public sign-up form")
    EMAIL_LINK = "email_link", _("Link in an email")
    RECRUITER = "recruiter", _("Recorded by a recruiter")


class RecordKind(models.TextChoices):
    REQUEST = "request", _("Requested")
    REMINDER = "reminder", _("Reminded")
    GRANT = "grant", _("Confirmed")
    WITHDRAWAL = "withdrawal", _("Withdrawn")
    EXPIRY = "expiry", _("Expired")


class WithdrawalChannel(models.TextChoices):
    LINK = "link", _("Withdrawal page (link in an email)")
    ONE_CLICK = "one_click", _("One-click unsubscribe of the mail program")
    RECRUITER = "recruiter", _("Recorded by a recruiter")
    API = "api", _("API")


def _public_key() -> str:
    return secrets.token_urlsafe(12)


def default_retention_months() -> int:
    """The site's default retention period (KP_RETENTION_MONTHS, 6) for a new workspace."""
    return int(getattr(settings, "RETENTION_MONTHS", 6))


class PrivacySettings(WorkspaceScopedModel):
    """A workspace's public sign-up address, how long consent lasts, and how long rejected
    candidates without consent are kept."""

    # The sign-up form lives at /pool/<public_key>/: not guessable from workspace ids.
    public_key = models.CharField(max_length=32, unique=True, default=_public_key)
    signup_enabled = models.BooleanField(_("public talent-pool sign-up"), default=True)
    consent_months = models.PositiveSmallIntegerField(_("consent lasts (months)"), default=24)
    retention_months = models.PositiveSmallIntegerField(
        _("retention period (months)"), default=default_retention_months
    )

    class Meta:
        verbose_name = _("privacy settings")
        verbose_name_plural = _("privacy settings")
        constraints = [models.UniqueConstraint(fields=["workspace"], name="uniq_privacy_settings")]


class PrivacyNotice(WorkspaceScopedModel):
    """One published version of a workspace's privacy notice in one language (never edited:
    a change is a new version)."""

    language = models.CharField(_("language"), max_length=5)
    version = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("privacy notice"), max_length=50000)

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        ordering = ["language", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "language", "version"], name="uniq_notice_version"
            )
        ]


class ConsentRecord(models.Model):
    """One event in a person's consent for one purpose; the current state is derived.

    `kind` says which columns apply: a request has the text and notice version shown, the
    source, the address and the hash of the double opt-in token, when its mail went out and
    when it lapses (`expires_at`); a reminder has its own token hash and `reminder_days`; a
    grant has the click time and the consent's expiry; a withdrawal its channel. No foreign
    key here may SET_NULL (that would be an UPDATE): users are kept as id and name.
    """

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consent_records")
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    kind = models.CharField(_("event"), max_length=10, choices=RecordKind.choices)
    # Grants and reminders point at the request they answer.
    request = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="answers"
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, blank=True)
    renewal = models.BooleanField(default=False)
    language = models.CharField(_("language"), max_length=5, blank=True)
    consent_text = models.TextField(_("text shown"), blank=True)
    notice_version = models.CharField(_("privacy notice version"), max_length=40, blank=True)
    notice_sha256 = models.CharField(max_length=64, blank=True)
    email = models.CharField(_("address"), max_length=254, blank=True)
    token_sha256 = models.CharField(max_length=64, blank=True)
    message_ref = models.BigIntegerField(null=True, blank=True)  # the outbox message
    sent_at = models.DateTimeField(_("mail sent"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("link clicked"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    reminder_days = models.PositiveSmallIntegerField(null=True, blank=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=WithdrawalChannel.choices, blank=True
    )
    proof_note = models.TextField(_("proof"), blank=True, max_length=2000)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)
    recorded_by_name = models.CharField(max_length=200, blank=True)
    # The person row was created by this (public) request: deleted with it at lapse.
    created_person = models.BooleanField(default=False)
    # What the person entered on the sign-up form; applied once they confirm.
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["created_at", "id"]
        constraints = [
            # A request is confirmed at most once: a replayed link finds the grant.
            models.UniqueConstraint(
                fields=["request"], condition=Q(kind="grant"), name="uniq_grant_per_request"
            ),
            models.UniqueConstraint(
                fields=["request", "reminder_days"],
                condition=Q(kind="reminder"),
                name="uniq_reminder",
            ),
            # A withdrawal link is used once.
            models.UniqueConstraint(
                fields=["token_sha256"],
                condition=Q(kind="withdrawal") & ~Q(token_sha256=""),
                name="uniq_withdrawal_token",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "purpose", "created_at"], name="consent_person"),
            models.Index(fields=["token_sha256"], name="consent_token"),
            models.Index(
                fields=["kind", "expires_at"],
                name="consent_due",
                condition=Q(kind__in=["request", "grant"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.purpose} {self.kind}"


class AuditChainHead(models.Model):
    """The last event of a workspace's audit chain; locked while an event is appended."""

    workspace = models.OneToOneField(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+"
    )
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)


class AuditEvent(models.Model):
    """One append-only, hash-chained event: sha256(prev_hash + canonical JSON of the event).

    Holds ids and categories, not personal data, so it may outlive an erasure.
    """

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    seq = models.BigIntegerField()
    created_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=60)
    subject_type = models.CharField(max_length=40, blank=True)
    subject_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["workspace", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "seq"], name="uniq_audit_seq"),
        ]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="audit_subject")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


# ---------------------------------------------------------------- retention and requests (priv2)


class LegalHold(WorkspaceScopedModel):
    """A legal hold on a person: while it is not released, nothing anonymises them."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="legal_holds")
    reason = models.CharField(_("reason"), max_length=500)
    set_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(_("set at"), default=timezone.now)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-set_at", "-id"]
        indexes = [models.Index(fields=["person", "released_at"], name="legal_hold_person")]


class Anonymisation(WorkspaceScopedModel):
    """The fact that a person's personal data was removed (once: the row makes it idempotent)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="anonymisation")
    reason = models.CharField(max_length=10)  # "retention" | "erasure"
    request = models.ForeignKey(
        "privacy.DataSubjectRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


class RequestKind(models.TextChoices):
    EXPORT = "export", _("Export")
    ERASURE = "erasure", _("Erasure")


class RequestState(models.TextChoices):
    OPEN = "open", _("Waiting for identity check")
    VERIFIED = "verified", _("Identity verified")
    APPROVED = "approved", _("Approved")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected")


OPEN_REQUEST_STATES = (RequestState.OPEN, RequestState.VERIFIED, RequestState.APPROVED)


class DataSubjectRequest(WorkspaceScopedModel):
    """A data subject's request (export or erasure), with who verified and approved it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="privacy_requests")
    kind = models.CharField(_("kind"), max_length=8, choices=RequestKind.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=RequestState.choices, default=RequestState.OPEN
    )
    requested_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("data subject request")
        verbose_name_plural = _("data subject requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A double submit finds the open request instead of making a second one.
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=Q(state__in=["open", "verified", "approved"]),
                name="uniq_open_privacy_request",
            )
        ]


# ---------------------------------------------------------------- campaigns

from kontaktpflege.privacy.campaign_models import (  # noqa: E402, F401  (models of this app)
    Campaign,
    CampaignRecipient,
    CampaignSettings,
)
