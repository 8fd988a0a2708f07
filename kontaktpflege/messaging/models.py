"""Message templates, per-user sender settings and the outbox of messages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kontaktpflege.core.models import WorkspaceScopedModel

MAX_BODY_CHARS = 50_000  # the touchpoint log keeps the body as its notes (same limit)
MAX_TEMPLATE_CHARS = 20_000
MAX_NOTES_CHARS = 10_000  # the personal notes compose puts into a template


class TemplateVariant(models.TextChoices):
    DE_SIE = "de_sie", _("German, formal (Sie)")
    DE_DU = "de_du", _("German, informal (Du)")
    EN = "en", _("English")


class MessageChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    LINKEDIN = "linkedin", _("LinkedIn")
    XING = "xing", _("Xing")
    WHATSAPP = "whatsapp", _("WhatsApp")
    CALL = "call", _("Phone")


class MessageState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # Stopped right before sending: a check registered with delivery.register_send_guard
    # refused it (the person withdrew the consent the message needs); `last_error` says why.
    CANCELLED = "cancelled", _("Not sent")


class MessageTemplate(WorkspaceScopedModel):
    """A workspace's own variant of a template; overrides the shipped one with the same key."""

    key = models.SlugField(_("key"), max_length=60)
    variant = models.CharField(_("variant"), max_length=6, choices=TemplateVariant.choices)
    name = models.CharField(_("name"), max_length=120)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"), max_length=MAX_TEMPLATE_CHARS)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["key", "variant"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "key", "variant"], name="uniq_template_variant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.variant})"


class SenderSettings(WorkspaceScopedModel):
    """How a user's messages go out: from name and address, reply-to, signature."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    from_name = models.CharField(_("from name"), max_length=120, blank=True)
    from_email = models.EmailField(_("from address"), blank=True)
    reply_to = models.EmailField(_("reply-to address"), blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    signature = models.TextField(_("signature"), max_length=2000, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="uniq_sender")]


class OutboundMessage(WorkspaceScopedModel):
    """A drafted, queued or sent message; the outbox sends each one at most once.

    `message_id` (the email Message-ID) is fixed when the row is created and doubles as the
    idempotency marker towards the SMTP server; `idempotency_key` makes the compose form's
    double submit harmless. `data_started_at` records that the SMTP DATA phase began: a crash
    after it leaves the delivery uncertain, and such a row is never retried automatically.
    """

    person = models.ForeignKey(
        "contacts.Person", on_delete=models.CASCADE, related_name="outbound_messages"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    template_key = models.CharField(max_length=60, blank=True)
    variant = models.CharField(max_length=6, choices=TemplateVariant.choices, blank=True)
    to_address = models.CharField(_("to"), max_length=320, blank=True)
    from_email = models.CharField(max_length=400, blank=True)
    reply_to = models.CharField(max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text"), max_length=MAX_BODY_CHARS)
    list_unsubscribe = models.CharField(max_length=500, blank=True)
    # The consent this message needs (a campaign's purpose; blank for a person's own mail):
    # checked again right before the SMTP transaction by the registered send guards.
    consent_purpose = models.CharField(max_length=20, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=MessageState.choices, default=MessageState.DRAFT
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, db_index=True)
    data_started_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    message_id = models.CharField(max_length=255, unique=True)
    provider_message_id = models.CharField(max_length=255, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The follow-up this message answers; no FK while the follow-up app is built in parallel.
    followup_id = models.BigIntegerField(null=True, blank=True)
    touchpoint = models.ForeignKey(
        "touchpoints.Touchpoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["state", "next_attempt_at"],
                name="outbox_due",
                condition=Q(state__in=["queued", "sending"]),
            ),
            models.Index(fields=["workspace", "-created_at"], name="outbox_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.to_address or self.person_id}: {self.subject[:40]}"

    @property
    def is_uncertain(self) -> bool:
        """Failed after the server may already have accepted it: resend only by hand."""
        return self.state == MessageState.FAILED and self.data_started_at is not None


class SendWake(models.Model):
    """ "A send task is waiting in the queue since `requested_at`": while this row is there
    (and younger than delivery.WAKE_EXPIRES), queuing a message enqueues no further task.

    Not workspace data: the outbox is one queue for every workspace (delivery.outbox_wake).
    A send task deletes the row before it looks for due messages.
    """

    name = models.CharField(primary_key=True, max_length=20)
    requested_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} since {self.requested_at:%Y-%m-%d %H:%M:%S}"
