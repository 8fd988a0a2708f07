"""Import and export: upload → preview → confirm → progress; duplicates, merge, undo."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from kontaktpflege.contacts import selectors as contact_selectors
from kontaktpflege.core.htmx import WorkspaceRequest, render_page
from kontaktpflege.dataio import exporters, merge, services
from kontaktpflege.dataio import selectors as dataio_selectors
from kontaktpflege.dataio.backup import backup_chunks
from kontaktpflege.dataio.duplicates import possible_duplicates
from kontaktpflege.dataio.models import ImportFormat, ImportState
from kontaktpflege.web.decorators import member_required, owner_required, writer_required
from kontaktpflege.web.forms.dataio import MappingForm, MergeForm, UploadForm
from kontaktpflege.web.params import ParamError, person_filters


@member_required
def dataio(request: WorkspaceRequest) -> TemplateResponse:
    """Import, export and backup in one place."""
    context = {
        "form": UploadForm(),
        "jobs": dataio_selectors.import_jobs_recent(workspace=request.workspace),
        "export_query": request.GET.urlencode(),
        "max_mb": round(services.import_max_bytes() / 1024 / 1024),
    }
    return TemplateResponse(request, "dataio/home.html", context)


@writer_required
@require_POST
def import_upload(request: WorkspaceRequest) -> HttpResponse:
    """Store an upload and go to its page, where the worker's preview appears."""
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_job_create(
                workspace=request.workspace,
                user=request.user,
                data=upload,
                filename=upload.name,
                fmt=form.cleaned_data["format"],
                phone_country=form.cleaned_data["phone_country"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return redirect("import_preview", pk=job.pk)
    context = {
        "form": form,
        "jobs": dataio_selectors.import_jobs_recent(workspace=request.workspace),
        "max_mb": round(services.import_max_bytes() / 1024 / 1024),
    }
    return TemplateResponse(request, "dataio/home.html", context, status=400)


@member_required
def import_preview(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """The page of an upload: "reading the file" while the worker parses it (htmx polls, a
    refresh without JavaScript), then counts of new, updated, duplicate and invalid rows,
    problems per row and confirm."""
    job = dataio_selectors.import_job_get(workspace=request.workspace, pk=pk)
    if job.state == ImportState.PARSING:
        return render_page(request, "dataio/parsing.html", {"job": job}, partial="status")
    if request.htmx:
        # The poll of the "reading" page: the preview (or the reason) is ready; load it whole.
        return HttpResponseClientRedirect(request.path)
    if job.state == ImportState.NEEDS_MAPPING:
        return redirect("import_mapping", pk=job.pk)
    if job.state != ImportState.PREVIEWED:
        return redirect("import_progress", pk=job.pk)
    context = {
        "job": job,
        "can_map": job.format != ImportFormat.VCARD,
        "outcome": dataio_selectors.import_rows_by_outcome(job=job),
    }
    return TemplateResponse(request, "dataio/preview.html", context)


@writer_required
def import_mapping(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Choose which column holds what; the choice is remembered for this header."""
    job = dataio_selectors.import_job_get(workspace=request.workspace, pk=pk)
    if job.state not in (ImportState.NEEDS_MAPPING, ImportState.PREVIEWED):
        return redirect("import_progress", pk=job.pk)
    if job.format == ImportFormat.VCARD:  # a vCard has properties, not columns
        return redirect("import_preview", pk=job.pk)
    form = MappingForm(
        request.POST or None,
        headers=list(job.mapping.get("headers", [])),
        initial_map=job.mapping.get("columns", {}),
        samples=list(job.mapping.get("samples", [])),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.import_mapping_set(
                job=job, columns=form.columns(), remember=form.cleaned_data["remember"]
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return redirect("import_preview", pk=job.pk)
    return TemplateResponse(request, "dataio/mapping.html", {"job": job, "form": form})


@writer_required
@require_POST
def import_confirm(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Start the import in the background."""
    job = dataio_selectors.import_job_get(workspace=request.workspace, pk=pk)
    try:
        services.import_confirm(job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("import_progress", pk=job.pk)


@member_required
def import_progress(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """The progress bar (htmx polls it; without JavaScript a refresh link) and the result."""
    job = dataio_selectors.import_job_get(workspace=request.workspace, pk=pk)
    if job.state == ImportState.PARSING:
        return redirect("import_preview", pk=job.pk)
    context = {"job": job, "outcome": dataio_selectors.import_rows_by_outcome(job=job)}
    return render_page(request, "dataio/progress.html", context, partial="status")


@writer_required
@require_http_methods(["GET", "POST"])
def import_cancel(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Discard an import not yet started (after a confirmation page), or stop a running one
    after its current chunk (what is imported stays)."""
    job = dataio_selectors.import_job_get(workspace=request.workspace, pk=pk)
    unconfirmed = job.state in services.UNCONFIRMED
    if unconfirmed and not (request.method == "POST" and request.POST.get("confirm") == "1"):
        return TemplateResponse(request, "dataio/discard.html", {"job": job})
    if request.method != "POST":
        return redirect("import_progress", pk=job.pk)
    services.import_cancel(job=job)
    if unconfirmed:
        messages.info(request, _("The import was discarded and its file deleted."))
        return redirect("dataio")
    messages.info(request, _("The import is being stopped."))
    return redirect("import_progress", pk=job.pk)


@member_required
def export_people(request: WorkspaceRequest) -> HttpResponse:
    """The people list, with the same filters, as CSV, XLSX or vCard."""
    fmt = request.GET.get("format", "csv")
    try:
        filters = person_filters(request)
    except ParamError as exc:
        return exc.response()
    qs = contact_selectors.person_list(workspace=request.workspace, filters=filters)
    people = exporters.people_for_export(qs).iterator(chunk_size=2000)
    stamp = dt.date.today().isoformat()  # noqa: DTZ011 - only a file name
    export = exporters.export_people(people, fmt, stamp)
    response: HttpResponse | StreamingHttpResponse
    if isinstance(export.content, bytes):
        response = HttpResponse(export.content, content_type=export.content_type)
    else:
        response = StreamingHttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return cast(HttpResponse, response)  # streaming responses serve like any other


@owner_required
def backup_download(request: WorkspaceRequest) -> HttpResponse:
    """The full JSON backup of the workspace (owners only)."""
    stamp = dt.date.today().isoformat()  # noqa: DTZ011 - only a file name
    response = FileResponse(
        iter(chunk.encode() for chunk in backup_chunks(workspace=request.workspace)),
        content_type="application/json",
    )
    response["Content-Disposition"] = f'attachment; filename="kontaktpflege-backup-{stamp}.json"'
    return cast(HttpResponse, response)


@member_required
def duplicates(request: WorkspaceRequest) -> TemplateResponse:
    """Possible duplicates with score and reason, and recent merges to undo."""
    pairs = possible_duplicates(workspace=request.workspace, limit=100)
    ids = {p.a for p in pairs} | {p.b for p in pairs}
    people = {
        p.pk: p
        for p in contact_selectors.person_list(
            workspace=request.workspace, filters=contact_selectors.PersonFilters()
        ).filter(pk__in=ids)
    }
    rows = [(p, people.get(p.a), people.get(p.b)) for p in pairs]
    context = {
        "rows": [r for r in rows if r[1] and r[2]],
        "merges": dataio_selectors.merges_recent(workspace=request.workspace),
    }
    return TemplateResponse(request, "dataio/duplicates.html", context)


def _same_person() -> HttpResponse:
    return HttpResponseBadRequest(
        _("That is the same person twice; choose two different people."),
        content_type="text/plain; charset=utf-8",
    )


@writer_required
def merge_people(request: WorkspaceRequest, keep: int, remove: int) -> HttpResponse:
    """Side by side: pick each field; everything else of both people is kept."""
    if keep == remove:
        return _same_person()
    people = contact_selectors.people_by_ids(workspace=request.workspace, ids=[keep, remove])
    by_id = {p.pk: p for p in people}
    kept, removed = by_id[keep], by_id[remove]
    form = MergeForm(request.POST or None, keep=kept, remove=removed)
    if request.method == "POST" and form.is_valid():
        try:
            merge.person_merge(keep=kept, remove=removed, choices=form.choices(), user=request.user)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Merged. You can undo this on the duplicates page."))
            return redirect("person", pk=kept.pk)
    context = {"form": form, "keep": kept, "remove": removed}
    return TemplateResponse(request, "dataio/merge.html", context)


@writer_required
@require_POST
def duplicate_dismiss(request: WorkspaceRequest, a: int, b: int) -> HttpResponse:
    """Not the same person: stop suggesting the pair."""
    if a == b:
        return _same_person()
    first, second = contact_selectors.people_by_ids(workspace=request.workspace, ids=[a, b])
    merge.duplicate_dismiss(a=first, b=second)
    return redirect("duplicates")


@writer_required
@require_POST
def merge_undo(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Split a merged person back into the two people they were."""
    log = dataio_selectors.merge_log_get(workspace=request.workspace, pk=pk)
    try:
        merge.merge_undo(log=log)
        messages.success(request, _("The merge was undone."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("duplicates"))


urlpatterns = [
    path("data/", dataio, name="dataio"),
    path("data/import/", import_upload, name="import_upload"),
    path("data/import/<int:pk>/", import_preview, name="import_preview"),
    path("data/import/<int:pk>/mapping/", import_mapping, name="import_mapping"),
    path("data/import/<int:pk>/confirm/", import_confirm, name="import_confirm"),
    path("data/import/<int:pk>/progress/", import_progress, name="import_progress"),
    path("data/import/<int:pk>/cancel/", import_cancel, name="import_cancel"),
    path("data/export/", export_people, name="export_people"),
    path("data/backup/", backup_download, name="backup_download"),
    path("data/duplicates/", duplicates, name="duplicates"),
    path("data/merge/<int:keep>/<int:remove>/", merge_people, name="merge_people"),
    path("data/duplicates/<int:a>/<int:b>/dismiss/", duplicate_dismiss, name="duplicate_dismiss"),
    path("data/merges/<int:pk>/undo/", merge_undo, name="merge_undo"),
]
