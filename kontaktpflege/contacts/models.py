"""People, organisations, employment, who-knows-whom and tags."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kontaktpflege.core.indexes import NullsFirstIndex
from kontaktpflege.core.models import WorkspaceScopedModel


class Circle(models.TextChoices):
    CORE = "core", _("Core")
    ACTIVE = "active", _("Active")
    NETWORK = "network", _("Network")
    DORMANT = "dormant", _("Dormant")
    # Imported and not yet sorted by the user: no cadence, one triage item on Today.
    UNSORTED = "unsorted", _("Unsorted")


# Circles the user chooses (the list's bulk actions, the triage page); "unsorted" is a state.
CHOSEN_CIRCLES = ("core", "active", "network", "dormant")


# Keep-in-touch intervals per circle (design.md); a workspace and a person can override them.
DEFAULT_CIRCLE_DAYS = {"core": 30, "active": 90, "network": 180, "dormant": 365}


class Origin(models.TextChoices):
    MANUAL = "", _("Added by hand")
    IMPORT = "import", _("Imported")


class FormOfAddress(models.TextChoices):
    SIE = "sie", _("Formal (Sie)")
    DU = "du", _("Informal (Du)")


class Gender(models.TextChoices):
    UNKNOWN = "", _("Not specified")
    FEMALE = "f", _("Female")
    MALE = "m", _("Male")
    DIVERSE = "x", _("Diverse")


class Channel(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    LINKEDIN = "linkedin", _("LinkedIn")
    XING = "xing", _("Xing")
    WHATSAPP = "whatsapp", _("WhatsApp")
    LETTER = "letter", _("Letter")
    EVENT = "event", _("Event")
    GROUP_MEETING = "group_meeting", _("Group meeting")


class TargetStatus(models.TextChoices):
    IDEA = "idea", _("Idea")
    RESEARCHING = "researching", _("Researching")
    CONTACTED = "contacted", _("Contacted")
    IN_TALKS = "in_talks", _("In talks")
    APPLIED = "applied", _("Applied")
    PAUSED = "paused", _("Paused")


class Tag(WorkspaceScopedModel):
    """A label on people."""

    name = models.CharField(_("name"), max_length=60)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="uniq_tag")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(WorkspaceScopedModel):
    """A company or institution; target companies form the user's target list (seed 003)."""

    name = models.CharField(_("name"), max_length=200)
    name_folded = models.CharField(max_length=200, db_index=True, editable=False)
    industry = models.CharField(_("industry"), max_length=120, blank=True)
    region = models.CharField(_("region"), max_length=120, blank=True)
    website = models.URLField(_("website"), blank=True, max_length=300)
    notes = models.TextField(_("notes"), blank=True, max_length=20000)
    is_target = models.BooleanField(_("target company"), default=False)
    target_priority = models.PositiveSmallIntegerField(_("priority"), default=3)
    target_status = models.CharField(
        _("status"), max_length=20, choices=TargetStatus.choices, default=TargetStatus.IDEA
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["workspace", "is_target", "target_priority"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_priority__gte=1, target_priority__lte=5),
                name="org_priority_1_5",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Person(WorkspaceScopedModel):
    """Someone in the user's network; the user's own node is a Person too (user set)."""

    # No index of its own: every index below starts with the workspace and serves its
    # lookups (the cascade from a workspace, a workspace's people); a separate one cost each
    # person an index entry more on every import and non-HOT update.
    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    academic_title = models.CharField(_("academic title"), max_length=40, blank=True)
    gender = models.CharField(
        _("gender"), max_length=1, choices=Gender.choices, blank=True, default=""
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
        verbose_name=_("organisation"),
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    linkedin_url = models.URLField(_("LinkedIn profile"), blank=True, max_length=300)
    xing_url = models.URLField(_("Xing profile"), blank=True, max_length=300)
    website = models.URLField(_("website"), blank=True, max_length=300)
    birthday_day = models.PositiveSmallIntegerField(null=True, blank=True)
    birthday_month = models.PositiveSmallIntegerField(null=True, blank=True)
    birthday_year = models.PositiveSmallIntegerField(null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=[("de", "Deutsch"), ("en", "English")], default="de"
    )
    form_of_address = models.CharField(
        _("form of address"), max_length=3, choices=FormOfAddress.choices, default=FormOfAddress.SIE
    )
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=20, choices=Channel.choices, blank=True
    )
    how_we_met = models.CharField(_("how we met"), max_length=500, blank=True)
    met_on = models.DateField(_("met on"), null=True, blank=True)
    # Since when the user has known them (LinkedIn's "Connected On"): a fact, not a touch.
    known_since = models.DateField(_("known since"), null=True, blank=True)
    origin = models.CharField(
        _("origin"),
        max_length=10,
        choices=Origin.choices,
        blank=True,
        default=Origin.MANUAL,
        db_default=Origin.MANUAL,  # bulk writers (generator, fast imports) need not name it
    )
    introduced_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="introduced",
        verbose_name=_("introduced by"),
    )
    circle = models.CharField(
        _("circle"), max_length=10, choices=Circle.choices, default=Circle.NETWORK
    )
    keep_in_touch_days = models.PositiveIntegerField(
        _("keep in touch every (days)"), null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True, max_length=50000)
    tags = models.ManyToManyField(Tag, blank=True, related_name="people", verbose_name=_("tags"))
    # Denormalised for the list, filters and the agenda; kept by services.
    last_touched_at = models.DateTimeField(null=True, blank=True)
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["workspace", "last_name", "first_name"]),
            models.Index(fields=["workspace", "circle"]),
            # The list's "last_touched" / "-last_touched" order (walked backwards), ties and
            # all: NULLS FIRST on PostgreSQL too, as SQLite sorts them (core.keyset).
            NullsFirstIndex(fields=["workspace", "last_touched_at", "id"], name="person_touched"),
            models.Index(fields=["workspace", "organisation"]),
            # The list's count by circle and last touch reads this index alone (the list
            # leaves out the user's own node): at 1M people 731 → 2.4 ms.
            NullsFirstIndex(
                fields=["workspace", "circle", "last_touched_at"],
                condition=Q(user__isnull=True),
                name="person_circle_touched",
            ),
            # Counting a tag's people checks each one's workspace and that it is not the
            # user's own node: from this index alone (at 1M people 69 → 16 ms).
            models.Index(
                fields=["id", "workspace"], condition=Q(user__isnull=True), name="person_listed"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "user"], condition=Q(user__isnull=False), name="uniq_self"
            ),
            models.CheckConstraint(
                condition=Q(birthday_month__isnull=True)
                | Q(birthday_month__gte=1, birthday_month__lte=12),
                name="person_birthday_month",
            ),
            models.CheckConstraint(
                condition=Q(birthday_day__isnull=True)
                | Q(birthday_day__gte=1, birthday_day__lte=31),
                name="person_birthday_day",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or "—"

    @property
    def is_self(self) -> bool:
        return self.user_id is not None

    @property
    def interval_days(self) -> int:
        return self.keep_in_touch_days or DEFAULT_CIRCLE_DAYS.get(self.circle, 180)


class EmailAddress(WorkspaceScopedModel):
    """One of a person's email addresses (lower-cased for matching)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="emails")
    email = models.EmailField(max_length=254)
    label = models.CharField(max_length=40, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        indexes = [models.Index(fields=["workspace", "email"])]
        constraints = [
            models.UniqueConstraint(fields=["person", "email"], name="uniq_person_email"),
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(is_primary=True), name="one_primary_email"
            ),
        ]


class PhoneNumber(WorkspaceScopedModel):
    """One of a person's phone numbers, normalised to E.164 with phonenumbers."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=32)
    label = models.CharField(max_length=40, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        indexes = [models.Index(fields=["workspace", "number"])]
        constraints = [
            models.UniqueConstraint(fields=["person", "number"], name="uniq_person_phone"),
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(is_primary=True), name="one_primary_phone"
            ),
        ]


class Employment(WorkspaceScopedModel):
    """A position held at an organisation; the history records job changes with dates."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="employments")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="employments"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    start_date = models.DateField(_("since"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["-is_current", "-start_date", "-id"]
        indexes = [models.Index(fields=["person", "is_current"])]


class RelationshipContext(models.TextChoices):
    COLLEAGUE = "colleague", _("Colleague")
    FORMER_COLLEAGUE = "former_colleague", _("Former colleague")
    STUDIES = "studies", _("Studies")
    CLUB = "club", _("Club")
    FRIEND = "friend", _("Friend")
    FAMILY = "family", _("Family")
    CUSTOMER = "customer", _("Customer")
    EVENT = "event", _("Event")
    # Two people of my network I connected ("connect others", seed 001).
    INTRODUCED = "introduced", _("Introduced by me")
    OTHER = "other", _("Other")


class Relationship(WorkspaceScopedModel):
    """A symmetric "knows" edge; stored once with from_person_id < to_person_id."""

    from_person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    to_person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    strength = models.PositiveSmallIntegerField(_("strength"), default=3)
    context = models.CharField(
        _("context"), max_length=20, choices=RelationshipContext.choices, default="other"
    )
    notes = models.CharField(_("notes"), max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_person", "to_person"], name="uniq_edge"),
            models.CheckConstraint(
                condition=Q(from_person__lt=models.F("to_person")), name="edge_ordered"
            ),
            models.CheckConstraint(
                condition=Q(strength__gte=1, strength__lte=5), name="edge_strength_1_5"
            ),
        ]
        indexes = [models.Index(fields=["to_person"])]
