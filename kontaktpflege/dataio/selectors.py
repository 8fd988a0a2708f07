"""Reads of the import/export area that check workspace access."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.contacts.models import Person
from kontaktpflege.dataio.models import ImportJob, MergeLog


def import_job_get(*, workspace: Workspace, pk: int) -> ImportJob:
    """One import of the workspace, or 404."""
    job = ImportJob.objects.filter(workspace=workspace, pk=pk).first()
    if job is None:
        raise Http404
    return job


def import_rows_by_outcome(*, job: ImportJob) -> dict[str, list[int]]:
    """Which rows (file lines) are imported with warnings and which are not imported."""
    not_imported = {"invalid", "failed", "cancelled"}
    return {
        "warnings": [p["row"] for p in job.problems if p["kind"] == "warning"],
        "not_imported": [p["row"] for p in job.problems if p["kind"] in not_imported],
    }


def import_jobs_recent(*, workspace: Workspace, limit: int = 10) -> QuerySet[ImportJob]:
    """The latest imports of a workspace."""
    return ImportJob.objects.filter(workspace=workspace).order_by("-created_at", "-id")[:limit]


def merge_log_get(*, workspace: Workspace, pk: int) -> MergeLog:
    """One merge of the workspace, or 404."""
    log = MergeLog.objects.filter(workspace=workspace, pk=pk).first()
    if log is None:
        raise Http404
    return log


def merges_recent(*, workspace: Workspace, limit: int = 10) -> QuerySet[MergeLog]:
    """The latest merges, newest first, with the kept person."""
    return (
        MergeLog.objects.filter(workspace=workspace)
        .select_related("kept_person")
        .order_by("-created_at", "-id")[:limit]
    )


def person_merges_for_export(person: Person) -> list[dict[str, Any]]:
    """The merges that folded another record into this person, for the data subject export:
    the removed record's name and the snapshot kept to undo the merge."""
    rows = MergeLog.objects.filter(kept_person=person).order_by("created_at", "pk")
    return [
        {
            "at": row.created_at.isoformat(),
            "removed_name": row.removed_name,
            "undone_at": row.undone_at.isoformat() if row.undone_at else None,
            "snapshot": row.snapshot,
        }
        for row in rows
    ]
