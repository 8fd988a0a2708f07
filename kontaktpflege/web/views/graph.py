"""The network area: the graph of who knows whom, and connecting others (seed 001)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from kontaktpflege.contacts import selectors as contact_selectors
from kontaktpflege.contacts.connect import connect_suggestions
from kontaktpflege.contacts.models import Circle, Organisation
from kontaktpflege.contacts.selectors import people_by_ids
from kontaktpflege.contacts.services import introduction_record
from kontaktpflege.core.htmx import WorkspaceRequest
from kontaktpflege.core.timeutils import local_today
from kontaktpflege.touchpoints.graph import GraphFilters, network_graph
from kontaktpflege.web.decorators import member_required, writer_required
from kontaktpflege.web.params import int_param

ORGANISATION_CHOICES = 300


def graph_filters(request: HttpRequest) -> GraphFilters:
    """The graph's filters from the query string; unknown values are ignored, as on the
    people list (ids of another workspace match nobody: an empty graph, not an error)."""
    g = request.GET
    target = g.get("target", "")
    return GraphFilters(
        circle=g.get("circle", "") if g.get("circle") in Circle.values else "",
        tag=int_param(g.get("tag")),
        organisation=int_param(g.get("organisation")),
        target="any" if target == "any" else int_param(target),
    )


def _organisation_choices(request: WorkspaceRequest, selected: int | None) -> list[tuple[int, str]]:
    """Organisations with people, by name (capped), and the selected one in any case."""
    qs = Organisation.objects.filter(workspace=request.workspace)
    rows = list(
        qs.filter(people__isnull=False)
        .distinct()
        .order_by("name", "id")
        .values_list("id", "name")[:ORGANISATION_CHOICES]
    )
    if selected and selected not in {pk for pk, _name in rows}:
        rows += list(qs.filter(pk=selected).values_list("id", "name"))
    return rows


@member_required
def network_page(request: WorkspaceRequest) -> TemplateResponse:
    """The network graph with its filters; the same people as a table for everyone."""
    filters = graph_filters(request)
    graph = network_graph(workspace=request.workspace, filters=filters)
    targets = contact_selectors.organisation_list(workspace=request.workspace, target_only=True)
    context = {
        "graph": graph,
        "filters": filters,
        "circles": Circle.choices,
        "tags": contact_selectors.tag_choices(workspace=request.workspace),
        "organisations": _organisation_choices(request, filters.organisation),
        "targets": list(targets.values_list("id", "name")),
        "query": request.GET.urlencode(),
    }
    return TemplateResponse(request, "network/graph.html", context)


@member_required
def network_graph_json(request: WorkspaceRequest) -> JsonResponse:
    """The graph data for the page's script (the API has the same at /api/v1/network/graph)."""
    graph = network_graph(workspace=request.workspace, filters=graph_filters(request))
    return JsonResponse(graph.as_dict())


@member_required
def connect_page(request: WorkspaceRequest) -> TemplateResponse:
    """Pairs who share interests, industries or target companies and do not know each other."""
    suggestions = connect_suggestions(workspace=request.workspace)
    return TemplateResponse(request, "network/connect.html", {"suggestions": suggestions})


@writer_required
def connect_introduced(request: WorkspaceRequest) -> HttpResponse:
    """Record that I introduced two people: a relationship "introduced by me"."""
    if request.method != "POST":
        return redirect("network_connect")
    ids = [int_param(request.POST.get("a")), int_param(request.POST.get("b"))]
    if None in ids or ids[0] == ids[1]:
        messages.error(request, _("Choose two different people."))
        return redirect("network_connect")
    a, b = people_by_ids(workspace=request.workspace, ids=[n for n in ids if n])
    try:
        introduction_record(a=a, b=b, on=local_today(request.user))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("network_connect")
    messages.success(
        request,
        _("Recorded: you introduced %(a)s and %(b)s.") % {"a": a.full_name, "b": b.full_name},
    )
    return redirect("network_connect")


urlpatterns = [
    path("network/", network_page, name="network"),
    path("network/graph.json", network_graph_json, name="network_graph_json"),
    path("network/connect/", connect_page, name="network_connect"),
    path("network/connect/introduced/", connect_introduced, name="network_connect_introduced"),
]
