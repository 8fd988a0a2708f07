"""Reads about touchpoints that check workspace access."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.contacts.models import Person
from kontaktpflege.core.keyset import keys
from kontaktpflege.core.text import fold
from kontaktpflege.touchpoints.models import Touchpoint


def person_timeline(*, person: Person, limit: int = 50, offset: int = 0) -> list[Touchpoint]:
    """A person's touchpoints, newest first, with the other participants.

    Walks the participation index (person, -occurred_at) and joins the touchpoints.
    """
    return list(
        Touchpoint.objects.filter(participation__person=person)
        .order_by("-participation__occurred_at", "-id")
        .prefetch_related(
            Prefetch("participants", queryset=Person.objects.only("id", "first_name", "last_name"))
        )[offset : offset + limit]
    )


TOUCHPOINT_ORDER = keys("-occurred_at", "-id")


def touchpoint_list(*, workspace: Workspace) -> QuerySet[Touchpoint]:
    """The workspace's touchpoints, newest first."""
    return Touchpoint.objects.filter(workspace=workspace).prefetch_related(
        Prefetch("participants", queryset=Person.objects.only("id", "first_name", "last_name"))
    )


def touchpoint_get(*, workspace: Workspace, pk: int) -> Touchpoint:
    """One touchpoint of the workspace, or 404."""
    touchpoint = touchpoint_list(workspace=workspace).filter(pk=pk).first()
    if touchpoint is None:
        raise Http404
    return touchpoint


@dataclass(frozen=True)
class NameMatches:
    """Names from a quick log resolved: the people found, and what went wrong with the rest."""

    people: list[Person]
    missing: list[str]  # names nobody is called (a quick log may create them)
    problems: list[str]  # one message per name that matched none or several


def names_resolve(*, workspace: Workspace, names: list[str]) -> NameMatches:
    """Resolve names from a quick log to people; report names that match none or several."""
    people: list[Person] = []
    missing: list[str] = []
    problems: list[str] = []
    if not names:
        problems = [_("Name someone, e.g. “Coffee with Thomas”, or choose a person.")]
        return NameMatches(people, missing, problems)
    for name in names:
        matches = _match_name(workspace, name)
        if len(matches) == 1:
            people.append(matches[0])
        elif not matches:
            missing.append(name)
            problems.append(_("Nobody called “%(name)s” was found.") % {"name": name[:80]})
        else:
            problems.append(
                _("“%(name)s” matches %(n)d people; write the full name or choose the person.")
                % {"name": name[:80], "n": len(matches)}
            )
    return NameMatches(people, missing, problems)


def people_matching_names(
    *, workspace: Workspace, names: list[str]
) -> tuple[list[Person], list[str]]:
    """The people the names match, and a message per name that matched none or several."""
    found = names_resolve(workspace=workspace, names=names)
    return found.people, found.problems


def _match_name(workspace: Workspace, name: str) -> list[Person]:
    """People whose first and last names contain every word of `name` (folded)."""
    from kontaktpflege.contacts.search import filter_search

    words = fold(name).split()
    if not words:
        return []
    qs = filter_search(Person.objects.filter(workspace=workspace, user__isnull=True), name)
    matches = [
        p
        for p in qs.only("id", "first_name", "last_name", "workspace_id")[:500]
        if all(w in fold(f"{p.first_name} {p.last_name}").split() for w in words)
    ]
    exact = [p for p in matches if fold(p.full_name) == fold(name)]
    return exact or matches


GROUP_CHOICES = 60
MAX_INCLUDE = 200  # as many as a touchpoint may have


def group_meeting_choices(*, workspace: Workspace, include: list[int]) -> list[tuple[int, str]]:
    """People to tick on the group meeting form: the given ids (if of this workspace), then the
    core circle and whoever was touched most recently, at most GROUP_CHOICES in all, by name."""
    base = Person.objects.filter(workspace=workspace, user__isnull=True).only(
        "id", "first_name", "last_name"
    )
    chosen = list(base.filter(pk__in=include[:MAX_INCLUDE]))
    rest = GROUP_CHOICES - len(chosen)
    recent = list(
        base.exclude(pk__in=[p.pk for p in chosen])
        .filter(circle__in=("core", "active"))
        .order_by(F("last_touched_at").desc(nulls_last=True), "id")[: max(rest, 0)]
    )
    people = sorted([*chosen, *recent], key=lambda p: (p.last_name, p.first_name, p.pk))
    return [(p.pk, p.full_name) for p in people]
