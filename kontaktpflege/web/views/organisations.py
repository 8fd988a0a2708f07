"""Organisations and the target-company list (seed 003)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from kontaktpflege.contacts import selectors, services
from kontaktpflege.contacts.models import Organisation
from kontaktpflege.core.htmx import WorkspaceRequest
from kontaktpflege.core.keyset import keyset_page
from kontaktpflege.network.selectors import introductions_to_organisation
from kontaktpflege.web.decorators import member_required, writer_required
from kontaktpflege.web.forms.organisations import OrganisationForm


@member_required
def organisations(request: WorkspaceRequest) -> TemplateResponse:
    """All organisations, or only target companies by priority."""
    target_only = request.GET.get("target") == "1"
    q = request.GET.get("q", "")[:200]
    qs = selectors.organisation_list(workspace=request.workspace, q=q, target_only=target_only)
    if target_only:  # the target list shows what network conversations taught (seed 003)
        qs = qs.prefetch_related("insights")
    order = selectors.TARGET_ORDER if target_only else selectors.ORGANISATION_ORDER
    page = keyset_page(qs, order, cursor=request.GET.get("cursor"), size=50)
    params = {k: v for k, v in (("target", "1" if target_only else ""), ("q", q)) if v}
    base = urlencode(params) + "&" if params else ""
    return TemplateResponse(
        request,
        "organisations/list.html",
        {
            "page_obj": page,
            "target_only": target_only,
            "q": q,
            "querystring_base": base,
        },
    )


def _save(
    request: WorkspaceRequest, form: OrganisationForm, org: Organisation | None
) -> Organisation | None:
    try:
        if org is None:
            return services.organisation_create(workspace=request.workspace, **form.cleaned_data)
        return services.organisation_update(organisation=org, **form.cleaned_data)
    except ValidationError as exc:
        form.add_service_errors(exc)
        return None


@writer_required
def organisation_create(request: WorkspaceRequest) -> HttpResponse:
    """Add an organisation."""
    form = OrganisationForm(
        request.POST or None, initial={"is_target": request.GET.get("target") == "1"}
    )
    if request.method == "POST" and form.is_valid():
        org = _save(request, form, None)
        if org is not None:
            return redirect("organisation", pk=org.pk)
    return TemplateResponse(request, "organisations/form.html", {"form": form, "org": None})


@member_required
def organisation_detail(request: WorkspaceRequest, pk: int) -> TemplateResponse:
    """An organisation with its people and the warm introductions into it."""
    org = selectors.organisation_get(workspace=request.workspace, pk=pk)
    return TemplateResponse(
        request,
        "organisations/detail.html",
        {
            "org": org,
            "people": selectors.organisation_people(organisation=org)[:200],
            "intros": introductions_to_organisation(
                workspace=request.workspace, user=request.user, organisation=org
            ),
            "about": f"organisation:{org.pk}",
        },
    )


@writer_required
def organisation_edit(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Edit an organisation."""
    org = selectors.organisation_get(workspace=request.workspace, pk=pk)
    initial = {f: getattr(org, f) for f in OrganisationForm.base_fields}
    form = OrganisationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _save(request, form, org):
        messages.success(request, _("Saved."))
        return redirect("organisation", pk=org.pk)
    return TemplateResponse(request, "organisations/form.html", {"form": form, "org": org})


@writer_required
def organisation_delete(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Delete an organisation after confirmation; its people stay."""
    org = selectors.organisation_get(workspace=request.workspace, pk=pk)
    if request.method == "POST":
        try:
            services.organisation_delete(organisation=org)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("organisation", pk=org.pk)
        messages.success(request, _("%(name)s was deleted.") % {"name": org.name})
        return redirect("organisations")
    return TemplateResponse(request, "organisations/confirm_delete.html", {"org": org})


urlpatterns = [
    path("organisations/", organisations, name="organisations"),
    path("organisations/new/", organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", organisation_detail, name="organisation"),
    path("organisations/<int:pk>/edit/", organisation_edit, name="organisation_edit"),
    path("organisations/<int:pk>/delete/", organisation_delete, name="organisation_delete"),
]
