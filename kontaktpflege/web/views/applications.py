"""Applications (seed 000): a board by stage, a list, the application with its contacts,
interviews, outcome and timeline. Every action is a plain form (no JavaScript needed);
static/js/applications.js adds drag and drop on the board on top of the same forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kontaktpflege.applications import selectors, services
from kontaktpflege.applications.models import Application, Interview, Stage
from kontaktpflege.contacts.models import Organisation, Person
from kontaktpflege.contacts.services import organisation_get_or_create
from kontaktpflege.core.htmx import WorkspaceRequest
from kontaktpflege.core.timeutils import local_today, user_zone
from kontaktpflege.followups.selectors import AgendaItem, agenda_item
from kontaktpflege.followups.services import workspace_today
from kontaktpflege.web.decorators import member_required, writer_required
from kontaktpflege.web.forms.applications import (
    ApplicationForm,
    ContactForm,
    InterviewForm,
    MoveForm,
    RejectForm,
)

APPLICATION_FIELDS = [f for f in ApplicationForm.base_fields if f != "organisation_name"]


@member_required
def application_board(request: WorkspaceRequest) -> TemplateResponse:
    """The board: one column per stage, cards with their next follow-up."""
    columns = selectors.application_board(workspace=request.workspace)
    return TemplateResponse(
        request,
        "applications/board.html",
        {
            "columns": columns,
            "total": sum(len(c.cards) for c in columns),
            "stages": Stage.choices,
        },
    )


@member_required
def application_list(request: WorkspaceRequest) -> TemplateResponse:
    """Every application in a table, optionally of one stage."""
    stage = request.GET.get("stage", "")
    stage = stage if stage in Stage.values else ""
    q = request.GET.get("q", "")[:200]
    apps = list(selectors.application_list(workspace=request.workspace, stage=stage, q=q)[:500])
    selectors.attach_next_followups(workspace=request.workspace, applications=apps)
    return TemplateResponse(
        request,
        "applications/list.html",
        {"applications": apps, "stage": stage, "q": q, "stages": Stage.choices},
    )


def _org_names(request: WorkspaceRequest) -> list[str]:
    return list(
        Organisation.objects.filter(workspace=request.workspace)
        .order_by("name")
        .values_list("name", flat=True)[:500]
    )


def _save(
    request: WorkspaceRequest, form: ApplicationForm, app: Application | None
) -> Application | None:
    data = dict(form.cleaned_data)
    try:
        org = organisation_get_or_create(
            workspace=request.workspace, name=data.pop("organisation_name")
        )
        data["salary_currency"] = data.get("salary_currency") or "EUR"
        if app is None:
            return services.application_create(
                workspace=request.workspace, organisation=org, **data
            )
        return services.application_update(application=app, organisation=org, **data)
    except ValidationError as exc:
        form.add_service_errors(exc)
        return None


@writer_required
def application_create(request: WorkspaceRequest) -> HttpResponse:
    """Add an application."""
    initial = {"stage": request.GET.get("stage") or Stage.SAVED}
    if request.GET.get("organisation"):
        initial["organisation_name"] = request.GET["organisation"][:200]
    form = ApplicationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        app = _save(request, form, None)
        if app is not None:
            return redirect("application", pk=app.pk)
    context = {"form": form, "app": None, "org_names": _org_names(request)}
    return TemplateResponse(request, "applications/form.html", context)


@writer_required
def application_edit(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Edit an application, its outcome and what was learned."""
    app = selectors.application_get(workspace=request.workspace, pk=pk)
    initial: dict[str, Any] = {f: getattr(app, f) for f in APPLICATION_FIELDS}
    initial["organisation_name"] = app.organisation.name
    form = ApplicationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _save(request, form, app):
        messages.success(request, _("Saved."))
        return redirect("application", pk=app.pk)
    context = {"form": form, "app": app, "org_names": _org_names(request)}
    return TemplateResponse(request, "applications/form.html", context)


@member_required
def application_detail(request: WorkspaceRequest, pk: int) -> TemplateResponse:
    """One application: contacts with roles, interviews, outcome, follow-ups, timeline."""
    app = selectors.application_get(workspace=request.workspace, pk=pk)
    people = Person.objects.filter(
        workspace=request.workspace, organisation_id=app.organisation_id
    ).order_by("last_name", "first_name")[:200]
    return TemplateResponse(
        request,
        "applications/detail.html",
        {
            "app": app,
            "contacts": list(app.application_contacts.all()),
            "interviews": list(app.interviews.all()),
            "followups": _agenda_items(request, app),
            "timeline": selectors.application_timeline(application=app),
            "contact_form": ContactForm(),
            "people_names": [p.full_name for p in people],
            "stages": Stage.choices,
        },
    )


def _agenda_items(request: WorkspaceRequest, app: Application) -> list[AgendaItem]:
    today = workspace_today(request.workspace)
    language = getattr(request.user, "language", "") or translation.get_language() or "en"
    rows = selectors.application_followups(application=app)
    return [agenda_item(row, today=today, language=language) for row in rows]


@writer_required
def application_delete(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Delete an application after confirmation; its people stay."""
    app = selectors.application_get(workspace=request.workspace, pk=pk)
    if request.method == "POST":
        services.application_delete(application=app)
        messages.success(request, _("The application was deleted."))
        return redirect("applications")
    return TemplateResponse(request, "applications/confirm_delete.html", {"app": app})


def _back(request: WorkspaceRequest, app: Application) -> str:
    """Back to the board or the application, whichever the form came from."""
    if request.POST.get("back") == "board":
        return reverse("applications") + f"#application-{app.pk}"
    return reverse("application", args=[app.pk])


@writer_required
def application_move(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Move a card to another stage (a button on the card, or drag and drop)."""
    app = selectors.application_get(workspace=request.workspace, pk=pk)
    if request.method != "POST":
        return redirect("application", pk=app.pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the stages."))
        return redirect(_back(request, app))
    stage = form.cleaned_data["stage"]
    if stage == Stage.REJECTED:
        return redirect("application_reject", pk=app.pk)  # the rejection needs its date
    try:
        services.application_move_stage(application=app, stage=stage)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_back(request, app))
    label = dict(Stage.choices)[stage]
    messages.success(
        request, _("%(position)s moved to %(stage)s.") % {"position": app.position, "stage": label}
    )
    return redirect(_back(request, app))


@writer_required
def application_reject(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Record the rejection with its date (and the feedback, if any came with it)."""
    app = selectors.application_get(workspace=request.workspace, pk=pk)
    initial = {
        "rejected_on": app.rejected_on or local_today(request.user),
        "feedback": app.feedback,
    }
    form = RejectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_reject(application=app, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                _("Rejection recorded. Ask for a short feedback call within two days."),
            )
            return redirect("application", pk=app.pk)
    return TemplateResponse(request, "applications/reject.html", {"app": app, "form": form})


@writer_required
def application_contact_add(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Add a contact with a role (found by name, or a new person at the organisation)."""
    app = selectors.application_get(workspace=request.workspace, pk=pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_contact_add_named(application=app, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Contact added."))
            return redirect("application", pk=app.pk)
    return TemplateResponse(request, "applications/contact_form.html", {"app": app, "form": form})


@writer_required
def application_contact_remove(request: WorkspaceRequest, pk: int, person_pk: int) -> HttpResponse:
    """Take a person off the application (they stay in your contacts)."""
    app = selectors.application_get(workspace=request.workspace, pk=pk)
    contact = next((c for c in app.application_contacts.all() if c.person_id == person_pk), None)
    if contact is None or request.method != "POST":
        return redirect("application", pk=app.pk)
    services.application_contact_remove(application=app, person=contact.person)
    return redirect("application", pk=app.pk)


def _interview_form(
    request: WorkspaceRequest, app: Application, interview: Interview | None
) -> InterviewForm:
    people = [(c.person_id, c.person.full_name) for c in app.application_contacts.all()]
    initial: dict[str, Any] = {}
    if interview is not None:
        local = interview.at.astimezone(user_zone(request.user))
        initial = {
            "day": local.date(),
            "time": local.time().replace(second=0, microsecond=0),
            "kind": interview.kind,
            "participants": [p.pk for p in interview.participants.all()],
            "notes": interview.notes,
            "questions": interview.questions,
        }
    else:
        initial = {"day": local_today(request.user)}
    return InterviewForm(request.POST or None, initial=initial, people=people)


def _interview_data(request: WorkspaceRequest, app: Application, data: dict[str, Any]) -> dict:
    at = dt.datetime.combine(data.pop("day"), data.pop("time"), tzinfo=user_zone(request.user))
    ids = set(data.pop("participants") or [])
    people = [c.person for c in app.application_contacts.all() if c.person_id in ids]
    return {"at": at, "participants": people, **data}


@writer_required
def interview_create(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Record an interview of the application."""
    app = selectors.application_get(workspace=request.workspace, pk=pk)
    form = _interview_form(request, app, None)
    if request.method == "POST" and form.is_valid():
        try:
            services.interview_add(
                application=app, **_interview_data(request, app, dict(form.cleaned_data))
            )
        except ValidationError as exc:
            form.add_service_errors(_on_day(exc))
        else:
            messages.success(request, _("Interview saved. Say thank you by the next day."))
            return redirect("application", pk=app.pk)
    context = {"app": app, "form": form, "interview": None}
    return TemplateResponse(request, "applications/interview_form.html", context)


def _on_day(exc: ValidationError) -> ValidationError:
    """The service's "at" is the form's date field."""
    if hasattr(exc, "error_dict") and "at" in exc.error_dict:
        exc.error_dict["day"] = exc.error_dict.pop("at")
    return exc


@writer_required
def interview_edit(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Change an interview."""
    interview = selectors.interview_get(workspace=request.workspace, pk=pk)
    app = selectors.application_get(workspace=request.workspace, pk=interview.application_id)
    form = _interview_form(request, app, interview)
    if request.method == "POST" and form.is_valid():
        try:
            services.interview_update(
                interview=interview, **_interview_data(request, app, dict(form.cleaned_data))
            )
        except ValidationError as exc:
            form.add_service_errors(_on_day(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("application", pk=app.pk)
    context = {"app": app, "form": form, "interview": interview}
    return TemplateResponse(request, "applications/interview_form.html", context)


@writer_required
def interview_delete(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Delete an interview (POST from its edit page)."""
    interview = selectors.interview_get(workspace=request.workspace, pk=pk)
    app_pk = interview.application_id
    if request.method == "POST":
        services.interview_delete(interview=interview)
        messages.success(request, _("The interview was deleted."))
    return redirect("application", pk=app_pk)


urlpatterns = [
    path("applications/", application_board, name="applications"),
    path("applications/list/", application_list, name="application_list"),
    path("applications/new/", application_create, name="application_create"),
    path("applications/<int:pk>/", application_detail, name="application"),
    path("applications/<int:pk>/edit/", application_edit, name="application_edit"),
    path("applications/<int:pk>/delete/", application_delete, name="application_delete"),
    path("applications/<int:pk>/move/", application_move, name="application_move"),
    path("applications/<int:pk>/reject/", application_reject, name="application_reject"),
    path(
        "applications/<int:pk>/contacts/", application_contact_add, name="application_contact_add"
    ),
    path(
        "applications/<int:pk>/contacts/<int:person_pk>/remove/",
        application_contact_remove,
        name="application_contact_remove",
    ),
    path("applications/<int:pk>/interviews/new/", interview_create, name="interview_create"),
    path("interviews/<int:pk>/edit/", interview_edit, name="interview_edit"),
    path("interviews/<int:pk>/delete/", interview_delete, name="interview_delete"),
]
