"""Network conversations (seed 003): list, plan, prepare, hold, debrief, thanks."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kontaktpflege.applications import conversations as conv
from kontaktpflege.applications.models import Conversation, ConversationStatus
from kontaktpflege.contacts.models import Organisation, Person
from kontaktpflege.contacts.selectors import organisation_get, person_get
from kontaktpflege.core.htmx import WorkspaceRequest
from kontaktpflege.core.timeutils import user_zone
from kontaktpflege.network import selectors as network
from kontaktpflege.web.decorators import member_required, writer_required
from kontaktpflege.web.forms.conversations import (
    CONTACT_ROWS,
    DebriefForm,
    HoldForm,
    PlanForm,
    PrepareForm,
)
from kontaktpflege.web.params import int_param


@member_required
def conversation_list(request: WorkspaceRequest) -> TemplateResponse:
    """Conversations by status: planned, held (to debrief), debriefed."""
    status = request.GET.get("status", "")
    status = status if status in ConversationStatus.values else ""
    rows = list(conv.conversation_list(workspace=request.workspace, status=status)[:300])
    groups = [
        (value, label, [c for c in rows if c.status == value])
        for value, label in ConversationStatus.choices
        if not status or status == value
    ]
    context = {"groups": groups, "status": status, "statuses": ConversationStatus.choices}
    return TemplateResponse(request, "conversations/list.html", context)


def introduction_url(introducer: Person, person: Person | None, org: Organisation | None) -> str:
    """The compose page for asking an introducer to introduce me (template by the network)."""
    about = f"person:{person.pk}" if person is not None else f"organisation:{org.pk}"  # type: ignore[union-attr]
    query = urlencode({"template": "introduction_request", "about": about})
    return f"/people/{introducer.pk}/compose/?{query}"


def _introducers(
    request: WorkspaceRequest, person: Person | None, org: Organisation | None
) -> list[dict[str, Any]]:
    found = conv.introducers_for(
        request.workspace, person=person, organisation=org, user=request.user
    )
    return [{"i": i, "url": introduction_url(i.person, person, org)} for i in found[:20]]


def _warm(
    request: WorkspaceRequest, person: Person | None, org: Organisation | None
) -> dict[str, Any] | None:
    """The network's ranked warm paths (longer chains, with reasons) to the person or company."""
    if person is not None:
        intros = network.introductions_to_person(
            workspace=request.workspace, user=request.user, person=person, limit=5
        )
        about = f"person:{person.pk}"
    elif org is not None:
        intros = network.introductions_to_organisation(
            workspace=request.workspace, user=request.user, organisation=org, limit=5
        )
        about = f"organisation:{org.pk}"
    else:
        return None
    return {"intros": intros, "about": about} if intros.introducers else None


def _plan_people(request: WorkspaceRequest, person: Person | None, org: Organisation | None) -> Any:
    if person is not None:
        return [(person.pk, person.full_name)]
    return conv.plan_choices(workspace=request.workspace, organisation=org)


@writer_required
def conversation_plan(request: WorkspaceRequest) -> HttpResponse:
    """Plan a conversation, from a person or from a target company (seed 003: initiation)."""
    ws = request.workspace
    pid, oid = int_param(request.GET.get("person")), int_param(request.GET.get("organisation"))
    person = person_get(workspace=ws, pk=pid) if pid else None
    org = organisation_get(workspace=ws, pk=oid) if oid else None
    people = _plan_people(request, person, org)
    initial = {"person": person.pk} if person is not None else {}
    form = PlanForm(request.POST or None, people=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            c = conv.conversation_plan(
                workspace=ws,
                person=person_get(workspace=ws, pk=data["person"]),
                organisation=org,
                goal=data["goal"],
                planned_at=data["planned_at"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Conversation planned. Now prepare it."))
            return redirect("conversation", pk=c.pk)
    unknown = person is not None and person.last_touched_at is None
    context = {
        "form": form,
        "person": person,
        "org": org,
        "introducers": _introducers(request, person, org) if unknown or org else [],
        "warm": _warm(request, person, org) if unknown or org else None,
        "unknown": unknown,
    }
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "conversations/plan.html", context, status=status)


def _targets(request: WorkspaceRequest) -> list[tuple[int, str]]:
    return [(o.pk, o.name) for o in conv.target_companies(workspace=request.workspace)[:200]]


def _local(value: Any, request: WorkspaceRequest) -> str:
    return value.astimezone(user_zone(request.user)).strftime("%Y-%m-%dT%H:%M") if value else ""


def _page(request: WorkspaceRequest, c: Conversation, status: int = 200, **forms: Any) -> Any:
    targets = _targets(request)
    walk = [(o.pk, o.name) for o in c.target_companies.all()]
    forms.setdefault(
        "prepare_form",
        PrepareForm(
            targets=targets,
            initial={
                "goal": c.goal,
                "planned_at": _local(c.planned_at, request),
                "research": c.research,
                "questions": c.questions,
                "target_companies": [pk for pk, _n in walk],
                "checklist": [k for k, v in (c.checklist or {}).items() if v],
            },
        ),
    )
    forms.setdefault("hold_form", HoldForm(initial={"held_at": _local(timezone.now(), request)}))
    forms.setdefault("debrief_form", DebriefForm(targets=walk, initial={"learned": c.learned}))
    thanks = conv.conversation_open_thanks(conversation=c)
    compose = (
        reverse("compose", args=[c.person_id])
        + "?"
        + urlencode(
            {"template": "conversation_thanks", "about": f"conversation:{c.pk}"}
            | ({"followup": thanks.pk} if thanks else {})
        )
    )
    unknown = c.status == "planned" and c.person.last_touched_at is None
    context = {
        "c": c,
        "checklist": [(k, label, (c.checklist or {}).get(k, False)) for k, label in conv.CHECKLIST],
        "thanks": thanks,
        "compose_url": compose,
        "introducers": _introducers(request, c.person, c.organisation) if unknown else [],
        "warm": _warm(request, c.person, c.organisation) if unknown else None,
        "has_targets": bool(targets),
        "contact_rows": CONTACT_ROWS,
        **forms,
    }
    return TemplateResponse(request, "conversations/detail.html", context, status=status)


@member_required
def conversation_detail(request: WorkspaceRequest, pk: int) -> TemplateResponse:
    """One conversation: preparation with the checklist, held, debrief, thanks."""
    return _page(request, conv.conversation_get(workspace=request.workspace, pk=pk))


@writer_required
@require_POST
def conversation_prepare(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Save the preparation."""
    c = conv.conversation_get(workspace=request.workspace, pk=pk)
    form = PrepareForm(request.POST, targets=_targets(request))
    if form.is_valid():
        data = form.cleaned_data
        try:
            conv.conversation_prepare(
                conversation=c,
                goal=data["goal"],
                research=data["research"],
                questions=data["questions"],
                target_company_ids=data["target_companies"],
                checklist=data["checklist"],
                planned_at=data["planned_at"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Preparation saved."))
            return redirect("conversation", pk=c.pk)
    c.refresh_from_db()
    return _page(request, c, status=400, prepare_form=form)


@writer_required
@require_POST
def conversation_hold(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Mark it held; the meeting is logged in the person's timeline."""
    c = conv.conversation_get(workspace=request.workspace, pk=pk)
    form = HoldForm(request.POST)
    if form.is_valid():
        try:
            conv.conversation_hold(
                conversation=c, held_at=form.cleaned_data["held_at"], user=request.user
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Held and logged. Debrief it while it is fresh."))
            return redirect(reverse("conversation", args=[c.pk]) + "#debrief")
    return _page(request, c, status=400, hold_form=form)


def _debrief_input(form: DebriefForm) -> tuple[list[conv.NewContact], list[conv.InsightIn]]:
    data = form.cleaned_data
    contacts = [
        conv.NewContact(
            data[f"contact_{i}_name"], data[f"contact_{i}_email"], data[f"contact_{i}_organisation"]
        )
        for i in range(1, CONTACT_ROWS + 1)
    ]
    insights = [conv.InsightIn(pk, data[f"insight_{pk}"]) for pk, _name in form.targets]
    return contacts, insights


@writer_required
@require_POST
def conversation_debrief(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Debrief: what I learned, new contacts, insights for target companies."""
    c = conv.conversation_get(workspace=request.workspace, pk=pk)
    form = DebriefForm(request.POST, targets=[(o.pk, o.name) for o in c.target_companies.all()])
    if form.is_valid():
        contacts, insights = _debrief_input(form)
        try:
            conv.conversation_debrief(
                conversation=c,
                learned=form.cleaned_data["learned"],
                new_contacts=contacts,
                insights=insights,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Debrief saved. Now say thank you."))
            return redirect(reverse("conversation", args=[c.pk]) + "#thanks")
    c.refresh_from_db()
    return _page(request, c, status=400, debrief_form=form)


@writer_required
@require_POST
def conversation_thanked(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """I thanked them another way (a call, a card)."""
    c = conv.conversation_get(workspace=request.workspace, pk=pk)
    try:
        conv.conversation_mark_thanked(conversation=c)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Marked as thanked."))
    return redirect("conversation", pk=c.pk)


@writer_required
def conversation_delete(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Delete after confirmation; people and touchpoints stay."""
    c = conv.conversation_get(workspace=request.workspace, pk=pk)
    if request.method == "POST":
        conv.conversation_delete(conversation=c)
        messages.success(request, _("Conversation deleted."))
        return redirect("conversations")
    return TemplateResponse(request, "conversations/confirm_delete.html", {"c": c})


urlpatterns = [
    path("conversations/", conversation_list, name="conversations"),
    path("conversations/new/", conversation_plan, name="conversation_plan"),
    path("conversations/<int:pk>/", conversation_detail, name="conversation"),
    path("conversations/<int:pk>/prepare/", conversation_prepare, name="conversation_prepare"),
    path("conversations/<int:pk>/hold/", conversation_hold, name="conversation_hold"),
    path("conversations/<int:pk>/debrief/", conversation_debrief, name="conversation_debrief"),
    path("conversations/<int:pk>/thanked/", conversation_thanked, name="conversation_thanked"),
    path("conversations/<int:pk>/delete/", conversation_delete, name="conversation_delete"),
]
