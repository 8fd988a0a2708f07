"""Recruiting (seed 002): openings, the board of an opening's candidacies by stage, the
candidacy with its history, notes, ratings and CVs, and the recruiting settings.

Every action is a plain form (no JavaScript needed). Viewers read; every POST checks the
role on the server (writer_required). Another workspace's ids are a 404.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from kontaktpflege.contacts.selectors import PersonFilters, person_list
from kontaktpflege.core.downloads import file_download, safe_filename
from kontaktpflege.core.htmx import WorkspaceRequest
from kontaktpflege.core.keyset import numbered_page
from kontaktpflege.recruiting import cv, selectors, services
from kontaktpflege.recruiting.models import Candidacy, OpeningStatus, StageKind
from kontaktpflege.web.decorators import member_required, writer_required
from kontaktpflege.web.forms.recruiting import (
    CandidacyNotesForm,
    CvForm,
    ExistingCandidateForm,
    LateStageForm,
    MoveForm,
    NewCandidateForm,
    NewStageForm,
    OpeningForm,
    ReasonForm,
    RecruitingSwitchForm,
    StageNameForm,
    StageNoteForm,
)

OPENING_FIELDS = list(OpeningForm.base_fields)


def _switched_on(request: WorkspaceRequest) -> bool:
    if selectors.recruiting_enabled(request.workspace):
        return True
    messages.info(request, _("Recruiting is switched off in this workspace. Switch it on here."))
    return False


# --- Openings ----------------------------------------------------------------------------


@member_required
def opening_list(request: WorkspaceRequest) -> HttpResponse:
    """The openings with their candidacy counts, newest first, filtered by status."""
    if not _switched_on(request):
        return redirect("recruiting_settings")
    status = request.GET.get("status", "")
    status = status if status in OpeningStatus.values else ""
    qs = selectors.opening_list(workspace=request.workspace, status=status)
    page = numbered_page(qs, number=request.GET.get("page"), size=25, max_pages=400)
    context = {
        "page_obj": page,
        "status": status,
        "statuses": OpeningStatus.choices,
        "querystring_base": f"status={status}&" if status else "",
    }
    return TemplateResponse(request, "recruiting/openings.html", context)


def _opening_save(request: WorkspaceRequest, form: OpeningForm, opening: Any) -> Any:
    try:
        if opening is None:
            return services.opening_create(
                workspace=request.workspace, created_by=request.user, **form.cleaned_data
            )
        return services.opening_update(opening=opening, **form.cleaned_data)
    except ValidationError as exc:
        form.add_service_errors(exc)
        return None


@writer_required
def opening_create(request: WorkspaceRequest) -> HttpResponse:
    """Open a position."""
    if not _switched_on(request):
        return redirect("recruiting_settings")
    form = OpeningForm(request.POST or None, initial={"status": OpeningStatus.OPEN})
    if request.method == "POST" and form.is_valid():
        opening = _opening_save(request, form, None)
        if opening is not None:
            messages.success(request, _("Opening created. Add the first candidates."))
            return redirect("opening", pk=opening.pk)
    return TemplateResponse(request, "recruiting/opening_form.html", {"form": form})


@writer_required
def opening_edit(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Change an opening (its status too)."""
    opening = selectors.opening_get(workspace=request.workspace, pk=pk)
    initial = {f: getattr(opening, f) for f in OPENING_FIELDS}
    initial["skills"] = ", ".join(opening.skills or [])
    form = OpeningForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _opening_save(request, form, opening):
        messages.success(request, _("Saved."))
        return redirect("opening", pk=opening.pk)
    context = {"form": form, "opening": opening}
    return TemplateResponse(request, "recruiting/opening_form.html", context)


def _move_choices(stages: list[Any]) -> list[Any]:
    """A plain move never rejects: that is the rejection workflow, with a reason."""
    return [s for s in stages if s.kind != StageKind.REJECTED]


@member_required
def opening_detail(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """The opening and its candidacies grouped by stage; the search reads CVs and notes."""
    opening = selectors.opening_get(workspace=request.workspace, pk=pk)
    q = request.GET.get("q", "")[:200].replace("\x00", "")
    columns = selectors.opening_board(opening=opening, q=q)
    context = {
        "opening": opening,
        "columns": columns,
        "total": sum(c.total for c in columns),
        "q": q,
        "move_stages": _move_choices([c.stage for c in columns]),
    }
    return TemplateResponse(request, "recruiting/opening.html", context)


@writer_required
def candidate_add(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Add a candidate: someone already in the workspace (search), or a new person."""
    opening = selectors.opening_get(workspace=request.workspace, pk=pk)
    q = request.GET.get("q", "")[:200].replace("\x00", "")
    new_form = NewCandidateForm(request.POST if request.POST.get("kind") == "new" else None)
    existing_form = ExistingCandidateForm(
        request.POST if request.POST.get("kind") == "existing" else None
    )
    if request.method == "POST":
        candidacy = _candidate_save(request, opening, new_form, existing_form)
        if candidacy is not None:
            messages.success(
                request,
                _("%(name)s is now a candidate.") % {"name": candidacy.person.full_name},
            )
            if request.POST.get("again"):
                return redirect("candidate_add", pk=opening.pk)
            return redirect("opening", pk=opening.pk)
    found = []
    if q:
        found = list(person_list(workspace=request.workspace, filters=PersonFilters(q=q))[:20])
    context = {
        "opening": opening,
        "q": q,
        "found": found,
        "new_form": new_form,
        "existing_form": existing_form,
    }
    return TemplateResponse(request, "recruiting/candidate_add.html", context)


def _candidate_save(
    request: WorkspaceRequest,
    opening: Any,
    new_form: NewCandidateForm,
    existing_form: ExistingCandidateForm,
) -> Candidacy | None:
    form = new_form if request.POST.get("kind") == "new" else existing_form
    if not form.is_valid():
        if form is existing_form:
            messages.error(request, _("Choose a person of this workspace."))
        return None
    data = dict(form.cleaned_data)
    try:
        if form is new_form:
            return services.candidate_add_new(opening=opening, by=request.user, **data)
        person = _workspace_person(request, data.pop("person"))
        return services.candidacy_create(
            opening=opening, person=person, source=data["source"], by=request.user
        )
    except ValidationError as exc:
        if form is new_form:
            form.add_service_errors(exc)
        else:
            messages.error(request, " ".join(exc.messages))
        return None


def _workspace_person(request: WorkspaceRequest, pk: int) -> Any:
    from kontaktpflege.contacts.selectors import person_get

    try:
        return person_get(workspace=request.workspace, pk=pk)
    except Http404 as exc:
        raise ValidationError({"person": _("Choose a person of this workspace.")}) from exc


# --- Candidacies -------------------------------------------------------------------------


@member_required
def candidacy_detail(request: WorkspaceRequest, pk: int) -> TemplateResponse:
    """One candidacy: the person, stage history, notes and ratings per stage, CVs."""
    candidacy = selectors.candidacy_get(workspace=request.workspace, pk=pk)
    stages = list(selectors.stages_for(request.workspace))
    notes = selectors.candidacy_notes(candidacy=candidacy)
    ratings = [n.rating for n in notes if n.rating]
    context = {
        "candidacy": candidacy,
        "person": candidacy.person,
        "history": selectors.candidacy_history(candidacy=candidacy),
        "notes": notes,
        "average_rating": round(sum(ratings) / len(ratings), 1) if ratings else None,
        "documents": selectors.candidacy_documents(candidacy=candidacy),
        "move_stages": _move_choices(stages),
        "note_form": StageNoteForm(),
        "notes_form": CandidacyNotesForm(initial={"notes": candidacy.notes}),
        "cv_form": CvForm(),
        "cv_limit_mb": cv.max_bytes() // (1024 * 1024),
    }
    return TemplateResponse(request, "recruiting/candidacy.html", context)


def _back(request: WorkspaceRequest, candidacy: Candidacy) -> str:
    if request.POST.get("back") == "board":
        return reverse("opening", args=[candidacy.opening_id]) + f"#candidacy-{candidacy.pk}"
    return reverse("candidacy", args=[candidacy.pk])


@writer_required
def candidacy_move(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Move a candidacy to another stage (a form on each card and on the candidacy)."""
    candidacy = selectors.candidacy_get(workspace=request.workspace, pk=pk)
    if request.method != "POST":
        return redirect("candidacy", pk=candidacy.pk)
    form = MoveForm(request.POST)
    stage = None
    if form.is_valid():
        stage = selectors.stage_find(workspace=request.workspace, pk=form.cleaned_data["stage"])
    if stage is None:
        messages.error(request, _("Choose one of the stages."))
        return redirect(_back(request, candidacy))
    try:
        services.candidacy_move(candidacy=candidacy, stage=stage, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_back(request, candidacy))
    messages.success(
        request,
        _("%(name)s moved to %(stage)s.")
        % {"name": candidacy.person.full_name, "stage": stage.label},
    )
    return redirect(_back(request, candidacy))


@writer_required
def candidacy_note(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Add a note and/or rating at the candidacy's current stage."""
    candidacy = selectors.candidacy_get(workspace=request.workspace, pk=pk)
    form = StageNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.stage_note_add(candidacy=candidacy, author=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Note saved."))
    elif request.method == "POST":
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("candidacy", pk=candidacy.pk)


@writer_required
def candidacy_notes_edit(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Change the candidacy's general notes."""
    candidacy = selectors.candidacy_get(workspace=request.workspace, pk=pk)
    form = CandidacyNotesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.candidacy_update(candidacy=candidacy, notes=form.cleaned_data["notes"])
        messages.success(request, _("Saved."))
    elif request.method == "POST":
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("candidacy", pk=candidacy.pk)


@writer_required
def candidacy_cv_upload(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Upload a CV; its text is read in the worker. An oversized upload is refused by its
    announced length, before the body is read."""
    candidacy = selectors.candidacy_get(workspace=request.workspace, pk=pk)
    if request.method != "POST":
        return redirect("candidacy", pk=candidacy.pk)
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > cv.max_bytes() + 64 * 1024:  # the form's other fields need a little room
        messages.error(request, cv.too_large_message(length))
        return redirect("candidacy", pk=candidacy.pk)
    form = CvForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a PDF or DOCX file."))
        return redirect("candidacy", pk=candidacy.pk)
    upload = form.cleaned_data["file"]
    try:
        cv.cv_upload(candidacy=candidacy, file=upload, filename=upload.name, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("CV uploaded. Its text is being read."))
    return redirect("candidacy", pk=candidacy.pk)


@member_required
def document_download(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """A stored CV, as a download of its own type (never shown inline)."""
    document = selectors.document_get(workspace=request.workspace, pk=pk)
    if not document.file.name or document.state == "failed":
        raise Http404
    response = file_download(
        document.file.open("rb"),
        name=safe_filename(document.original_name, suffix=cv.SUFFIXES[document.content_type]),
        content_type=document.content_type,
    )
    return cast(HttpResponse, response)  # streaming responses serve like any other


# --- Settings ----------------------------------------------------------------------------


@writer_required
def recruiting_settings(request: WorkspaceRequest) -> TemplateResponse | HttpResponse:
    """Switch recruiting on; stages (rename, reorder, add), the late stage and the reasons."""
    settings_row = selectors.recruiting_settings_get(request.workspace)
    enabled = bool(settings_row and settings_row.enabled)
    shown = (request.workspace.settings or {}).get(services.JOB_SEEKER_AREAS, True)
    form = RecruitingSwitchForm(
        request.POST or None, initial={"enabled": enabled, "job_seeker_areas": shown}
    )
    if request.method == "POST" and form.is_valid():
        services.recruiting_switch(workspace=request.workspace, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("recruiting_settings")
    stages = list(selectors.stages_for(request.workspace))
    context = {
        "form": form,
        "enabled": enabled,
        "settings_row": settings_row,
        "stages": stages,
        "active_stages": [s for s in stages if s.kind == StageKind.ACTIVE],
        "reasons": list(selectors.reasons_for(request.workspace)),
        "new_stage_form": NewStageForm(),
        "new_reason_form": ReasonForm(prefix="new", initial={"active": True}),
    }
    return TemplateResponse(request, "recruiting/settings.html", context)


def _stage(request: WorkspaceRequest, pk: int) -> Any:
    stage = selectors.stage_find(workspace=request.workspace, pk=pk)
    if stage is None:
        raise Http404
    return stage


def _settings_done(request: WorkspaceRequest, exc: ValidationError | None = None) -> HttpResponse:
    if exc is not None:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect(reverse("recruiting_settings") + "#pipeline")


@writer_required
def stage_rename(request: WorkspaceRequest, pk: int) -> HttpResponse:
    stage = _stage(request, pk)
    form = StageNameForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _settings_done(request, ValidationError(_("At most 80 characters, please.")))
    services.stage_rename(stage=stage, name=form.cleaned_data["name"])
    return _settings_done(request)


@writer_required
def stage_shift(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Move an in-progress stage one place up or down."""
    stage = _stage(request, pk)
    if request.method != "POST":
        return redirect("recruiting_settings")
    ids = [s.pk for s in selectors.stages_for(request.workspace) if s.kind == StageKind.ACTIVE]
    if stage.pk not in ids:
        return _settings_done(request, ValidationError(_("Only stages in progress move.")))
    i = ids.index(stage.pk)
    j = i - 1 if request.POST.get("direction") == "up" else i + 1
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
        services.stages_reorder(workspace=request.workspace, active_ids=ids)
    return _settings_done(request)


@writer_required
def stage_create(request: WorkspaceRequest) -> HttpResponse:
    form = NewStageForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _settings_done(request, ValidationError(_("Give the new stage a name.")))
    try:
        services.stage_add(workspace=request.workspace, name=form.cleaned_data["name"])
    except ValidationError as exc:
        return _settings_done(request, exc)
    return _settings_done(request)


@writer_required
def late_stage_set(request: WorkspaceRequest) -> HttpResponse:
    form = LateStageForm(request.POST or None)
    stage = None
    if request.method == "POST" and form.is_valid():
        stage = selectors.stage_find(
            workspace=request.workspace, pk=form.cleaned_data["late_stage"]
        )
    try:
        services.late_stage_set(workspace=request.workspace, stage=stage)
    except ValidationError as exc:
        return _settings_done(request, exc)
    return _settings_done(request)


@writer_required
def reason_create(request: WorkspaceRequest) -> HttpResponse:
    form = ReasonForm(request.POST or None, prefix="new")
    if request.method != "POST" or not form.is_valid():
        return _settings_done(request, ValidationError(_("Give the reason a text.")))
    try:
        services.reason_add(workspace=request.workspace, label=form.cleaned_data["label"])
    except ValidationError as exc:
        return _settings_done(request, exc)
    return _settings_done(request)


@writer_required
def reason_edit(request: WorkspaceRequest, pk: int) -> HttpResponse:
    reason = selectors.reasons_for(request.workspace).filter(pk=pk).first()
    if reason is None:
        raise Http404
    form = ReasonForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _settings_done(request, ValidationError(_("Give the reason a text.")))
    try:
        services.reason_update(reason=reason, **form.cleaned_data)
    except ValidationError as exc:
        return _settings_done(request, exc)
    return _settings_done(request)


urlpatterns = [
    path("recruiting/", opening_list, name="openings"),
    path("recruiting/openings/new/", opening_create, name="opening_create"),
    path("recruiting/openings/<int:pk>/", opening_detail, name="opening"),
    path("recruiting/openings/<int:pk>/edit/", opening_edit, name="opening_edit"),
    path("recruiting/openings/<int:pk>/candidates/new/", candidate_add, name="candidate_add"),
    path("recruiting/candidacies/<int:pk>/", candidacy_detail, name="candidacy"),
    path("recruiting/candidacies/<int:pk>/move/", candidacy_move, name="candidacy_move"),
    path("recruiting/candidacies/<int:pk>/note/", candidacy_note, name="candidacy_note"),
    path("recruiting/candidacies/<int:pk>/notes/", candidacy_notes_edit, name="candidacy_notes"),
    path("recruiting/candidacies/<int:pk>/cv/", candidacy_cv_upload, name="candidacy_cv"),
    path("recruiting/documents/<int:pk>/", document_download, name="candidate_document"),
    path("recruiting/settings/", recruiting_settings, name="recruiting_settings"),
    path("recruiting/settings/stages/new/", stage_create, name="recruiting_stage_create"),
    path("recruiting/settings/stages/<int:pk>/", stage_rename, name="recruiting_stage_rename"),
    path("recruiting/settings/stages/<int:pk>/shift/", stage_shift, name="recruiting_stage_shift"),
    path("recruiting/settings/late-stage/", late_stage_set, name="recruiting_late_stage"),
    path("recruiting/settings/reasons/new/", reason_create, name="recruiting_reason_create"),
    path("recruiting/settings/reasons/<int:pk>/", reason_edit, name="recruiting_reason_edit"),
]
