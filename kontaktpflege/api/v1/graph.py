"""The network graph (filtered, capped) and connect-others suggestions."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema

from kontaktpflege.api.schemas import READ_ERRORS, Id, InputSchema
from kontaktpflege.contacts.connect import connect_suggestions
from kontaktpflege.contacts.models import Circle
from kontaktpflege.touchpoints.graph import GraphFilters, network_graph

router = Router(tags=["network"])


class GraphQuery(InputSchema):
    """The graph page's filters; an unknown circle or a malformed id is a 422, an id of
    another workspace matches nobody (an empty graph)."""

    circle: Circle | None = None
    tag: Id | None = None
    organisation: Id | None = None
    target: Id | Literal["any"] | None = None


class GraphNodeOut(Schema):
    id: int
    label: str
    circle: str
    circle_label: str
    organisation: str
    touches: int
    url: str


class GraphEdgeOut(Schema):
    source: int
    target: int
    strength: int


class GraphOut(Schema):
    matched: int
    shown: int
    cap: int
    capped: bool
    nodes: list[GraphNodeOut]
    edges: list[GraphEdgeOut]


class PairPersonOut(Schema):
    id: int
    name: str


class ConnectSuggestionOut(Schema):
    a: PairPersonOut
    b: PairPersonOut
    reasons: list[str]


@router.get("/network/graph", response={200: GraphOut, **READ_ERRORS})
def graph(request: HttpRequest, filters: Query[GraphQuery]) -> dict[str, Any]:
    """People as nodes (the 500 met most often when more match) and their relationships."""
    result = network_graph(
        workspace=request.workspace,  # type: ignore[attr-defined]
        filters=GraphFilters(
            circle=filters.circle or "",
            tag=filters.tag,
            organisation=filters.organisation,
            target=filters.target,
        ),
    )
    return result.as_dict()


@router.get(
    "/network/connect-suggestions", response={200: list[ConnectSuggestionOut], **READ_ERRORS}
)
def suggestions(request: HttpRequest) -> list[dict[str, Any]]:
    """Pairs who share a tag, an industry or a target company and have no relationship yet."""
    return [
        {
            "a": {"id": s.a.pk, "name": s.a.full_name},
            "b": {"id": s.b.pk, "name": s.b.full_name},
            "reasons": s.reasons,
        }
        for s in connect_suggestions(workspace=request.workspace)  # type: ignore[attr-defined]
    ]
