"""Warm introductions on the person page, and the network beside the target list (seed 003)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.applications.models import Conversation, ConversationStatus, Insight
from kontaktpflege.contacts import selectors as contacts
from kontaktpflege.contacts.models import Organisation
from kontaktpflege.core.htmx import WorkspaceRequest, render_page
from kontaktpflege.dataio.exporters import table_csv, table_xlsx
from kontaktpflege.network.selectors import (
    Introductions,
    display_name,
    introductions_to_person,
    organisations_introductions,
)
from kontaktpflege.web.decorators import member_required

MAX_TARGETS = 200  # companies on the view; a target list is short by nature (seed 003)
INSIGHTS_PER_COMPANY = 3
OPEN = (ConversationStatus.PLANNED, ConversationStatus.HELD)


@member_required
def person_introductions(request: WorkspaceRequest, pk: int) -> TemplateResponse:
    """Who can introduce me to this person (the person page loads it as a section)."""
    person = contacts.person_get(workspace=request.workspace, pk=pk)
    intros = (
        Introductions()
        if person.is_self
        else introductions_to_person(workspace=request.workspace, user=request.user, person=person)
    )
    context = {"person": person, "intros": intros, "about": f"person:{person.pk}"}
    return render_page(request, "network/person.html", context, partial="section")


@dataclass
class TargetRow:
    """One target company beside my network: who I know, who can introduce me, what runs."""

    org: Organisation
    intros: Introductions
    conversations: list[Conversation] = field(default_factory=list)
    insights: list[Insight] = field(default_factory=list)


def _open_conversations(workspace: Workspace, ids: list[int]) -> dict[int, list[Conversation]]:
    """Planned or held conversations started from a company or with someone working there."""
    found: dict[int, list[Conversation]] = {}
    rows = (
        Conversation.objects.filter(workspace=workspace, status__in=OPEN)
        .filter(Q(organisation_id__in=ids) | Q(person__organisation_id__in=ids))
        .select_related("person")
        .order_by("planned_at", "id")
    )
    for c in rows:
        for org in {c.organisation_id, c.person.organisation_id} & set(ids):
            assert org is not None
            found.setdefault(org, []).append(c)
    return found


def _insights(workspace: Workspace, ids: list[int]) -> dict[int, list[Insight]]:
    found: dict[int, list[Insight]] = {}
    for insight in Insight.objects.filter(workspace=workspace, organisation_id__in=ids):
        kept = found.setdefault(insight.organisation_id, [])
        if len(kept) < INSIGHTS_PER_COMPANY:
            kept.append(insight)
    return found


def target_rows(request: WorkspaceRequest) -> list[TargetRow]:
    """The target list by priority with the network's ways in, conversations and insights."""
    orgs = list(
        contacts.organisation_list(workspace=request.workspace, target_only=True)[:MAX_TARGETS]
    )
    ids = [o.pk for o in orgs]
    intros = organisations_introductions(
        workspace=request.workspace, user=request.user, organisations=orgs, limit=3
    )
    conversations = _open_conversations(request.workspace, ids)
    insights = _insights(request.workspace, ids)
    return [
        TargetRow(o, intros[o.pk], conversations.get(o.pk, []), insights.get(o.pk, []))
        for o in orgs
    ]


def _cells(row: TargetRow) -> list[str]:
    if row.intros.preparing:  # never an empty cell that reads as "nobody"
        first = introducers = _("Being prepared: export again in a minute")
    else:
        first = " | ".join(i.text for i in row.intros.first_degree)
        introducers = " | ".join(i.text for i in row.intros.introducers)
    return [
        row.org.name,
        str(row.org.target_priority),
        str(row.org.get_target_status_display()),
        first,
        introducers,
        " | ".join(f"{display_name(c.person)}: {c.goal}" for c in row.conversations),
        " | ".join(i.text for i in row.insights),
    ]


def _export(rows: list[TargetRow], fmt: str) -> HttpResponse:
    header = [
        _("Company"),
        _("Priority"),
        _("Status"),
        _("People I know there"),
        _("Best introducers"),
        _("Open conversations"),
        _("Insights"),
    ]
    stamp = timezone.localdate().isoformat()
    cells = [_cells(r) for r in rows]
    if fmt == "xlsx":
        response = HttpResponse(
            table_xlsx(header, cells, title=_("Target list")),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(table_csv(header, cells), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="target-list-{stamp}.{fmt}"'
    return response


@member_required
def target_network(request: WorkspaceRequest) -> HttpResponse:
    """Network vs target list (seed 003): printable, and as CSV or XLSX."""
    rows = target_rows(request)
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        return _export(rows, fmt)
    return TemplateResponse(
        request, "network/targets.html", {"rows": rows, "capped": len(rows) >= MAX_TARGETS}
    )


urlpatterns = [
    path("organisations/network/", target_network, name="target_network"),
    path("people/<int:pk>/introductions/", person_introductions, name="person_introductions"),
]
