"""The touchpoint log: quick log from every page, full form, edit and delete."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kontaktpflege.contacts.models import Channel, Person
from kontaktpflege.contacts.selectors import people_by_ids, person_get
from kontaktpflege.core.htmx import WorkspaceRequest
from kontaktpflege.core.keyset import keyset_page
from kontaktpflege.core.timeutils import safe_localtime, user_zone
from kontaktpflege.touchpoints import selectors, services
from kontaktpflege.touchpoints.models import Touchpoint
from kontaktpflege.web.decorators import member_required, writer_required
from kontaktpflege.web.forms.touchpoints import GroupMeetingForm, QuickLogForm, TouchpointForm
from kontaktpflege.web.params import int_param, safe_next


@member_required
def touchpoints(request: WorkspaceRequest) -> TemplateResponse:
    """The workspace's log, newest first."""
    qs = selectors.touchpoint_list(workspace=request.workspace)
    page = keyset_page(qs, selectors.TOUCHPOINT_ORDER, cursor=request.GET.get("cursor"), size=50)
    return TemplateResponse(
        request, "touchpoints/list.html", {"page_obj": page, "querystring_base": ""}
    )


@writer_required
def quicklog(request: WorkspaceRequest) -> HttpResponse:
    """Log a touchpoint from one line; on a problem, show the form with the reason.

    Names nobody is called are offered for creation: a second form posts the same line and
    the same one-time token with create=1, so it works without JavaScript and a double
    click still logs once.
    """
    form = QuickLogForm(request.POST or None)
    unknown: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        people = None
        if data.get("person"):
            people = people_by_ids(workspace=request.workspace, ids=[data["person"]])
        try:
            touchpoint = services.quick_log(
                workspace=request.workspace,
                text=data["text"],
                created_by=request.user,
                people=people,
                idempotency_key=data.get("token") or "",
                create_missing=bool(data.get("create")),
            )
        except services.UnknownPeople as exc:
            form.add_service_errors(exc)
            unknown = exc.names
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            _logged_message(request, touchpoint)
            return redirect(safe_next(request, reverse("touchpoints")))
    context = {"form": form, "unknown": unknown, "unknown_names": _and(unknown)}
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "touchpoints/quicklog.html", context, status=status)


def _and(names: list[str]) -> str:
    """ "Thomas Keller", "Thomas Keller and Lea Berg", "A, B and C" in the user's language."""
    if len(names) < 2:
        return "".join(names)
    return _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def _logged_message(request: WorkspaceRequest, touchpoint: Touchpoint) -> None:
    names = ", ".join(p.full_name for p in touchpoint.participants.all())
    messages.success(
        request,
        _("Logged: %(summary)s (%(names)s)") % {"summary": touchpoint.summary, "names": names},
    )


@writer_required
def touchpoint_create(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Log a touchpoint with one person using the full form."""
    person = person_get(workspace=request.workspace, pk=pk)
    zone = user_zone(request.user)
    form = TouchpointForm(
        request.POST or None,
        initial={
            "occurred_at": timezone.now().astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
            "channel": person.preferred_channel or "meeting",
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        occurred = data["occurred_at"]  # read in the user's zone (activated by the middleware)
        try:
            services.touchpoint_log(
                workspace=request.workspace,
                participants=[person],
                summary=data["summary"],
                channel=data["channel"],
                occurred_at=occurred,
                direction=data["direction"],
                notes=data["notes"],
                give_take=data["give_take"],
                created_by=request.user,
                idempotency_key=data.get("token") or "",
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Touchpoint logged."))
            return redirect("person", pk=person.pk)
    return TemplateResponse(request, "touchpoints/form.html", {"form": form, "person": person})


def _posted_ids(request: WorkspaceRequest) -> list[int]:
    """Person ids ticked (POST) or passed in the link (?person=…), valid numbers only."""
    values = request.POST.getlist("people") if request.method == "POST" else []
    values += request.GET.getlist("person")
    return [n for n in map(int_param, values[:200]) if n]


def _group_people(request: WorkspaceRequest, form: GroupMeetingForm) -> list[Person]:
    """The people ticked and named; raises ValidationError naming what did not match."""
    ticked = people_by_ids(workspace=request.workspace, ids=form.cleaned_data["people"])
    names = form.name_list()
    if not names:
        return ticked
    found = selectors.names_resolve(workspace=request.workspace, names=names)
    if found.problems:
        raise ValidationError({"names": found.problems})
    return [*ticked, *found.people]


@writer_required
def group_meeting(request: WorkspaceRequest) -> HttpResponse:
    """Log a meeting with several people at once; it resets every participant's cadence."""
    choices = selectors.group_meeting_choices(
        workspace=request.workspace, include=_posted_ids(request)
    )
    now = timezone.now().astimezone(user_zone(request.user)).strftime("%Y-%m-%dT%H:%M")
    initial = {
        "occurred_at": now,
        "people": [n for n in map(int_param, request.GET.getlist("person")) if n],
    }
    form = GroupMeetingForm(request.POST or None, initial=initial, choices=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            people = _group_people(request, form)
            touchpoint = services.touchpoint_log(
                workspace=request.workspace,
                participants=people,
                summary=data["summary"],
                channel=Channel.GROUP_MEETING,
                occurred_at=data["occurred_at"],
                notes=data["notes"],
                created_by=request.user,
                idempotency_key=data.get("token") or "",
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            _logged_message(request, touchpoint)
            return redirect("touchpoints")
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "touchpoints/group.html", {"form": form}, status=status)


@writer_required
def touchpoint_edit(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Change when, how and what of a touchpoint; its people stay."""
    touchpoint = selectors.touchpoint_get(workspace=request.workspace, pk=pk)
    initial = {
        "occurred_at": safe_localtime(touchpoint.occurred_at).strftime("%Y-%m-%dT%H:%M"),
        **{
            f: getattr(touchpoint, f)
            for f in ("channel", "direction", "summary", "notes", "give_take")
        },
    }
    form = TouchpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            # The one-time token guards creating, not editing: an edit may be saved twice.
            fields = {k: v for k, v in form.cleaned_data.items() if k != "token"}
            services.touchpoint_update(touchpoint=touchpoint, **fields)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(safe_next(request, reverse("touchpoints")))
    context = {"form": form, "touchpoint": touchpoint, "next": safe_next(request, "")}
    return TemplateResponse(request, "touchpoints/edit.html", context)


@writer_required
def touchpoint_delete(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Delete a touchpoint after confirmation."""
    touchpoint = selectors.touchpoint_get(workspace=request.workspace, pk=pk)
    if request.method == "POST":
        services.touchpoint_delete(touchpoint=touchpoint)
        messages.success(request, _("Touchpoint deleted."))
        return redirect(safe_next(request, reverse("touchpoints")))
    context = {"touchpoint": touchpoint, "next": safe_next(request, "")}
    return TemplateResponse(request, "touchpoints/confirm_delete.html", context)


urlpatterns = [
    path("log/", touchpoints, name="touchpoints"),
    path("log/quick/", quicklog, name="quicklog"),
    path("log/group/", group_meeting, name="group_meeting"),
    path("people/<int:pk>/log/", touchpoint_create, name="touchpoint_create"),
    path("log/<int:pk>/edit/", touchpoint_edit, name="touchpoint_edit"),
    path("log/<int:pk>/delete/", touchpoint_delete, name="touchpoint_delete"),
]
