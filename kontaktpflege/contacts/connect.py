"""Connect others (seed 001): pairs of people in my network who share a tag, an industry or a
target company but have no relationship yet, so I can offer to introduce them.

Never all pairs of the network: people are grouped by what they share, each group keeps only
its GROUP_SIZE most recently met members (a window function in the database), only the
MAX_GROUPS largest groups count, so at most MAX_GROUPS × GROUP_SIZE² / 2 pairs are looked at
whatever the network's size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.contacts.models import CHOSEN_CIRCLES, Person, Relationship, Tag

GROUP_SIZE = 12
MAX_GROUPS = 40
MAX_SUGGESTIONS = 20


@dataclass
class PairSuggestion:
    """Two people who might like to meet, and what they have in common."""

    a: Person
    b: Person
    reasons: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[int, int]:
        return (self.a.pk, self.b.pk)


def _window(qs: QuerySet[Any], group: str) -> list[tuple[Any, int]]:
    """(group value, person id) of each group's GROUP_SIZE most recently met members."""
    ranked = qs.annotate(
        rn=Window(
            RowNumber(),
            partition_by=[F(group)],
            order_by=[F("last").desc(nulls_last=True), F("pid").asc()],
        )
    ).filter(rn__lte=GROUP_SIZE)
    return list(ranked.values_list(group, "pid"))


def _people(workspace: Workspace) -> Q:
    return Q(workspace=workspace, user__isnull=True, circle__in=CHOSEN_CIRCLES)


def _groups(workspace: Workspace) -> dict[tuple[str, Any], list[int]]:
    """Groups of person ids by shared tag, industry and target company (each capped)."""
    through = Person.tags.through
    tag_rows = _window(
        through.objects.filter(  # type: ignore[attr-defined]
            tag__workspace=workspace,
            person__user__isnull=True,
            person__circle__in=CHOSEN_CIRCLES,
        ).annotate(last=F("person__last_touched_at"), pid=F("person_id")),
        "tag_id",
    )
    people = Person.objects.filter(_people(workspace)).annotate(
        last=F("last_touched_at"), pid=F("id")
    )
    industry_rows = _window(
        people.exclude(organisation__industry="").filter(organisation__isnull=False),
        "organisation__industry",
    )
    target_rows = _window(people.filter(organisation__is_target=True), "organisation_id")
    groups: dict[tuple[str, Any], list[int]] = defaultdict(list)
    for kind, rows in (("tag", tag_rows), ("industry", industry_rows), ("target", target_rows)):
        for value, pid in rows:
            groups[(kind, value)].append(pid)
    largest = sorted(
        ((k, v) for k, v in groups.items() if len(v) > 1), key=lambda kv: (-len(kv[1]), kv[0])
    )
    return dict(largest[:MAX_GROUPS])


def _reason(kind: str, value: Any, tags: dict[int, str], orgs: dict[int, str]) -> str:
    if kind == "tag":
        return _("both tagged “%(tag)s”") % {"tag": tags.get(value, "")}
    if kind == "industry":
        return _("both in %(industry)s") % {"industry": value}
    return _("both at %(organisation)s (a target company)") % {"organisation": orgs.get(value, "")}


def connect_suggestions(
    *, workspace: Workspace, limit: int = MAX_SUGGESTIONS
) -> list[PairSuggestion]:
    """Pairs who share the most and do not know each other yet (as far as recorded)."""
    groups = _groups(workspace)
    ids = {pid for members in groups.values() for pid in members}
    if not ids:
        return []
    people = {
        p.pk: p
        for p in Person.objects.filter(pk__in=ids)
        .select_related("organisation")
        .only("id", "first_name", "last_name", "circle", "organisation__id", "organisation__name")
    }
    known = set(
        Relationship.objects.filter(
            workspace=workspace, from_person_id__in=ids, to_person_id__in=ids
        ).values_list("from_person_id", "to_person_id")
    )
    tag_ids = [v for k, v in groups if k == "tag"]
    tags = dict(Tag.objects.filter(pk__in=tag_ids).values_list("id", "name"))
    orgs = {p.organisation.pk: p.organisation.name for p in people.values() if p.organisation}
    pairs: dict[tuple[int, int], PairSuggestion] = {}
    for (kind, value), members in groups.items():
        for low, high in combinations(sorted(members), 2):
            a, b = people[low], people[high]
            if (low, high) in known:
                continue
            if kind != "target" and a.organisation_id and a.organisation_id == b.organisation_id:
                continue  # colleagues: they know each other through work
            pair = pairs.setdefault((low, high), PairSuggestion(a, b))
            pair.reasons.append(_reason(kind, value, tags, orgs))
    ranked = sorted(pairs.values(), key=lambda p: (-len(p.reasons), p.a.full_name, p.key))
    return ranked[:limit]


def pair_common(*, person: Person, other: Person) -> list[str]:
    """What two people of one workspace share: tag names and the industry, for the draft."""
    shared = sorted(
        set(person.tags.values_list("name", flat=True))
        & set(other.tags.values_list("name", flat=True))
    )
    mine = person.organisation.industry if person.organisation else ""
    theirs = other.organisation.industry if other.organisation else ""
    if mine and mine == theirs:
        shared.append(mine)
    return shared


def pair_context(*, workspace: Workspace, person: Person, other_id: int) -> dict[str, str]:
    """Template variables about the other person of a pair ({} unless in this workspace)."""
    other = (
        Person.objects.filter(workspace=workspace, pk=other_id, user__isnull=True)
        .select_related("organisation")
        .first()
    )
    if other is None or other.pk == person.pk or person.workspace_id != workspace.pk:
        return {}
    about = other.job_title
    if other.organisation:
        about = f"{about}, {other.organisation.name}" if about else other.organisation.name
    return {
        "pair_name": other.full_name,
        "pair_first_name": other.first_name or other.full_name,
        "pair_about": about,
        "pair_common": ", ".join(pair_common(person=person, other=other)),
    }
