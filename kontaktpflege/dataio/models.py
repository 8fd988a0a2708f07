"""Imports, remembered column mappings, import keys, merges and dismissed duplicates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kontaktpflege.core.models import WorkspaceScopedModel


class ImportFormat(models.TextChoices):
    AUTO = "auto", _("Detect automatically")
    LINKEDIN = "linkedin", _("LinkedIn connections (CSV)")
    GOOGLE = "google", _("Google Contacts (CSV)")
    OUTLOOK = "outlook", _("Outlook (CSV)")
    VCARD = "vcard", _("vCard (.vcf)")
    EXCEL_CSV = "excel_csv", _("Excel CSV (semicolons)")
    XLSX = "xlsx", _("Excel workbook (.xlsx)")
    GENERIC_CSV = "generic_csv", _("Other CSV (choose the columns)")


class ImportState(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    PARSING = "parsing", _("Reading the file")
    NEEDS_MAPPING = "needs_mapping", _("Needs column mapping")
    PREVIEWED = "previewed", _("Ready to import")
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


def _upload_path(instance: ImportJob, filename: str) -> str:
    return f"imports/{instance.workspace_id}/{filename[-80:]}"


class ImportJob(WorkspaceScopedModel):
    """One uploaded file on its way through preview, confirmation and the import itself."""

    file = models.FileField(upload_to=_upload_path, max_length=300)
    filename = models.CharField(max_length=200)
    format = models.CharField(max_length=20, choices=ImportFormat.choices, default="auto")
    state = models.CharField(max_length=20, choices=ImportState.choices, default="uploaded")
    mapping = models.JSONField(default=dict, blank=True)
    # The country of phone numbers without a country code ("" keeps them as written).
    phone_country = models.CharField(max_length=2, blank=True, default="")
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    # {"new": n, "updated": n, "duplicate": n, "invalid": n, "possible_duplicate": n}
    counts = models.JSONField(default=dict, blank=True)
    # [{"row": 12, "problems": ["…"]}, …] in plain words, capped.
    problems = models.JSONField(default=list, blank=True)
    # The first rows as they will be stored (services.preview_rows), shown before confirming.
    preview = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.state == ImportState.DONE else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def is_active(self) -> bool:
        return self.state in (ImportState.QUEUED, ImportState.RUNNING)


class ImportKey(WorkspaceScopedModel):
    """A fingerprint of one imported source row, so the same row never creates a second person."""

    key = models.CharField(max_length=64)
    person = models.ForeignKey(
        "contacts.Person", on_delete=models.CASCADE, related_name="import_keys"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="uniq_import_key"),
        ]


class ColumnMapping(WorkspaceScopedModel):
    """A column mapping the user chose for a CSV header, remembered for the next file."""

    signature = models.CharField(max_length=64)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "signature"], name="uniq_mapping"),
        ]


class DuplicateDismissal(WorkspaceScopedModel):
    """Two people the user said are not the same (stored with the lower id first)."""

    person_a = models.ForeignKey("contacts.Person", on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey("contacts.Person", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="uniq_dismissal"),
        ]


class MergeLog(WorkspaceScopedModel):
    """A merge of two people with the snapshot needed to undo it."""

    kept_person = models.ForeignKey(
        "contacts.Person", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_person_id = models.BigIntegerField()
    removed_name = models.CharField(max_length=210)
    snapshot = models.JSONField(default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
