"""Data subject requests (export, erasure with verification and approval), legal holds, and
the retention dry-run report, under /privacy/."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kontaktpflege.core.htmx import WorkspaceRequest
from kontaktpflege.privacy import dsr, retention, services
from kontaktpflege.privacy.models import RequestKind
from kontaktpflege.web.decorators import member_required, writer_required
from kontaktpflege.web.forms.privacy import RetentionForm


def _error(request: WorkspaceRequest, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


@member_required
def request_list(request: WorkspaceRequest) -> HttpResponse:
    """The workspace's requests, newest first."""
    rows = dsr.request_list(workspace=request.workspace)[:200]
    return TemplateResponse(request, "privacy/dsr_list.html", {"rows": rows})


@writer_required
def request_new(request: WorkspaceRequest, person_id: int) -> HttpResponse:
    """Open an export or erasure request about a person; set or release a legal hold."""
    person = dsr.person_for_request(workspace=request.workspace, pk=person_id)
    if request.method == "POST":
        try:
            found = dsr.request_create(
                person=person,
                kind=request.POST.get("kind", ""),
                user=request.user,
                note=request.POST.get("note", ""),
            )
        except ValidationError as error:
            _error(request, error)
        else:
            return redirect("privacy_request", pk=found.pk)
    context = {
        "person": person,
        "kinds": RequestKind.choices,
        "holds": person.legal_holds.all(),
        "anonymised": hasattr(person, "anonymisation"),
    }
    return TemplateResponse(request, "privacy/dsr_new.html", context)


@member_required
def request_detail(request: WorkspaceRequest, pk: int) -> HttpResponse:
    found = dsr.request_get(workspace=request.workspace, pk=pk)
    is_owner = request.membership.role == "owner"  # type: ignore[attr-defined]
    context = {"dsr": found, "is_owner": is_owner, "can_write": request.membership.can_write}  # type: ignore[attr-defined]
    return TemplateResponse(request, "privacy/dsr_detail.html", context)


@require_POST
@writer_required
def request_step(request: WorkspaceRequest, pk: int, step: str) -> HttpResponse:
    """Verify, approve or reject a request (each step at most once)."""
    if step not in ("verify", "approve", "reject"):
        raise Http404
    found = dsr.request_get(workspace=request.workspace, pk=pk)
    role = request.membership.role  # type: ignore[attr-defined]
    try:
        if step == "verify":
            dsr.request_verify(dsr=found, user=request.user)
        elif step == "approve":
            dsr.request_approve(dsr=found, user=request.user, role=role)
        else:
            dsr.request_reject(dsr=found, user=request.user)
    except ValidationError as error:
        _error(request, error)
    return redirect("privacy_request", pk=found.pk)


@writer_required
def person_export(request: WorkspaceRequest, person_id: int, fmt: str) -> HttpResponse:
    """Everything about a person as a readable page or a JSON download (audit-logged)."""
    if fmt not in ("html", "json"):
        raise Http404
    person = dsr.person_for_request(workspace=request.workspace, pk=person_id)
    data = dsr.person_export_record(person=person, user=request.user)
    if fmt == "json":
        body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="person-{person.pk}.json"'
        return response
    return TemplateResponse(request, "privacy/dsr_export.html", {"person": person, "data": data})


@require_POST
@writer_required
def hold_set(request: WorkspaceRequest, person_id: int) -> HttpResponse:
    person = dsr.person_for_request(workspace=request.workspace, pk=person_id)
    try:
        retention.legal_hold_set(
            person=person, reason=request.POST.get("reason", ""), user=request.user
        )
    except ValidationError as error:
        _error(request, error)
    return redirect("privacy_request_new", person_id=person.pk)


@require_POST
@writer_required
def hold_release(request: WorkspaceRequest, person_id: int, pk: int) -> HttpResponse:
    person = dsr.person_for_request(workspace=request.workspace, pk=person_id)
    try:
        retention.legal_hold_release(person=person, pk=pk, user=request.user)
    except ValidationError as error:
        _error(request, error)
    return redirect("privacy_request_new", person_id=person.pk)


@member_required
def retention_page(request: WorkspaceRequest) -> HttpResponse:
    """What the daily retention job would anonymise now (nothing is changed); an owner's
    POST sets the workspace's retention period."""
    is_owner = request.membership.role == "owner"  # type: ignore[attr-defined]
    found = services.privacy_settings_ensure(workspace=request.workspace)
    form = RetentionForm(initial={"retention_months": found.retention_months})
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied
        form = RetentionForm(request.POST)
        if _save_retention(request, form):
            return redirect("privacy_retention")
    report = retention.retention_report(workspace=request.workspace, include_not_due=True)
    context = {"report": report, "form": form, "is_owner": is_owner}
    return TemplateResponse(request, "privacy/dsr_retention.html", context)


def _save_retention(request: WorkspaceRequest, form: RetentionForm) -> bool:
    if not form.is_valid():
        return False
    try:
        services.privacy_retention_save(
            workspace=request.workspace,
            months=form.cleaned_data["retention_months"],
            user=request.user,
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return False
    messages.success(request, _("Retention period saved."))
    return True


@login_required
def account_page(request: WorkspaceRequest) -> HttpResponse:
    """A personal user's own data: download everything, or delete the whole account."""
    error = ""
    if request.method == "POST":
        try:
            dsr.account_delete(user=request.user, password=request.POST.get("password", ""))
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            logout(request)
            return redirect("/")
    context = {
        "error": error,
        "blockers": dsr.account_blockers(user=request.user),
        "is_owner": getattr(request, "membership", None) is not None
        and request.membership.role == "owner",  # type: ignore[attr-defined]
    }
    return TemplateResponse(request, "privacy/dsr_account.html", context)


urlpatterns = [
    path("privacy/account/", account_page, name="privacy_account"),
    path("privacy/requests/", request_list, name="privacy_requests"),
    path("privacy/requests/new/<int:person_id>/", request_new, name="privacy_request_new"),
    path("privacy/requests/<int:pk>/", request_detail, name="privacy_request"),
    path(
        "privacy/requests/<int:pk>/<str:step>/",
        request_step,
        name="privacy_request_step",
    ),
    path(
        "privacy/requests/export/<int:person_id>/<str:fmt>/",
        person_export,
        name="privacy_export",
    ),
    path("privacy/requests/hold/<int:person_id>/", hold_set, name="privacy_hold_set"),
    path(
        "privacy/requests/hold/<int:person_id>/<int:pk>/release/",
        hold_release,
        name="privacy_hold_release",
    ),
    path("privacy/retention/", retention_page, name="privacy_retention"),
]
