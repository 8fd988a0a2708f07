"""The recruiting team's side (seed 002): openings, candidacies moved through a workspace's
stages, two-tier rejections, CVs, candidate profiles with tags, and talent pools.

Nothing here is filterable by age, gender, origin, religion, disability or any other
attribute protected by the AGG: career level replaces age (`FILTERABLE_FIELDS` in
`pools.py` is the whole list, and a test enumerates it).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kontaktpflege.contacts.models import Person
from kontaktpflege.core.models import WorkspaceScopedModel


class CareerLevel(models.TextChoices):
    STUDENT = "student", _("Student")
    ENTRY = "entry", _("Entry level")
    PROFESSIONAL = "professional", _("Professional")
    SENIOR = "senior", _("Senior")
    LEAD = "lead", _("Lead")
    EXECUTIVE = "executive", _("Executive")


# Ordered from junior to senior: re-matching compares levels by their position.
LEVEL_ORDER = [choice.value for choice in CareerLevel]


class JobType(models.TextChoices):
    FULL_TIME = "full_time", _("Full-time")
    PART_TIME = "part_time", _("Part-time")
    CONTRACT = "contract", _("Fixed-term contract")
    FREELANCE = "freelance", _("Freelance")
    INTERNSHIP = "internship", _("Internship")
    WORKING_STUDENT = "working_student", _("Working student")


class WorkMode(models.TextChoices):
    ONSITE = "onsite", _("On site")
    HYBRID = "hybrid", _("Hybrid")
    REMOTE = "remote", _("Remote")


class RecruitingSettings(WorkspaceScopedModel):
    """Whether a workspace shows the recruiting screens, and from which stage on a rejected
    candidate gets the personal tier and counts as a silver medallist."""

    enabled = models.BooleanField(_("recruiting switched on"), default=False)
    late_stage = models.ForeignKey(
        "recruiting.PipelineStage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("personal rejection from stage"),
    )

    class Meta:
        verbose_name = _("recruiting settings")
        verbose_name_plural = _("recruiting settings")
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="uniq_recruiting_settings")
        ]


class StageKind(models.TextChoices):
    ACTIVE = "active", _("In progress")
    HIRED = "hired", _("Hired")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


CLOSED_KINDS = (StageKind.HIRED, StageKind.REJECTED, StageKind.WITHDRAWN)


class PipelineStage(WorkspaceScopedModel):
    """One stage of a workspace's candidacy pipeline; `position` orders the active ones."""

    key = models.SlugField(_("key"), max_length=40)
    # Blank: the shipped stage's name in the reader's language (DEFAULT_STAGE_NAMES).
    name = models.CharField(_("name"), max_length=80, blank=True)
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(
        _("kind"), max_length=10, choices=StageKind.choices, default=StageKind.ACTIVE
    )

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="uniq_stage_key"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name or str(DEFAULT_STAGE_NAMES.get(self.key, self.key))


# The default pipeline (issue 14): key, position, kind.
DEFAULT_STAGES = [
    ("applied", 10, StageKind.ACTIVE),
    ("screening", 20, StageKind.ACTIVE),
    ("first_interview", 30, StageKind.ACTIVE),
    ("final_interview", 40, StageKind.ACTIVE),
    ("offer", 50, StageKind.ACTIVE),
    ("hired", 60, StageKind.HIRED),
    ("rejected", 90, StageKind.REJECTED),
    ("withdrawn", 91, StageKind.WITHDRAWN),
]
DEFAULT_LATE_STAGE = "final_interview"
DEFAULT_STAGE_NAMES = {
    "applied": _("Applied"),
    "screening": _("Screening"),
    "first_interview": _("First interview"),
    "final_interview": _("Final interview"),
    "offer": _("Offer"),
    "hired": _("Hired"),
    "rejected": _("Rejected"),
    "withdrawn": _("Withdrawn"),
}
DEFAULT_REJECTION_REASONS = [
    _("Another candidate matched the profile more closely"),
    _("Missing required skills or experience"),
    _("Salary expectations do not fit"),
    _("Location or working model do not fit"),
    _("The position was filled internally"),
    _("The position was withdrawn"),
]


class RejectionReason(WorkspaceScopedModel):
    """A reason from the workspace's configurable list."""

    label = models.CharField(_("reason"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("rejection reason")
        verbose_name_plural = _("rejection reasons")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class OpeningStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    ON_HOLD = "on_hold", _("On hold")
    FILLED = "filled", _("Filled")
    CLOSED = "closed", _("Closed")


class Opening(WorkspaceScopedModel):
    """A position the team recruits for."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=20000)
    # Skill names as the vocabulary spells them (matching folds case and umlauts).
    skills = models.JSONField(_("skills"), default=list, blank=True)
    career_level = models.CharField(
        _("career level"), max_length=12, choices=CareerLevel.choices, blank=True
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    work_mode = models.CharField(
        _("work mode"), max_length=8, choices=WorkMode.choices, default=WorkMode.ONSITE
    )
    job_type = models.CharField(
        _("job type"), max_length=16, choices=JobType.choices, default=JobType.FULL_TIME
    )
    status = models.CharField(
        _("status"), max_length=8, choices=OpeningStatus.choices, default=OpeningStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("opening")
        verbose_name_plural = _("openings")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "status"], name="opening_status")]

    def __str__(self) -> str:
        return self.title


class Tier(models.TextChoices):
    PERSONAL = "personal", _("Personal feedback")
    AUTOMATED = "automated", _("Automated")


class Candidacy(WorkspaceScopedModel):
    """A person's candidacy for an opening: the current stage and the furthest one reached."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="candidacies", verbose_name=_("candidate")
    )
    opening = models.ForeignKey(
        Opening, on_delete=models.CASCADE, related_name="candidacies", verbose_name=_("opening")
    )
    # RESTRICT (here and on every stage and reason reference), not PROTECT: a stage or reason
    # in use cannot be deleted, but a workspace can be, with all its rows.
    stage = models.ForeignKey(
        PipelineStage, on_delete=models.RESTRICT, related_name="+", verbose_name=_("stage")
    )
    # The position of the furthest active stage reached: rejection keeps it.
    reached_position = models.PositiveSmallIntegerField(default=0)
    reached_stage = models.ForeignKey(
        PipelineStage, null=True, on_delete=models.RESTRICT, related_name="+"
    )
    stage_changed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.ForeignKey(
        RejectionReason, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    feedback_tier = models.CharField(max_length=10, choices=Tier.choices, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    silver_medallist = models.BooleanField(_("silver medallist"), default=False)
    source = models.CharField(_("source"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=50000)

    class Meta:
        verbose_name = _("candidacy")
        verbose_name_plural = _("candidacies")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["opening", "person"], name="uniq_candidacy"),
        ]
        indexes = [
            models.Index(fields=["workspace", "opening", "stage"], name="candidacy_board"),
            models.Index(fields=["person"], name="candidacy_person"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.opening_id}"


class StageMove(WorkspaceScopedModel):
    """One move of a candidacy from a stage to another: the candidacy's history."""

    candidacy = models.ForeignKey(Candidacy, on_delete=models.CASCADE, related_name="moves")
    from_stage = models.ForeignKey(
        PipelineStage, null=True, on_delete=models.RESTRICT, related_name="+"
    )
    to_stage = models.ForeignKey(PipelineStage, on_delete=models.RESTRICT, related_name="+")
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]


class StageNote(WorkspaceScopedModel):
    """A note and an optional rating (1–5) on a candidacy at one stage."""

    candidacy = models.ForeignKey(Candidacy, on_delete=models.CASCADE, related_name="stage_notes")
    stage = models.ForeignKey(PipelineStage, on_delete=models.RESTRICT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("note"), blank=True, max_length=20000)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="stage_note_rating_1_5",
            )
        ]


class RejectionState(models.TextChoices):
    DRAFT = "draft", _("To review")
    SCHEDULED = "scheduled", _("Scheduled")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class Rejection(WorkspaceScopedModel):
    """A rejection in one of two tiers: reviewed personal feedback or the automated template.

    It stays cancellable until the message goes out; the message itself is an
    OutboundMessage queued when `send_at` comes.
    """

    candidacy = models.ForeignKey(Candidacy, on_delete=models.CASCADE, related_name="rejections")
    reason = models.ForeignKey(RejectionReason, on_delete=models.RESTRICT, related_name="+")
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices)
    feedback_notes = models.TextField(_("individual feedback"), blank=True, max_length=10000)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text"), blank=True, max_length=50000)
    state = models.CharField(
        _("state"), max_length=10, choices=RejectionState.choices, default=RejectionState.DRAFT
    )
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(
        "messaging.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("rejection")
        verbose_name_plural = _("rejections")
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one rejection per candidacy that is not cancelled: rejecting twice fails.
            models.UniqueConstraint(
                fields=["candidacy"],
                condition=~Q(state="cancelled"),
                name="uniq_live_rejection",
            ),
        ]
        indexes = [
            models.Index(
                fields=["state", "send_at"],
                name="rejection_due",
                condition=Q(state="scheduled"),
            )
        ]


class ExtractionState(models.TextChoices):
    PENDING = "pending", _("Being read")
    DONE = "done", _("Read")
    FAILED = "failed", _("Could not be read")


class CandidateDocument(WorkspaceScopedModel):
    """An uploaded CV (PDF or DOCX); the worker extracts its text for tags and search."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    candidacy = models.ForeignKey(
        Candidacy, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    file = models.FileField(upload_to="cv/%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    state = models.CharField(
        max_length=8, choices=ExtractionState.choices, default=ExtractionState.PENDING
    )
    error = models.CharField(max_length=300, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]


class IdListField(models.Field):
    """A sorted list of ids in one column: `integer[]` on PostgreSQL (GIN-indexed, see
    migration 0004), JSON text on SQLite. Lookup: `has_all` (every given id, `@>`; on
    SQLite through json_each)."""

    description = "A list of ids"

    def db_type(self, connection: Any) -> str:
        return "integer[]" if connection.vendor == "postgresql" else "text"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> list[int] | None:
        if value is None or isinstance(value, list):
            return value
        return sorted(json.loads(value))

    def to_python(self, value: Any) -> list[int]:
        if isinstance(value, str):
            return list(json.loads(value))
        return list(value or [])

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None:
            return None
        ids = sorted({int(v) for v in value})
        return ids if connection.vendor == "postgresql" else json.dumps(ids)


class _IdListLookup(models.Lookup):
    """A lookup whose right-hand side is a list of ids, never a column."""

    prepare_rhs = False
    pg_operator = ""
    sqlite_template = ""

    def _sides(self, compiler: Any, connection: Any) -> tuple[str, list[Any], list[int]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return lhs, list(lhs_params), sorted({int(v) for v in self.rhs})

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params, ids = self._sides(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} {self.pg_operator} %s::integer[]", [*params, ids]
        sql = self.sqlite_template.format(lhs=lhs)
        if sql.index("%s") < sql.index(lhs):  # the ids come first in the statement
            return sql, [json.dumps(ids), *params]
        return sql, [*params, json.dumps(ids)]


@IdListField.register_lookup
class HasAll(_IdListLookup):
    lookup_name = "has_all"
    pg_operator = "@>"
    sqlite_template = (
        "NOT EXISTS (SELECT 1 FROM json_each(%s) w WHERE w.value NOT IN"
        " (SELECT h.value FROM json_each({lhs}) h))"
    )


class ConsentState(models.TextChoices):
    """Derived from the Privacy app's consent records; kept here so pools filter fast."""

    NONE = "none", _("No consent")
    REQUESTED = "requested", _("Requested")
    GRANTED = "granted", _("Consented")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class CandidateProfile(WorkspaceScopedModel):
    """What the team knows about a person as a candidate, denormalised for pool filters.

    Career level and preferred job type are inferred from titles and answers unless set by
    hand (`*_source`); consent state mirrors the Privacy app's records.
    """

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="candidate")
    career_level = models.CharField(
        _("career level"), max_length=12, choices=CareerLevel.choices, blank=True
    )
    career_level_source = models.CharField(max_length=6, blank=True)  # "auto" | "manual"
    job_type = models.CharField(
        _("preferred job type"), max_length=16, choices=JobType.choices, blank=True
    )
    job_type_source = models.CharField(max_length=6, blank=True)
    work_mode = models.CharField(_("work mode"), max_length=8, choices=WorkMode.choices, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    reached_position = models.PositiveSmallIntegerField(default=0)
    silver_medallist = models.BooleanField(_("silver medallist"), default=False)
    last_rejected_at = models.DateTimeField(null=True, blank=True)
    consent_state = models.CharField(
        _("consent"), max_length=10, choices=ConsentState.choices, default=ConsentState.NONE
    )
    consent_expires_at = models.DateTimeField(null=True, blank=True)
    # The ids of the person's skill tags that are not removed, sorted: a copy of
    # CandidateSkill written only by tags.candidate_skill_ids_refresh, so a skill filter or
    # re-matching reads one indexed column instead of one join per skill.
    skill_ids = IdListField(default=list, blank=True, editable=False)
    # The person's contact tags, sorted: written by the database only (triggers of migration
    # 0004), because contact tags are set below this app — by contacts, imports, merges and
    # privacy. Any write of the profile row recomputes it.
    tag_ids = IdListField(default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("candidate profile")
        verbose_name_plural = _("candidate profiles")
        indexes = [
            # person last: a pool filter reads the ids from the index alone (index-only).
            models.Index(
                fields=["workspace", "consent_state", "career_level", "job_type", "person"],
                name="candidate_pool_filter",
            ),
            models.Index(fields=["workspace", "silver_medallist"], name="candidate_silver"),
        ]


class Skill(WorkspaceScopedModel):
    """A term of the workspace's skills vocabulary (copied from the shipped one, editable)."""

    name = models.CharField(_("skill"), max_length=80)
    # Other spellings in German and English ("Buchhaltung", "accounting").
    aliases = models.JSONField(_("other spellings"), default=list, blank=True)
    category = models.CharField(_("category"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="uniq_skill")]

    def __str__(self) -> str:
        return self.name


class TagSource(models.TextChoices):
    AUTO = "auto", _("set automatically")
    MANUAL = "manual", _("set by hand")


class CandidateSkill(WorkspaceScopedModel):
    """A skill tag on a person, set automatically (with its evidence) or by hand.

    A hand-removed automatic tag stays as `removed` so the next automatic pass does not put
    it back.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="candidate_skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="holders")
    source = models.CharField(max_length=6, choices=TagSource.choices)
    evidence = models.CharField(_("found in"), max_length=200, blank=True)
    removed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "skill"], name="uniq_candidate_skill")
        ]
        indexes = [
            models.Index(
                fields=["workspace", "skill", "person"],
                name="candidate_skill_filter",
                condition=Q(removed=False),
            )
        ]


class PoolKind(models.TextChoices):
    STATIC = "static", _("Static (chosen members)")
    DYNAMIC = "dynamic", _("Dynamic (saved filter)")


class TalentPool(WorkspaceScopedModel):
    """A talent pool: chosen members, or a saved filter evaluated live."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    kind = models.CharField(_("kind"), max_length=8, choices=PoolKind.choices)
    # For dynamic pools: {field: value} over the fields in pools.FILTERABLE_FIELDS only.
    filters = models.JSONField(_("filter"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("talent pool")
        verbose_name_plural = _("talent pools")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class PoolMember(WorkspaceScopedModel):
    """A person chosen into a static pool."""

    pool = models.ForeignKey(TalentPool, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="pool_memberships")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pool", "person"], name="uniq_pool_member")]
