"""Warm introductions (seeds 003, 004): whom I know at a target, and who can introduce me.

The graph (network.graph) finds the paths; everything shown is loaded again here from the
database, scoped to the workspace: a path through a person or a relationship that no
longer exists is dropped, whatever the cache holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.utils import timezone
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.contacts.models import (
    Circle,
    Employment,
    Organisation,
    Person,
    Relationship,
    RelationshipContext,
)
from kontaktpflege.contacts.selectors import person_self
from kontaktpflege.network import ranking
from kontaktpflege.network.graph import (
    WEAK,
    Found,
    RawPath,
    effective,
    graph_ready,
    search,
    snapshot_path,
)
from kontaktpflege.network.services import graph_prepare_request, graph_stamp_get

K = TypeVar("K", bound=Hashable)
CANDIDATES = 200  # introducers per target scored with fresh data (the best by the graph)
PATH_FIELDS = (
    "id",
    "workspace_id",
    "user_id",
    "first_name",
    "last_name",
    "academic_title",
    "circle",
    "last_touched_at",
    "organisation__id",
    "organisation__name",
)


def display_name(person: Person) -> str:
    """Name with academic title ("Dr. Julia Weber")."""
    return " ".join(p for p in (person.academic_title, person.full_name) if p)


@dataclass(frozen=True)
class Step:
    """One person on a path and how they know the one before ("" for me)."""

    person: Person
    label: str = ""

    @property
    def name(self) -> str:
        return (
            display_name(self.person)
            if self.label
            else (self.person.first_name or self.person.full_name)
        )

    @property
    def organisation(self) -> str:
        org = self.person.organisation if self.person.organisation_id else None
        return org.name if org else ""


@dataclass
class Introduction:
    """A ranked way in: the introducer (or the first-degree person), the path and why."""

    introducer: Person
    target: Person
    degree: int
    steps: list[Step]
    score: int
    reasons: list[str]
    reach: int = 1

    @property
    def text(self) -> str:
        """ "Urs → Anna (Former colleague, strong) → Dr. Julia Weber, Siemens"."""
        parts = [self.steps[0].name]
        for step in self.steps[1:-1]:
            parts.append(f"{step.name} ({step.label})")
        last = self.steps[-1]
        name = f"{last.name} ({last.label})" if self.degree == 1 else last.name
        parts.append(f"{name}, {last.organisation}" if last.organisation else name)
        return " → ".join(parts)

    @property
    def bridge(self) -> Person | None:
        return self.steps[2].person if self.degree >= 3 else None


@dataclass
class Introductions:
    """Everything the pages and the API show for one target (a company or a person)."""

    first_degree: list[Introduction] = field(default_factory=list)
    introducers: list[Introduction] = field(default_factory=list)
    targets: int = 0
    truncated: bool = False
    has_self: bool = True
    preparing: bool = False  # a large workspace's graph is being built by the worker


def _attributes(workspace: Workspace, ids: set[int]) -> dict[int, tuple[str, dt.datetime | None]]:
    rows = Person.objects.filter(workspace=workspace, pk__in=ids).values_list(
        "id", "circle", "last_touched_at"
    )
    return {pk: (circle, touched) for pk, circle, touched in rows}


def _days(touched: dt.datetime | None, now: dt.datetime) -> int | None:
    return None if touched is None else max(0, (now - touched).days)


def _factors(path: RawPath, reach: int, attrs: tuple[str, dt.datetime | None], now: dt.datetime):
    circle, touched = attrs
    return ranking.Factors(
        strength=effective(path.strengths[0]),
        days=_days(touched, now),
        circle=circle,
        degree=path.degree,
        onward=path.onward if path.degree > 1 else 5,
        reach=reach,
    )


def _scored(
    found: Found, attrs: dict[int, tuple[str, dt.datetime | None]], now: dt.datetime, limit: int
) -> tuple[list[tuple[int, RawPath, int]], list[tuple[int, RawPath, int]]]:
    """(score, path, reach) for the best first-degree people and introducers that exist."""
    first = [
        (ranking.score(_factors(p, 1, attrs[p.ids[1]], now)), p, 1)
        for p in found.first
        if p.ids[1] in attrs
    ]
    intro = [
        (ranking.score(_factors(p, reach, attrs[a], now)), p, reach)
        for a, (p, reach) in found.introducers.items()
        if a in attrs
    ]
    first.sort(key=lambda x: (-x[0], x[1].ids))
    intro.sort(key=lambda x: (-x[0], x[1].ids))
    return first[:limit], intro[:limit]


def _preselect(found: Found) -> set[int]:
    """The people whose circle and last touch the score needs (search kept the best)."""
    return {p.ids[1] for p in found.first} | set(found.introducers)


class _Loaded:
    """People and edges on the chosen paths, read from the database once for all targets."""

    def __init__(self, workspace: Workspace, paths: Iterable[RawPath]) -> None:
        paths = list(paths)
        ids = {pk for p in paths for pk in p.ids}
        self.people = {
            p.pk: p
            for p in Person.objects.filter(workspace=workspace, pk__in=ids)
            .select_related("organisation")
            .only(*PATH_FIELDS)
        }
        pairs = {tuple(sorted(pair)) for p in paths for pair in zip(p.ids, p.ids[1:], strict=False)}
        # (low, high) → (strength, context); one query over the people on the paths
        self.edges: dict[tuple[int, ...], tuple[int, str]] = {}
        rows = Relationship.objects.filter(
            workspace=workspace, from_person_id__in=ids, to_person_id__in=ids
        ).values_list("from_person_id", "to_person_id", "strength", "context")
        for low, high, strength, context in rows:
            if (low, high) in pairs:
                self.edges[(low, high)] = (strength, context)
        weak = {pk for pair in pairs if pair not in self.edges for pk in pair}
        self.positions: dict[int, list[tuple[int, str, dt.date, dt.date]]] = {}
        if not weak:
            return
        jobs = Employment.objects.filter(workspace=workspace, person_id__in=weak).values_list(
            "person_id",
            "organisation_id",
            "organisation__name",
            "start_date",
            "end_date",
            "is_current",
        )
        for person, org, name, start, end, current in jobs:
            begin = start or dt.date.min
            finish = end or (dt.date.max if current else begin)
            self.positions.setdefault(person, []).append((org, name, begin, finish))

    def shared_org(self, a: int, b: int) -> str:
        for org, name, start, end in self.positions.get(a, []):
            for other, _n, other_start, other_end in self.positions.get(b, []):
                if org == other and start <= other_end and other_start <= end:
                    return name
        return ""

    def label(self, a: int, b: int, strength: int) -> str | None:
        """How b knows a, or None when the edge is gone (the path is stale)."""
        edge = self.edges.get((min(a, b), max(a, b)))
        if edge is not None:
            strength, context = edge
            word = ranking.STRENGTH_WORDS[max(1, min(strength, 5))]
            if context == RelationshipContext.OTHER:
                return str(word)
            return f"{RelationshipContext(context).label}, {word}"
        if strength != WEAK:
            return None
        org = self.shared_org(a, b)
        if not org:
            return None
        return _("worked together at %(org)s, %(word)s") % {
            "org": org,
            "word": ranking.STRENGTH_WORDS[1],
        }

    def steps(self, path: RawPath) -> list[Step] | None:
        if any(pk not in self.people for pk in path.ids):
            return None
        steps = [Step(self.people[path.ids[0]])]
        for i, (a, b) in enumerate(zip(path.ids, path.ids[1:], strict=False)):
            label = self.label(a, b, path.strengths[i])
            if label is None:
                return None
            steps.append(Step(self.people[b], label))
        return steps


def _introduction(
    loaded: _Loaded, item: tuple[int, RawPath, int], now: dt.datetime
) -> Introduction | None:
    _score, path, reach = item
    steps = loaded.steps(path)
    if steps is None:
        return None
    introducer, target = steps[1].person, steps[-1].person
    edge = loaded.edges.get((min(path.ids[:2]), max(path.ids[:2])))
    factors = _factors(path, reach, (introducer.circle, introducer.last_touched_at), now)
    if edge is not None:
        factors = ranking.Factors(**{**factors.__dict__, "strength": edge[0]})
    bridge = display_name(steps[2].person) if path.degree >= 3 else ""
    return Introduction(
        introducer=introducer,
        target=target,
        degree=path.degree,
        steps=steps,
        score=ranking.score(factors),
        reasons=ranking.reasons(
            factors,
            circle_label=str(Circle(introducer.circle).label),
            target=display_name(target),
            bridge=bridge,
            how=steps[-1].label,
        ),
        reach=reach,
    )


def _graph_search(
    workspace: Workspace, me: Person, targets: dict[K, list[int]]
) -> dict[K, Found] | None:
    """Search each set of targets; None while the worker prepares a large workspace's graph
    (it is asked to here when it has not stored it: the build never runs in a web request)
    or while this process loads the stored one."""
    token = graph_stamp_get(workspace.pk)
    graph = graph_ready(workspace.pk, token)
    if graph is None:
        if not snapshot_path(workspace.pk, token).exists():
            graph_prepare_request(workspace.pk, token)
        return None
    return {key: search(graph, me.pk, ids, keep=CANDIDATES) for key, ids in targets.items()}


def introductions_for(
    *, workspace: Workspace, user: User, targets: dict[K, list[int]], limit: int = 10
) -> dict[K, Introductions]:
    """Ranked first-degree people and introducers for each set of target people."""
    me = person_self(workspace=workspace, user=user)
    if me is None:
        return {key: Introductions(has_self=False) for key in targets}
    founds = _graph_search(workspace, me, targets)
    if founds is None:
        return {key: Introductions(preparing=True) for key in targets}
    wanted: set[int] = set()
    for found in founds.values():
        wanted |= _preselect(found)
    attrs = _attributes(workspace, wanted)
    now = timezone.now()
    chosen = {key: _scored(found, attrs, now, limit) for key, found in founds.items()}
    loaded = _Loaded(
        workspace, (p for first, intro in chosen.values() for _s, p, _r in first + intro)
    )
    out: dict[K, Introductions] = {}
    for key, (first, intro) in chosen.items():
        result = Introductions(targets=founds[key].targets, truncated=founds[key].truncated)
        for items, into in ((first, result.first_degree), (intro, result.introducers)):
            built = [i for item in items if (i := _introduction(loaded, item, now)) is not None]
            into.extend(sorted(built, key=lambda i: (-i.score, i.introducer.pk)))
        out[key] = result
    return out


def introductions_to_organisation(
    *, workspace: Workspace, user: User, organisation: Organisation, limit: int = 10
) -> Introductions:
    """Whom I know at a company (its current people) and who can introduce me there."""
    return organisations_introductions(
        workspace=workspace, user=user, organisations=[organisation], limit=limit
    )[organisation.pk]


def organisations_introductions(
    *, workspace: Workspace, user: User, organisations: list[Organisation], limit: int = 3
) -> dict[int, Introductions]:
    """introductions_to_organisation for many companies at once (the target-list view)."""
    targets: dict[int, list[int]] = {o.pk: [] for o in organisations}
    rows = Person.objects.filter(workspace=workspace, organisation_id__in=list(targets))
    for pk, org in rows.values_list("id", "organisation_id"):
        targets[org].append(pk)
    return introductions_for(workspace=workspace, user=user, targets=targets, limit=limit)


def introductions_to_person(
    *, workspace: Workspace, user: User, person: Person, limit: int = 10
) -> Introductions:
    """Whether I know this person, and who can introduce me to them."""
    if person.workspace_id != workspace.pk:
        return Introductions()
    return introductions_for(
        workspace=workspace, user=user, targets={person.pk: [person.pk]}, limit=limit
    )[person.pk]


# -- variables for "Ask for an introduction" (messaging.compose about-providers) -------------


def _variables(workspace: Workspace, introducer: Person, found: Found) -> dict[str, str]:
    raw = found.introducers.get(introducer.pk)
    ids = list(raw[0].ids[2:]) if raw else []
    people = {
        p.pk: p
        for p in Person.objects.filter(workspace=workspace, pk__in=ids).select_related(
            "organisation"
        )
    }
    target = people.get(ids[-1]) if ids else None
    bridge = people.get(ids[0]) if len(ids) > 1 else None
    return {
        "intro_target_name": display_name(target) if target else "",
        "intro_target_job_title": target.job_title if target else "",
        "intro_bridge_name": display_name(bridge) if bridge else "",
    }


def introduction_about_person(
    *, workspace: Workspace, person: Person, ref: int, variant: str, user: User
) -> dict[str, Any]:
    """Variables for asking `person` to introduce me to the person `ref` ({} elsewhere)."""
    target = (
        Person.objects.filter(workspace=workspace, pk=ref).select_related("organisation").first()
    )
    if target is None or person.workspace_id != workspace.pk:
        return {}
    me = person_self(workspace=workspace, user=user)
    founds = _graph_search(workspace, me, {0: [target.pk]}) if me else None
    found = founds[0] if founds else Found()  # no bridge named while the graph is prepared
    values = _variables(workspace, person, found)
    values.update(
        intro_target_name=display_name(target),
        intro_target_job_title=target.job_title,
        intro_target_organisation=target.organisation.name if target.organisation else "",
    )
    return values


def introduction_about_organisation(
    *, workspace: Workspace, person: Person, ref: int, variant: str, user: User
) -> dict[str, Any]:
    """Variables for asking `person` for a way into the company `ref` ({} elsewhere)."""
    org = Organisation.objects.filter(workspace=workspace, pk=ref).first()
    if org is None or person.workspace_id != workspace.pk:
        return {}
    me = person_self(workspace=workspace, user=user)
    ids = list(
        Person.objects.filter(workspace=workspace, organisation=org).values_list("id", flat=True)
    )
    founds = _graph_search(workspace, me, {0: ids}) if me else None
    found = founds[0] if founds else Found()
    values = _variables(workspace, person, found)
    values["intro_target_organisation"] = org.name
    return values
