"""The job seeker's workflows: applications with interviews (seed 000), network
conversations (seed 003) and activations of dormant contacts (seed 004)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kontaktpflege.contacts.models import Circle, Organisation, Person
from kontaktpflege.core.models import TimeStampedModel, WorkspaceScopedModel
from kontaktpflege.touchpoints.models import Touchpoint


class Stage(models.TextChoices):
    SAVED = "saved", _("Saved")
    APPLIED = "applied", _("Applied")
    INTERVIEW = "interview", _("Interview")
    WAITING = "waiting", _("Waiting")
    OFFER = "offer", _("Offer")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Application(WorkspaceScopedModel):
    """One application for a position at an organisation, moved through its stages."""

    # PROTECT: deleting an organisation must not silently delete the applications to it.
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("organisation"),
    )
    position = models.CharField(_("position"), max_length=200)
    posting_url = models.URLField(_("link to the posting"), max_length=500, blank=True)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default="saved")
    stage_changed_at = models.DateTimeField(_("stage changed"), null=True, blank=True)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    salary_min = models.PositiveIntegerField(_("salary from"), null=True, blank=True)
    salary_max = models.PositiveIntegerField(_("salary to"), null=True, blank=True)
    salary_currency = models.CharField(_("currency"), max_length=3, default="EUR", blank=True)
    rejected_on = models.DateField(_("rejected on"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True, max_length=5000)
    feedback = models.TextField(_("feedback received"), blank=True, max_length=10000)
    lessons = models.TextField(_("what I will do better next time"), blank=True, max_length=10000)
    notes = models.TextField(_("notes"), blank=True, max_length=50000)
    board_order = models.IntegerField(default=0)
    contacts: models.ManyToManyField = models.ManyToManyField(
        Person, through="ApplicationContact", related_name="applications"
    )

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["board_order", "-updated_at", "-id"]
        indexes = [models.Index(fields=["workspace", "stage"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(salary_min__isnull=True)
                | Q(salary_max__isnull=True)
                | Q(salary_min__lte=F("salary_max")),
                name="application_salary_range",
            ),
            models.CheckConstraint(
                condition=~Q(stage="rejected") | Q(rejected_on__isnull=False),
                name="application_rejection_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position} @ {self.organisation_id}"


class ContactRole(models.TextChoices):
    RECRUITER = "recruiter", _("Recruiter")
    HIRING_MANAGER = "hiring_manager", _("Hiring manager")
    REFERRER = "referrer", _("Referrer")
    INTERVIEWER = "interviewer", _("Interviewer")
    OTHER = "other", _("Other")


class ApplicationContact(models.Model):
    """A person involved in an application, with their role."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="application_contacts"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "person"], name="application_contact")
        ]


class InterviewKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video")
    ON_SITE = "on_site", _("On site")
    ASSESSMENT = "assessment", _("Assessment")


class Interview(TimeStampedModel):
    """An interview of an application; each one earns a thank-you the next day."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="interviews"
    )
    at = models.DateTimeField(_("date and time"))
    kind = models.CharField(_("kind"), max_length=12, choices=InterviewKind.choices)
    participants: models.ManyToManyField = models.ManyToManyField(
        Person, blank=True, related_name="+", verbose_name=_("participants")
    )
    notes = models.TextField(_("notes"), blank=True, max_length=50000)
    questions = models.TextField(_("questions asked"), blank=True, max_length=20000)
    thanked_at = models.DateTimeField(_("thanked"), null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]


class ConversationStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    DEBRIEFED = "debriefed", _("Debriefed")


class Conversation(WorkspaceScopedModel):
    """A network conversation (seed 003): one person, a goal, preparation and debrief."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="conversations", verbose_name=_("person")
    )
    # Set when it was started from a target company.
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started from"),
    )
    goal = models.CharField(_("goal: what I want to learn"), max_length=500)
    status = models.CharField(
        _("status"), max_length=10, choices=ConversationStatus.choices, default="planned"
    )
    planned_at = models.DateTimeField(_("planned for"), null=True, blank=True)
    held_at = models.DateTimeField(_("held on"), null=True, blank=True)
    research = models.TextField(_("research notes"), blank=True, max_length=50000)
    questions = models.TextField(_("prepared questions"), blank=True, max_length=20000)
    target_companies: models.ManyToManyField = models.ManyToManyField(
        Organisation, blank=True, related_name="+", verbose_name=_("target companies")
    )
    # The seed's guidance as ticked items, e.g. {"no_research_questions": true}.
    checklist = models.JSONField(default=dict, blank=True)
    learned = models.TextField(_("what I learned"), blank=True, max_length=50000)
    new_contacts: models.ManyToManyField = models.ManyToManyField(
        Person, blank=True, related_name="+", verbose_name=_("new contacts")
    )
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    thanked_at = models.DateTimeField(_("thanked"), null=True, blank=True)

    class Meta:
        ordering = ["-planned_at", "-id"]
        indexes = [models.Index(fields=["workspace", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="planned") | Q(held_at__isnull=False),
                name="conversation_held_dated",
            ),
        ]


class Insight(WorkspaceScopedModel):
    """What a conversation taught about a target company; shown on its page and the list."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="insights"
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, null=True, blank=True, related_name="insights"
    )
    text = models.TextField(_("insight"), max_length=5000)

    class Meta:
        ordering = ["-created_at", "-id"]


class ActivationGoal(models.TextChoices):
    REMINISCE = "reminisce", _("Reminisce and catch up")
    HELP_FROM = "help_from", _("Help from them")
    HELP_THROUGH = "help_through", _("Help through them (an introduction)")


class Activation(WorkspaceScopedModel):
    """Bringing a dormant contact back (seed 004): goal, help offered first, a meeting."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="activations", verbose_name=_("person")
    )
    goal = models.CharField(_("goal"), max_length=12, choices=ActivationGoal.choices)
    offer = models.TextField(_("help I can offer first"), blank=True, max_length=5000)
    meeting_on = models.DateField(_("planned meeting"), null=True, blank=True)
    # The circle they return to after the conversation, whichever way it is logged.
    circle = models.CharField(
        _("back into circle"),
        max_length=10,
        choices=[(c.value, c.label) for c in (Circle.CORE, Circle.ACTIVE, Circle.NETWORK)],
        default=Circle.NETWORK,
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
