"""Writes of the import flow: upload → preview (read by the worker) → (mapping) → confirm →
background import."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.contacts.validation import check_phone_country
from kontaktpflege.core.memory import collector_paused
from kontaktpflege.dataio import bulk
from kontaktpflege.dataio.duplicates import build_index
from kontaktpflege.dataio.importers import parse_file
from kontaktpflege.dataio.importers.base import FIELD_LABELS, SETTERS
from kontaktpflege.dataio.importers.generic_csv import header_signature
from kontaktpflege.dataio.models import ColumnMapping, ImportFormat, ImportJob, ImportState
from kontaktpflege.dataio.pipeline import Plan, plan_rows
from kontaktpflege.dataio.rows import ParseResult

MAX_PROBLEMS = 500
PREVIEW_ROWS = 20
# Formats whose reader takes a column mapping; others are read as generic CSV once mapped.
MAPPABLE = ("xlsx", "excel_csv", "generic_csv", "linkedin")
logger = logging.getLogger(__name__)


def import_max_bytes() -> int:
    """The largest file an import accepts (KP_IMPORT_MAX_BYTES, default the upload limit)."""
    return int(getattr(settings, "IMPORT_MAX_BYTES", settings.DATA_UPLOAD_MAX_MEMORY_SIZE))


def check_size(size: int) -> None:
    """Refuse a file above the limit before anything reads it."""
    limit = import_max_bytes()
    if size > limit:
        raise ValidationError(
            _("The file is %(size)s MB; imports take at most %(limit)s MB.")
            % {"size": round(size / 1024 / 1024, 1), "limit": round(limit / 1024 / 1024, 1)}
        )


def _remembered_mapping(workspace: Workspace, headers: list[str]) -> dict[str, str] | None:
    if not any(headers):  # a file without a header: its width says nothing about its columns
        return None
    saved = ColumnMapping.objects.filter(
        workspace=workspace, signature=header_signature(headers)
    ).first()
    return dict(saved.mapping) if saved else None


def parse_upload(
    *, workspace: Workspace, data: bytes, filename: str, fmt: str, mapping: dict[str, str] | None
) -> ParseResult:
    """Parse with the given mapping, else the alias table, else a mapping remembered for
    these columns."""
    check_size(len(data))
    result = parse_file(data, filename=filename, fmt=fmt, mapping=mapping)
    if result.needs_mapping and mapping is None:
        remembered = _remembered_mapping(workspace, result.headers)
        if remembered:
            result = parse_file(data, filename=filename, fmt=result.format, mapping=remembered)
    if not result.rows and not result.needs_mapping:
        raise ValidationError(_("The file holds no contacts (only a header or empty lines)."))
    return result


def build_plan(
    *, workspace: Workspace, result: ParseResult, phone_country: str = ""
) -> tuple[Plan, Any]:
    """Validate and match the rows against the workspace."""
    index = build_index(workspace)
    plan = plan_rows(result.rows, index, phone_country=phone_country)
    bulk.resolve_plan(plan, index)
    return plan, index


def plan_problems(plan: Plan) -> list[dict[str, Any]]:
    """Per-row problems and notes in plain words, capped for storage."""
    out: list[dict[str, Any]] = [
        {"row": line, "kind": "invalid", "problems": problems} for line, problems in plan.invalid
    ]
    for row in plan.rows:
        # "warning": a value was left out or kept as written; "note": only for information.
        kind = "warning" if row.warnings and row.action != "duplicate" else "note"
        notes = list(row.warnings)
        if row.candidate is not None:
            notes.append(
                _("Possibly the same person as someone in your network (%(reason)s, %(score)d%%).")
                % {"reason": row.candidate.reason, "score": row.candidate.score}
            )
        if row.action == "duplicate":
            notes.append(
                _("Already there (%(reason)s); nothing new.") % {"reason": row.match_reason}
            )
        if notes:
            out.append({"row": row.line, "kind": kind, "problems": notes})
    out.sort(key=lambda p: p["row"])
    return out[:MAX_PROBLEMS]


def import_job_create(
    *,
    workspace: Workspace,
    user: User | None,
    data: bytes | File,
    filename: str,
    fmt: str = "auto",
    phone_country: str = "",
) -> ImportJob:
    """Store an upload and queue its reading; the worker builds the preview.

    Nothing is parsed here: the file goes to storage outside any transaction, one row is
    written in a short transaction, and the request returns. A large file once held SQLite's
    write lock for the whole parse and starved the worker (issue #8).
    """
    if fmt not in ImportFormat.values:
        raise ValidationError({"format": _("Unknown format.")})
    phone_country = check_phone_country(phone_country)
    content = ContentFile(data) if isinstance(data, bytes) else data
    check_size(content.size)
    job = ImportJob(
        workspace=workspace,
        created_by=user,
        filename=filename[:200],
        format=fmt,
        state=ImportState.PARSING,
        phone_country=phone_country,
    )
    job.file.save(f"{timezone.now():%Y%m%d%H%M%S}-{filename[-60:]}", content, save=False)
    try:
        with transaction.atomic():
            job.save()
            _enqueue_parse(job.pk)
    except Exception:
        job.file.storage.delete(job.file.name)
        raise
    return job


def _enqueue_parse(job_id: int) -> None:
    from kontaktpflege.dataio.tasks import import_parse_task

    transaction.on_commit(lambda: import_parse_task.enqueue(job_id))


def import_parse(*, job_id: int) -> None:
    """Read a stored upload and save its preview (the background task).

    Parsing and matching run outside any transaction; the preview is saved with one UPDATE
    that applies only while the job is still being read, so a job cancelled meanwhile stays
    cancelled. A file that cannot be read ends the job as failed with the reason, and its
    upload is deleted; nothing is imported.
    """
    job = (
        ImportJob.objects.select_related("workspace", "created_by")
        .filter(pk=job_id, state=ImportState.PARSING)
        .first()
    )
    if job is None:
        return
    with translation.override(_language(job)):
        try:
            _build_preview(job)
        except ValidationError as exc:
            _parse_failed(job, " ".join(exc.messages))
            return
        except Exception:
            message = _(
                "The file could not be read because of an unexpected error; nothing was "
                "imported. Please upload it again, and tell the administrator if it happens "
                "again."
            )
            if _parse_failed(job, message):
                logger.exception("Reading import job %s failed", job.pk)
            return
    ImportJob.objects.filter(pk=job.pk, state=ImportState.PARSING).update(
        state=job.state,
        format=job.format,
        mapping=job.mapping,
        counts=job.counts,
        problems=job.problems,
        preview=job.preview,
        total_rows=job.total_rows,
        updated_at=timezone.now(),
    )


def _build_preview(job: ImportJob) -> None:
    """Parse the upload with the chosen columns (if any) and put the preview on `job`."""
    columns = job.mapping.get("columns") or None
    fmt = job.format
    if columns is not None and fmt not in MAPPABLE:
        fmt = "generic_csv"
    result = parse_upload(
        workspace=job.workspace,
        data=job_bytes(job),
        filename=job.filename,
        fmt=fmt,
        mapping=columns,
    )
    _apply_preview(job, job.workspace, result)


def _parse_failed(job: ImportJob, message: str) -> bool:
    """End a job whose file cannot be read; False when it was cancelled meanwhile."""
    now = timezone.now()
    failed = ImportJob.objects.filter(pk=job.pk, state=ImportState.PARSING).update(
        state=ImportState.FAILED, error=message, finished_at=now, updated_at=now, file=""
    )
    if failed:
        _delete_upload(job.file.name)
    return bool(failed)


def _apply_preview(job: ImportJob, workspace: Workspace, result: ParseResult) -> None:
    job.mapping = result.mapping
    if job.format == "auto":
        job.format = result.format if result.format in ImportFormat.values else "generic_csv"
    structure = {"headers": result.headers, "columns": result.mapping, "samples": result.samples}
    if result.needs_mapping:
        job.state = ImportState.NEEDS_MAPPING
        job.counts, job.problems, job.total_rows, job.preview = {}, [], 0, []
        job.mapping = structure
        return
    plan, _index = build_plan(workspace=workspace, result=result, phone_country=job.phone_country)
    job.state = ImportState.PREVIEWED
    job.total_rows = len(plan.rows) + len(plan.invalid)
    job.problems = plan_problems(plan)
    job.counts = {**plan.counts(), "with_warnings": rows_with_warnings(plan)}
    job.preview = preview_rows(result, plan)
    job.mapping = structure


def rows_with_warnings(plan: Plan) -> int:
    """Rows imported with a value left out or kept as written."""
    return sum(1 for row in plan.rows if row.warnings and row.action != "duplicate")


def preview_rows(result: ParseResult, plan: Plan) -> list[dict[str, Any]]:
    """The first rows of the file as they will be stored: name, organisation, position,
    emails, phones and birthday after cleaning, or why a row is not imported."""
    clean = {row.line: row for row in plan.rows}
    invalid = dict(plan.invalid)
    out: list[dict[str, Any]] = []
    for parsed in result.rows[:PREVIEW_ROWS]:
        row = clean.get(parsed.line)
        if row is None:  # not imported: the values as read, and why
            out.append(
                {
                    "row": parsed.line,
                    "action": "invalid",
                    "name": parsed.display_name[:200],
                    "organisation": parsed.organisation[:200],
                    "job_title": parsed.job_title[:200],
                    "emails": [e[:200] for e in parsed.emails[:5]],
                    "phones": [p[:50] for p in parsed.phones[:5]],
                    "birthday": "",
                    "connected_on": "",
                    "problems": invalid.get(parsed.line, []),
                }
            )
            continue
        fields = row.fields
        out.append(
            {
                "row": row.line,
                "action": row.action,
                "name": " ".join(
                    v
                    for v in (fields["academic_title"], fields["first_name"], fields["last_name"])
                    if v
                ),
                "organisation": row.organisation,
                "job_title": fields["job_title"],
                "emails": row.emails,
                "phones": row.phones,
                "birthday": _birthday_text(fields),
                "connected_on": (
                    date_format(row.connected_on, "SHORT_DATE_FORMAT") if row.connected_on else ""
                ),
                "problems": row.warnings,
            }
        )
    return out


def _birthday_text(fields: dict[str, Any]) -> str:
    day, month, year = fields["birthday_day"], fields["birthday_month"], fields["birthday_year"]
    if not (day and month):
        return ""
    if year:
        return date_format(dt.date(year, month, day), "SHORT_DATE_FORMAT")
    return date_format(dt.date(2000, month, day), "MONTH_DAY_FORMAT")


def job_bytes(job: ImportJob) -> bytes:
    with job.file.open("rb") as handle:
        return handle.read()


@transaction.atomic
def import_mapping_set(
    *, job: ImportJob, columns: dict[str, str], remember: bool = True
) -> ImportJob:
    """Apply the user's column mapping, remember it for this header, and queue a new preview.

    The job changes only if it still waits for a mapping or a confirmation, so a mapping sent
    from a stale tab does not touch an import that was started meanwhile.
    """
    headers = list(job.mapping.get("headers", []))
    clean = {
        k: v for k, v in columns.items() if v in SETTERS and k.isdigit() and int(k) < len(headers)
    }
    if not {"first_name", "last_name", "full_name"} & set(clean.values()):
        raise ValidationError(_("Choose which column holds the first, last or full name."))
    if job.format == ImportFormat.VCARD:
        raise ValidationError(_("A vCard file has no columns to choose."))
    claimed = ImportJob.objects.filter(
        pk=job.pk, state__in=(ImportState.NEEDS_MAPPING, ImportState.PREVIEWED)
    ).update(
        state=ImportState.PARSING,
        # The import reads the file the way the preview did (see _build_preview).
        format=job.format if job.format in MAPPABLE else ImportFormat.GENERIC_CSV,
        mapping={"headers": headers, "columns": clean, "samples": job.mapping.get("samples", [])},
        counts={},
        problems=[],
        total_rows=0,
        updated_at=timezone.now(),
    )
    job.refresh_from_db()
    if claimed != 1:
        raise ValidationError(
            _("The columns of this import cannot be changed (it is %(state)s).")
            % {"state": job.get_state_display()}
        )
    if remember and any(headers):
        ColumnMapping.objects.update_or_create(
            workspace_id=job.workspace_id,
            signature=header_signature(headers),
            defaults={"headers": headers, "mapping": clean},
        )
    _enqueue_parse(job.pk)
    return job


def mapping_choices() -> list[tuple[str, str]]:
    """Fields a column can be mapped to, for the mapping screen."""
    return [("", _("— ignore —"))] + [(k, str(v)) for k, v in FIELD_LABELS.items()]


@transaction.atomic
def import_confirm(*, job: ImportJob) -> ImportJob:
    """Queue a previewed import once; the task runs after this transaction commits.

    The state changes only if it still is "previewed" in the database, so a double click (or
    two tabs) queues one import and the second gets a clear message.
    """
    claimed = ImportJob.objects.filter(pk=job.pk, state=ImportState.PREVIEWED).update(
        state=ImportState.QUEUED, processed_rows=0, updated_at=timezone.now()
    )
    job.refresh_from_db()
    if claimed != 1:
        raise ValidationError(
            _("This import cannot be started (it is %(state)s).")
            % {"state": job.get_state_display()}
        )
    from kontaktpflege.dataio.tasks import import_run_task

    transaction.on_commit(lambda: import_run_task.enqueue(job.pk))
    return job


# Not confirmed yet: "Discard" asks first. Waiting: stopped at once, nothing imported yet.
UNCONFIRMED = (
    ImportState.UPLOADED,
    ImportState.PARSING,
    ImportState.NEEDS_MAPPING,
    ImportState.PREVIEWED,
)
WAITING = (*UNCONFIRMED, ImportState.QUEUED)


@transaction.atomic
def import_cancel(*, job: ImportJob) -> ImportJob:
    """Discard a waiting import at once (its upload is deleted); ask a running one to stop
    after its current chunk (the run deletes the upload when it ends)."""
    now = timezone.now()
    upload = job.file.name
    stopped = ImportJob.objects.filter(pk=job.pk, state__in=WAITING).update(
        state=ImportState.CANCELLED, cancel_requested=True, finished_at=now, updated_at=now, file=""
    )
    if stopped:
        _delete_upload(upload)
    else:
        ImportJob.objects.filter(pk=job.pk, state=ImportState.RUNNING).update(
            cancel_requested=True, updated_at=now
        )
    job.refresh_from_db()
    return job


def _delete_upload(name: str | None) -> None:
    """Remove a stored upload once the database no longer points at it."""
    if name:
        storage = ImportJob._meta.get_field("file").storage  # type: ignore[attr-defined]
        transaction.on_commit(lambda: storage.delete(name))


@dataclass
class ImportOutcome:
    """What an import did: counts, problems per row, whether it was cancelled."""

    counts: dict[str, int]
    problems: list[dict[str, Any]]
    cancelled: bool
    person_ids: list[int]


def import_data(
    *,
    workspace: Workspace,
    data: bytes,
    filename: str = "",
    fmt: str = "auto",
    mapping: dict[str, str] | None = None,
    user: User | None = None,
    progress: Any = None,
    chunk_size: int | None = None,
    phone_country: str = "",
) -> ImportOutcome:
    """Parse, plan and write a file (the CLI, the task and the tests share this)."""
    with collector_paused():
        return _import_data(
            workspace=workspace,
            data=data,
            filename=filename,
            fmt=fmt,
            mapping=mapping,
            user=user,
            progress=progress,
            chunk_size=chunk_size,
            phone_country=phone_country,
        )


def _import_data(
    *,
    workspace: Workspace,
    data: bytes,
    filename: str,
    fmt: str,
    mapping: dict[str, str] | None,
    user: User | None,
    progress: Any,
    chunk_size: int | None,
    phone_country: str,
) -> ImportOutcome:
    result = parse_upload(
        workspace=workspace, data=data, filename=filename, fmt=fmt, mapping=mapping
    )
    if result.needs_mapping:
        raise ValidationError(_("Which column holds the names? Choose a column mapping first."))
    plan, index = build_plan(
        workspace=workspace, result=result, phone_country=check_phone_country(phone_country)
    )
    report = bulk.write_plan(
        workspace=workspace,
        plan=plan,
        index=index,
        user=user,
        chunk_size=chunk_size,
        progress=progress,
    )
    problems = plan_problems(plan)
    problems += [{"row": line, "kind": "failed", "problems": p} for line, p in report.failed]
    if report.not_reached:
        message = _("Not imported: the import was cancelled before this row.")
        problems += [
            {"row": line, "kind": "cancelled", "problems": [message]}
            for line in report.not_reached[:100]
        ]
    counts = {**report.counts, "invalid": len(plan.invalid) + len(report.failed)}
    counts["possible_duplicate"] = plan.counts()["possible_duplicate"]
    counts["not_imported"] = len(report.not_reached)
    counts["with_warnings"] = rows_with_warnings(plan)
    return ImportOutcome(
        counts, problems[:MAX_PROBLEMS], bool(report.not_reached), report.person_ids
    )


def import_run(*, job_id: int) -> None:
    """Run a confirmed import (the background task): progress, cancel, final counts.

    Only the run that moves the job from "queued" to "running" imports (a duplicate task
    does nothing), and any error ends the job as failed with a plain message.
    """
    claimed = ImportJob.objects.filter(pk=job_id, state=ImportState.QUEUED).update(
        state=ImportState.RUNNING, updated_at=timezone.now()
    )
    if claimed != 1:
        return
    job = ImportJob.objects.select_related("workspace", "created_by").get(pk=job_id)
    with translation.override(_language(job)):
        _run_and_finish(job)


def import_recover_stale(*, older_than: dt.timedelta | None = None) -> int:
    """Start again the imports whose worker went silent (killed, machine lost); their count.

    A running import reports after every chunk; one silent for IMPORT_STALE_AFTER goes back
    to "queued" with a new task, and so does a queued one whose task was lost. The new run
    reads the whole file again: rows the dead run committed are recognised by their import
    keys (one per source row, unique in the database) and not written twice, so every row
    ends imported exactly once.
    """
    from kontaktpflege.dataio.tasks import import_run_task

    now = timezone.now()
    cutoff = now - (older_than or dt.timedelta(seconds=settings.IMPORT_STALE_AFTER))
    silent = ImportJob.objects.filter(
        state__in=(ImportState.RUNNING, ImportState.QUEUED), updated_at__lt=cutoff
    )
    recovered = 0
    for pk, state in silent.values_list("pk", "state"):
        # Conditional: of two recoveries at once, one takes the job.
        taken = ImportJob.objects.filter(pk=pk, state=state, updated_at__lt=cutoff).update(
            state=ImportState.QUEUED, updated_at=now
        )
        if taken:
            logger.warning("Import job %s: no progress since %s; starting it again", pk, cutoff)
            transaction.on_commit(partial(import_run_task.enqueue, pk))
            recovered += 1
    return recovered


def _language(job: ImportJob) -> str:
    """Messages of the worker speak the language of the user who uploaded the file."""
    return job.created_by.language if job.created_by else settings.LANGUAGE_CODE


def _run_and_finish(job: ImportJob) -> None:
    try:
        outcome = _run(job)
    except ValidationError as exc:
        _finish(job, ImportState.FAILED, error=" ".join(exc.messages))
        return
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        _finish(
            job,
            ImportState.FAILED,
            error=_(
                "The import stopped because of an unexpected error. Rows imported before it "
                "stay; please try again, and tell the administrator if it happens again."
            ),
        )
        return
    job.counts, job.problems = outcome.counts, outcome.problems
    _finish(job, ImportState.CANCELLED if outcome.cancelled else ImportState.DONE)


def _run(job: ImportJob) -> ImportOutcome:
    def progress(done: int) -> bool:
        # updated_at is the run's heartbeat: import_recover_stale restarts a silent run.
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=done, updated_at=timezone.now())
        return not ImportJob.objects.filter(pk=job.pk, cancel_requested=True).exists()

    columns = job.mapping.get("columns") or None
    return import_data(
        workspace=job.workspace,
        data=job_bytes(job),
        filename=job.filename,
        fmt=job.format,
        mapping=columns if job.format in MAPPABLE else None,
        user=job.created_by,
        progress=progress,
        phone_country=job.phone_country,
    )


def _finish(job: ImportJob, state: str, error: str = "") -> None:
    """The end of a run: final state, and the upload is no longer needed."""
    job.refresh_from_db(fields=["processed_rows", "cancel_requested"])
    job.state, job.error, job.finished_at = state, error, timezone.now()
    if state == ImportState.DONE:
        job.processed_rows = job.total_rows
    upload, job.file = job.file.name, ""  # type: ignore[assignment]
    job.save()
    _delete_upload(upload)
