"""The network graph page's data: people as nodes sized by how often they are met, and the
relationships among them as edges weighted by strength.

It lives here rather than in contacts because a node's size is its touch frequency (the
participations of the last year). Filtering happens in the database and the node count is
capped, so the page stays usable when thousands of people match.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.contacts.models import Circle, Person, Relationship

NODE_CAP = 500
FREQUENCY_DAYS = 365
# Inner circles first when two people were met equally often.
CIRCLE_RANK = {"core": 0, "active": 1, "network": 2, "dormant": 3, "unsorted": 4}


@dataclass(frozen=True)
class GraphFilters:
    """The graph's filters; ids of another workspace simply match nobody."""

    circle: str = ""
    tag: int | None = None
    organisation: int | None = None
    # An organisation id among the target companies, or "any" for all of them.
    target: int | str | None = None

    @property
    def active(self) -> bool:
        return bool(self.circle or self.tag or self.organisation or self.target)


@dataclass(frozen=True)
class Node:
    """One person on the graph."""

    id: int
    label: str
    circle: str
    circle_label: str
    organisation: str
    touches: int
    url: str


@dataclass(frozen=True)
class Edge:
    """One relationship between two people shown."""

    source: int
    target: int
    strength: int


@dataclass
class Graph:
    """The capped graph and how many people matched in all."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    matched: int = 0
    cap: int = NODE_CAP

    @property
    def capped(self) -> bool:
        return self.matched > len(self.nodes)

    def as_dict(self) -> dict[str, object]:
        """Plain data for the JSON endpoint and the API."""
        return {
            "matched": self.matched,
            "shown": len(self.nodes),
            "cap": self.cap,
            "capped": self.capped,
            "nodes": [n.__dict__ for n in self.nodes],
            "edges": [e.__dict__ for e in self.edges],
        }


def graph_people(*, workspace: Workspace, filters: GraphFilters) -> QuerySet[Person]:
    """The people matching the filters (the members' own nodes left out), unordered."""
    qs = Person.objects.filter(workspace=workspace, user__isnull=True)
    if filters.circle:
        qs = qs.filter(circle=filters.circle)
    if filters.tag:
        qs = qs.filter(tags__id=filters.tag)
    if filters.organisation:
        qs = qs.filter(organisation_id=filters.organisation)
    if filters.target == "any":
        qs = qs.filter(organisation__is_target=True)
    elif filters.target:
        qs = qs.filter(organisation_id=filters.target, organisation__is_target=True)
    return qs


def _ranked(qs: QuerySet[Person], since: dt.datetime) -> QuerySet[Person]:
    """Most often met first, then the inner circles, then the most recently met."""
    rank = Case(
        *(When(circle=c, then=Value(r)) for c, r in CIRCLE_RANK.items()),
        default=Value(9),
        output_field=IntegerField(),
    )
    return (
        qs.annotate(
            touches=Count("participation", filter=Q(participation__occurred_at__gte=since)),
            circle_rank=rank,
        )
        .select_related("organisation")
        .only("id", "first_name", "last_name", "circle", "last_touched_at", "organisation__name")
        .order_by("-touches", "circle_rank", "-last_touched_at", "id")
    )


def network_graph(*, workspace: Workspace, filters: GraphFilters, cap: int = NODE_CAP) -> Graph:
    """The graph of the people matching the filters, the `cap` most important of them.

    Three queries whatever the network's size: the count, the capped node rows with their
    touch counts (one aggregate), and the edges among the nodes shown.
    """
    people = graph_people(workspace=workspace, filters=filters)
    matched = people.count()
    if not matched:
        return Graph(matched=0, cap=cap)
    since = timezone.now() - dt.timedelta(days=FREQUENCY_DAYS)
    rows = list(_ranked(people, since)[:cap])
    labels = dict(Circle.choices)
    nodes = [
        Node(
            id=p.pk,
            label=p.full_name,
            circle=p.circle,
            circle_label=str(labels.get(p.circle, p.circle)),
            organisation=p.organisation.name if p.organisation else "",
            touches=p.touches,  # type: ignore[attr-defined]
            url=reverse("person", args=[p.pk]),
        )
        for p in rows
    ]
    ids = [n.id for n in nodes]
    edges = [
        Edge(source=a, target=b, strength=s)
        for a, b, s in Relationship.objects.filter(
            workspace=workspace, from_person_id__in=ids, to_person_id__in=ids
        )
        .order_by("id")
        .values_list("from_person_id", "to_person_id", "strength")
    ]
    return Graph(nodes=nodes, edges=edges, matched=matched, cap=cap)
