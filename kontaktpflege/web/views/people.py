"""People: list with search and filters, person page, edit, relationships, employment."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kontaktpflege.contacts import search, selectors, services
from kontaktpflege.contacts.models import Circle, FormOfAddress, Person
from kontaktpflege.contacts.validation import format_phone, tel_uri
from kontaktpflege.core.htmx import WorkspaceRequest, render_page
from kontaktpflege.core.keyset import KeysetPage, keyset_page, numbered_page
from kontaktpflege.recruiting.selectors import is_silver_medallist, recruiting_enabled
from kontaktpflege.touchpoints.selectors import person_timeline
from kontaktpflege.web.decorators import member_required, writer_required
from kontaktpflege.web.forms.people import (
    EmploymentForm,
    PeopleBulkForm,
    PersonForm,
    RelationshipForm,
    chosen_circles,
)
from kontaktpflege.web.fragments import (
    CSRF_PLACEHOLDER,
    FORM_TOKEN_PLACEHOLDER,
    PAGE_TIMEOUT,
    fill_tokens,
    fragment_key,
    person_page_stamp,
    profile_key,
    timeline_key,
)
from kontaktpflege.web.params import ParamError, int_param, person_filters, safe_next

PAGE_SIZE = 50
TIMELINE_PAGE = 25
MAX_CONNECTIONS = 100  # the strongest; the self node can know thousands (3,728 at M)


def _people_page(request: WorkspaceRequest, filters: selectors.PersonFilters) -> KeysetPage:
    """Keyset pages in a sort order; numbered pages (bounded) for ranked search results."""
    if filters.q and filters.sort == "relevance":
        # Counted up to search.MATCH_CAP and paged as far (20 pages of 50): beyond, the
        # page asks for a narrower search.
        qs, count, capped = selectors.person_search_rows(
            workspace=request.workspace, filters=filters
        )
        return numbered_page(
            qs,
            number=request.GET.get("page"),
            size=PAGE_SIZE,
            max_pages=max(1, search.MATCH_CAP // PAGE_SIZE),
            counted=(count, capped),
        )
    qs = selectors.person_list_rows(workspace=request.workspace, filters=filters)
    order = selectors.person_list_order(filters)
    return keyset_page(qs, order, cursor=request.GET.get("cursor"), size=PAGE_SIZE)


@member_required
def people(request: WorkspaceRequest) -> HttpResponse:
    """The people list: search, filters, sorting, pagination."""
    try:
        filters = person_filters(request)
    except ParamError as exc:
        return exc.response()
    page = _people_page(request, filters)
    params = {k: v for k, v in request.GET.items() if k not in ("page", "cursor") and v}
    context: dict[str, Any] = {
        "page_obj": page,
        "filters": filters,
        "circles": Circle.choices,
        "tags": selectors.tag_choices(workspace=request.workspace),
        "querystring_base": urlencode(params) + "&" if params else "",
        "has_filters": bool(params),
        "bulk_form": PeopleBulkForm(),
    }
    return render_page(request, "people/list.html", context, partial="results")


def _posted_ids(request: WorkspaceRequest) -> list[int]:
    ids = [int_param(v) for v in request.POST.getlist("ids")]
    if any(i is None for i in ids):
        raise ValidationError({"ids": _("Not found.")})
    return [i for i in ids if i is not None]


@writer_required
@require_POST
def people_bulk(request: WorkspaceRequest) -> HttpResponse:
    """The list's action bar: circle, tags, form of address or target company for the checked."""
    form = PeopleBulkForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(" ".join(str(e) for errs in form.errors.values() for e in errs))
        count = services.people_bulk_update(
            workspace=request.workspace, person_ids=_posted_ids(request), **form.service_kwargs()
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            ngettext("%(n)s person changed.", "%(n)s people changed.", count) % {"n": count},
        )
    return redirect(safe_next(request, reverse("people")))


@member_required
def triage(request: WorkspaceRequest) -> TemplateResponse:
    """Imported people without a circle, 50 at a time: choose circle, Du/Sie and tags."""
    after = max(0, int_param(request.GET.get("after")) or 0)
    rows = selectors.unsorted_people(workspace=request.workspace, after=after)
    context = {
        "rows": rows,
        "after": after,
        "remaining": selectors.unsorted_count(workspace=request.workspace),
        "circles": chosen_circles(),
        "forms": FormOfAddress.choices,
    }
    return TemplateResponse(request, "people/triage.html", context)


@writer_required
@require_POST
def triage_save(request: WorkspaceRequest) -> HttpResponse:
    """Save one page of the triage (all of it or nothing), then show the next 50.

    "Leave the rest unsorted" saves the page too, then stops Today offering the triage.
    """
    try:
        people = selectors.people_by_ids(workspace=request.workspace, ids=_posted_ids(request))
        with transaction.atomic():
            sorted_count = sum(
                services.people_bulk_update(workspace=request.workspace, **change)
                for change in _triage_changes(request, people)
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        after = max(0, int_param(request.POST.get("after")) or 0)
        return redirect(f"{reverse('people_triage')}?after={after}")
    messages.success(
        request,
        ngettext("Saved: %(n)s person changed.", "Saved: %(n)s people changed.", sorted_count)
        % {"n": sorted_count},
    )
    after = max((p.pk for p in people), default=0)
    if request.POST.get("action") == "leave":
        left = services.people_triage_leave_rest(workspace=request.workspace)
        messages.success(
            request,
            ngettext(
                "%(n)s person stays unsorted, without reminders.",
                "%(n)s people stay unsorted, without reminders.",
                left,
            )
            % {"n": left},
        )
        return redirect("today")
    if not selectors.unsorted_people(workspace=request.workspace, after=after, limit=1):
        return redirect("today")
    return redirect(f"{reverse('people_triage')}?after={after}")


def _triage_changes(request: WorkspaceRequest, people: list[Person]) -> list[dict[str, Any]]:
    """Group the page's choices into bulk updates (same circle, form and tags together)."""
    groups: dict[tuple[str, str, str], list[int]] = {}
    for person in people:
        circle = request.POST.get(f"circle-{person.pk}", "")
        form = request.POST.get(f"form-{person.pk}", "")
        form = "" if form == person.form_of_address else form
        tags = request.POST.get(f"tags-{person.pk}", "").strip()
        if circle or form or tags:
            groups.setdefault((circle, form, tags), []).append(person.pk)
    return [
        {
            "person_ids": ids,
            "circle": circle,
            "form_of_address": form,
            "add_tags": [t.strip() for t in tags.split(",") if t.strip()],
        }
        for (circle, form, tags), ids in groups.items()
    ]


def _save_person(
    request: WorkspaceRequest, form: PersonForm, person: Person | None
) -> Person | None:
    data = form.service_kwargs()
    org_name = form.cleaned_data.get("organisation_name", "").strip()
    try:
        data["introduced_by"] = _resolve_introducer(request, form, person)
        with transaction.atomic():
            if org_name:
                data["organisation"] = services.organisation_get_or_create(
                    workspace=request.workspace,
                    name=org_name,
                )
            else:
                data["organisation"] = None
            if person is None:
                return services.person_create(workspace=request.workspace, **data)
            return services.person_update(person=person, **data)
    except ValidationError as exc:
        form.add_service_errors(exc)
        return None


def _resolve_introducer(
    request: WorkspaceRequest, form: PersonForm, person: Person | None
) -> Person | None:
    from kontaktpflege.touchpoints.selectors import people_matching_names

    name = form.cleaned_data.get("introduced_by_name", "").strip()
    if not name:
        return None
    if person is not None and person.introduced_by and person.introduced_by.full_name == name:
        return person.introduced_by
    found, problems = people_matching_names(workspace=request.workspace, names=[name])
    if problems:
        raise ValidationError({"introduced_by_name": problems})
    return found[0]


@writer_required
def person_create(request: WorkspaceRequest) -> HttpResponse:
    """Add a person."""
    form = PersonForm(request.POST or None, initial={"language": request.user.language})
    if request.method == "POST" and form.is_valid():
        person = _save_person(request, form, None)
        if person is not None:
            messages.success(request, _("%(name)s was added.") % {"name": person.full_name})
            return redirect("person", pk=person.pk)
    return TemplateResponse(request, "people/form.html", {"form": form, "person": None})


def _person_initial(person: Person) -> dict[str, Any]:
    initial = {f: getattr(person, f) for f in PersonForm.base_fields if hasattr(person, f)}
    initial["emails"] = "\n".join(e.email for e in person.emails.all())
    initial["phones"] = "\n".join(format_phone(p.number) for p in person.phones.all())
    initial["tags"] = ", ".join(t.name for t in person.tags.all())
    initial["organisation_name"] = person.organisation.name if person.organisation else ""
    initial["introduced_by_name"] = person.introduced_by.full_name if person.introduced_by else ""
    return initial


@writer_required
def person_edit(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Edit a person."""
    person = selectors.person_get(workspace=request.workspace, pk=pk)
    form = PersonForm(request.POST or None, initial=_person_initial(person))
    if request.method == "POST" and form.is_valid() and _save_person(request, form, person):
        messages.success(request, _("Saved."))
        return redirect("person", pk=person.pk)
    return TemplateResponse(request, "people/form.html", {"form": form, "person": person})


@writer_required
def person_delete(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Delete a person after confirmation."""
    person = selectors.person_get(workspace=request.workspace, pk=pk)
    if request.method == "POST":
        name = person.full_name
        try:
            services.person_delete(person=person)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("person", pk=person.pk)
        messages.success(request, _("%(name)s was deleted.") % {"name": name})
        return redirect("people")
    return TemplateResponse(request, "people/confirm_delete.html", {"person": person})


def _birthday(person: Person) -> dt.date | None:
    """The birthday as a date for locale formatting (leap year when the year is unknown)."""
    if not (person.birthday_day and person.birthday_month):
        return None
    try:
        return dt.date(person.birthday_year or 2000, person.birthday_month, person.birthday_day)
    except ValueError:
        return None


@member_required
def person_detail(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """A person's profile, timeline, relationships and employment history.

    The body is cached whole under a digest of every row it shows, read with plain SQL
    (web/fragments.person_page_stamp); only a changed page runs the ORM and the templates.
    """
    offset = max(0, int_param(request.GET.get("offset")) or 0)
    if getattr(request, "htmx", False):  # an older page of the timeline
        context = _person_context(request, pk, offset)
        return TemplateResponse(request, "people/_detail_body.html#timeline", context)
    stamp = person_page_stamp(
        workspace=request.workspace,
        pk=pk,
        offset=offset,
        timeline=TIMELINE_PAGE + 1,
        connections_limit=MAX_CONNECTIONS + 1,
    )
    if stamp is None:
        raise Http404
    workspace, user = request.workspace.pk, request.user.pk
    key = fragment_key(request, "person_page", workspace, user, pk, offset, stamp.digest)
    body = cache.get(key)
    if body is None:
        context = _person_context(request, pk, offset)
        context.update(csrf_token=CSRF_PLACEHOLDER, form_token_placeholder=FORM_TOKEN_PLACEHOLDER)
        body = render_to_string("people/_detail_body.html", context, request)
        cache.set(key, body, PAGE_TIMEOUT)
    context = {
        "page_title": stamp.title,
        "body": fill_tokens(request, body),
        "recruiting_on": stamp.recruiting_on,  # the menu's, known already
    }
    return TemplateResponse(request, "people/detail.html", context)


def _person_context(request: WorkspaceRequest, pk: int, offset: int) -> dict[str, Any]:
    person = selectors.person_get(workspace=request.workspace, pk=pk)
    timeline = person_timeline(person=person, limit=TIMELINE_PAGE + 1, offset=offset)
    connections = selectors.person_relationships(person=person, limit=MAX_CONNECTIONS + 1)
    shown = timeline[:TIMELINE_PAGE]
    more_offset = offset + TIMELINE_PAGE if len(timeline) > TIMELINE_PAGE else None
    recruiting_on = recruiting_enabled(request.workspace)  # also read by the page's menu
    return {
        "recruiting_on": recruiting_on,
        "person": person,
        "timeline": shown,
        "more_offset": more_offset,
        "timeline_key": timeline_key(request, person, shown, more_offset),
        "profile_key": profile_key(request, person),
        "phones": [(format_phone(p.number), tel_uri(p.number)) for p in person.phones.all()],
        "birthday": _birthday(person),
        "connections": connections[:MAX_CONNECTIONS],
        "more_connections": len(connections) > MAX_CONNECTIONS,
        "employments": selectors.person_employments(person=person),
        # a query only where recruiting is switched on (recruiting_enabled, the one switch)
        "silver_medallist": recruiting_on and is_silver_medallist(person=person),
    }


@writer_required
def relationship_add(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Connect a person with someone they know (by id or by unique name)."""
    person = selectors.person_get(workspace=request.workspace, pk=pk)
    form = RelationshipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            other = _resolve_other(request, form.cleaned_data)
            services.relationship_set(
                a=person,
                b=other,
                strength=form.cleaned_data["strength"],
                context=form.cleaned_data["context"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Connection saved."))
            return redirect("person", pk=person.pk)
    return _subform(request, person, form, _("Add connection"), "relationship_add")


def _subform(
    request: WorkspaceRequest, person: Person, form: Any, title: str, action: str
) -> TemplateResponse:
    status = 400 if request.method == "POST" else 200
    context = {"person": person, "form": form, "title": title, "action": action}
    return TemplateResponse(request, "people/subform.html", context, status=status)


def _resolve_other(request: WorkspaceRequest, data: dict[str, Any]) -> Person:
    from kontaktpflege.touchpoints.selectors import people_matching_names

    if data.get("other"):
        return selectors.people_by_ids(workspace=request.workspace, ids=[data["other"]])[0]
    found, problems = people_matching_names(workspace=request.workspace, names=[data["other_name"]])
    if problems:
        raise ValidationError({"other_name": problems})
    return found[0]


@writer_required
@require_POST
def relationship_delete(request: WorkspaceRequest, pk: int, rel: int) -> HttpResponse:
    """Remove a connection."""
    person = selectors.person_get(workspace=request.workspace, pk=pk)
    edge = selectors.relationship_get(workspace=request.workspace, pk=rel)
    if person.pk not in (edge.from_person_id, edge.to_person_id):
        raise Http404
    services.relationship_delete(relationship=edge)
    messages.success(request, _("Connection removed."))
    return redirect("person", pk=person.pk)


@writer_required
def employment_add(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Add a position to a person's employment history."""
    person = selectors.person_get(workspace=request.workspace, pk=pk)
    form = EmploymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                org = services.organisation_get_or_create(
                    workspace=request.workspace, name=form.cleaned_data["organisation_name"]
                )
                services.employment_record(
                    person=person,
                    organisation=org,
                    title=form.cleaned_data["title"],
                    start_date=form.cleaned_data["start_date"],
                    end_date=form.cleaned_data["end_date"],
                    is_current=form.cleaned_data["is_current"],
                )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Position saved."))
            return redirect("person", pk=person.pk)
    return _subform(request, person, form, _("Add position"), "employment_add")


@writer_required
@require_POST
def employment_delete(request: WorkspaceRequest, pk: int, emp: int) -> HttpResponse:
    """Remove a position from the history."""
    person = selectors.person_get(workspace=request.workspace, pk=pk)
    employment = selectors.employment_get(workspace=request.workspace, pk=emp)
    if employment.person_id != person.pk:
        raise Http404
    services.employment_delete(employment=employment)
    return redirect("person", pk=person.pk)


urlpatterns = [
    path("people/", people, name="people"),
    path("people/bulk/", people_bulk, name="people_bulk"),
    path("people/triage/", triage, name="people_triage"),
    path("people/triage/save/", triage_save, name="people_triage_save"),
    path("people/new/", person_create, name="person_create"),
    path("people/<int:pk>/", person_detail, name="person"),
    path("people/<int:pk>/edit/", person_edit, name="person_edit"),
    path("people/<int:pk>/delete/", person_delete, name="person_delete"),
    path("people/<int:pk>/relationships/", relationship_add, name="relationship_add"),
    path(
        "people/<int:pk>/relationships/<int:rel>/delete/",
        relationship_delete,
        name="relationship_delete",
    ),
    path("people/<int:pk>/employment/", employment_add, name="employment_add"),
    path(
        "people/<int:pk>/employment/<int:emp>/delete/", employment_delete, name="employment_delete"
    ),
]
