"""Activating dormant contacts (seed 004): the guided flow that starts on Reactivate."""

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

from kontaktpflege.applications import activation as act
from kontaktpflege.applications.models import Activation
from kontaktpflege.contacts.models import Person
from kontaktpflege.contacts.selectors import person_get
from kontaktpflege.core.htmx import WorkspaceRequest
from kontaktpflege.followups.services import workspace_today
from kontaktpflege.web.decorators import member_required, writer_required
from kontaktpflege.web.forms.conversations import (
    ActivationDoneForm,
    ActivationGoalForm,
    MeetingForm,
)

# The detail page holds the goal form and the done form, both with a circle: distinct ids.
GOAL_IDS = "goal_%s"


def _candidate(request: WorkspaceRequest, person: Person) -> act.Candidate | None:
    found = act.activation_candidates(
        workspace=request.workspace, user=request.user, now=timezone.now(), limit=1000
    )
    return next((c for c in found if c.person.pk == person.pk), None)


@writer_required
def activation_start(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Step 2, the goal and the help offered first."""
    person = person_get(workspace=request.workspace, pk=pk)
    suggestion = act.offer_suggestion(person)
    form = ActivationGoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            activation = act.activation_start(
                workspace=request.workspace, person=person, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return redirect("activation", pk=activation.pk)
    context = {
        "person": person,
        "candidate": _candidate(request, person),
        "suggestion": suggestion,
        "form": form,
        "open": act.open_activation_for(person=person),
    }
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "activation/start.html", context, status=status)


def _page(request: WorkspaceRequest, a: Activation, status: int = 200, **forms: Any) -> Any:
    person = a.person
    initial = {"goal": a.goal, "offer": a.offer, "circle": a.circle}
    forms.setdefault("goal_form", ActivationGoalForm(initial=initial, auto_id=GOAL_IDS))
    forms.setdefault("meeting_form", MeetingForm(initial={"meeting_on": a.meeting_on}))
    forms.setdefault("done_form", ActivationDoneForm(initial={"circle": a.circle}))
    query = urlencode({"template": "activation_opener", "about": f"activation:{a.pk}"})
    context = {
        "a": a,
        "person": person,
        "starters": act.starters_for(person),
        "suggestion": act.offer_suggestion(person),
        "compose_url": reverse("compose", args=[person.pk]) + "?" + query,
        "today": workspace_today(request.workspace),
        **forms,
    }
    return TemplateResponse(request, "activation/detail.html", context, status=status)


@member_required
def activation_detail(request: WorkspaceRequest, pk: int) -> TemplateResponse:
    """Steps 3–5: starters, the drafted message, the meeting, back into a circle."""
    return _page(request, act.activation_get(workspace=request.workspace, pk=pk))


@writer_required
@require_POST
def activation_goal(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Change the goal or the help offered."""
    a = act.activation_get(workspace=request.workspace, pk=pk)
    form = ActivationGoalForm(request.POST, auto_id=GOAL_IDS)
    if form.is_valid():
        try:
            act.activation_update(activation=a, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("activation", pk=a.pk)
    return _page(request, a, status=400, goal_form=form)


@writer_required
@require_POST
def activation_meeting(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Plan the meeting: it is due on Today on its day."""
    a = act.activation_get(workspace=request.workspace, pk=pk)
    form = MeetingForm(request.POST)
    if form.is_valid():
        try:
            act.activation_plan_meeting(activation=a, meeting_on=form.cleaned_data["meeting_on"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Meeting planned: it shows on Today on its day."))
            return redirect("activation", pk=a.pk)
    return _page(request, a, status=400, meeting_form=form)


@writer_required
@require_POST
def activation_done(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Log the conversation; the person returns to the chosen circle."""
    a = act.activation_get(workspace=request.workspace, pk=pk)
    form = ActivationDoneForm(request.POST)
    if form.is_valid():
        try:
            act.activation_complete(activation=a, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            a.person.refresh_from_db()
            messages.success(
                request,
                _("Logged. %(name)s is back in your circle “%(circle)s”.")
                % {"name": a.person.full_name, "circle": a.person.get_circle_display()},
            )
            return redirect("person", pk=a.person_id)
    return _page(request, a, status=400, done_form=form)


urlpatterns = [
    path("reactivate/<int:pk>/activate/", activation_start, name="activation_start"),
    path("activations/<int:pk>/", activation_detail, name="activation"),
    path("activations/<int:pk>/goal/", activation_goal, name="activation_goal"),
    path("activations/<int:pk>/meeting/", activation_meeting, name="activation_meeting"),
    path("activations/<int:pk>/done/", activation_done, name="activation_done"),
]
