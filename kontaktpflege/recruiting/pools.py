"""Talent pools: static (chosen members) and dynamic (a saved filter evaluated live).

FILTERABLE_FIELDS is the complete list of what a pool can filter on. Nothing protected by
the AGG (age, birthday, gender, origin, religion, disability, …) is in it, and a filter
naming such a field, or any field not in the list, is refused with a clear error. Career
level replaces age. A test enumerates the list.

A filter is a JSON object {field: value}; every field narrows the pool (AND). "tags" and
"skills" need all of the given ids; the choice fields need any of the given values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.contacts.models import Person, Tag
from kontaktpflege.core.text import strip_invisible, without_control_chars
from kontaktpflege.recruiting.models import (
    CandidateProfile,
    CandidateSkill,
    CareerLevel,
    ConsentState,
    JobType,
    PoolKind,
    PoolMember,
    Skill,
    TalentPool,
    WorkMode,
)

COUNT_CAP = 10_000  # live counts stop here ("10,000+"): a count never scans a huge pool
MAX_IDS = 50  # tags or skills in one filter
MAX_DAYS = 36_500


@dataclass(frozen=True)
class FilterField:
    """One filterable field: its key, label and the shape of its value."""

    key: str
    label: str | Promise
    kind: str  # "ids" | "choices" | "text" | "int" | "bool" | "days"
    choices: tuple[str, ...] = ()


FILTERABLE_FIELDS: tuple[FilterField, ...] = (
    FilterField("tags", gettext_lazy("Tags"), "ids"),
    FilterField("skills", gettext_lazy("Skills"), "ids"),
    FilterField("career_level", gettext_lazy("Career level"), "choices", tuple(CareerLevel.values)),
    FilterField("job_type", gettext_lazy("Job type"), "choices", tuple(JobType.values)),
    FilterField("location", gettext_lazy("Location"), "text"),
    FilterField("work_mode", gettext_lazy("Work mode"), "choices", tuple(WorkMode.values)),
    FilterField("stage_reached", gettext_lazy("Stage reached (at least)"), "int"),
    FilterField("consent_state", gettext_lazy("Consent"), "choices", tuple(ConsentState.values)),
    FilterField("silver_medallist", gettext_lazy("Silver medallist"), "bool"),
    FilterField("contacted_within_days", gettext_lazy("Last contact within (days)"), "days"),
    FilterField("not_contacted_for_days", gettext_lazy("No contact for at least (days)"), "days"),
)
FIELDS_BY_KEY = {f.key: f for f in FILTERABLE_FIELDS}

# Attributes the AGG protects (and their usual stand-ins): never filterable, named in the
# error so a caller learns why.
PROTECTED_FIELDS = frozenset(
    {
        "age",
        "birthday",
        "birth_date",
        "date_of_birth",
        "birthday_day",
        "birthday_month",
        "birthday_year",
        "year_of_birth",
        "gender",
        "sex",
        "form_of_address",
        "origin",
        "ethnic_origin",
        "ethnicity",
        "race",
        "nationality",
        "religion",
        "belief",
        "world_view",
        "disability",
        "handicap",
        "sexual_orientation",
        "sexual_identity",
        "marital_status",
        "family_status",
        "pregnancy",
        "photo",
        "language",
        "first_name",
        "last_name",
    }
)


def _ids(value: Any, field: FilterField) -> list[int]:
    if not isinstance(value, list) or not value or len(value) > MAX_IDS:
        raise ValidationError(
            {field.key: _("Give a list of 1 to %(n)s ids.") % {"n": MAX_IDS}}, code="invalid"
        )
    if not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**62 for v in value):
        raise ValidationError({field.key: _("Give ids as whole numbers.")}, code="invalid")
    return sorted(set(value))


def _clean_value(field: FilterField, value: Any) -> Any:
    if field.kind == "ids":
        return _ids(value, field)
    if field.kind == "choices":
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) and v in field.choices for v in values):
            raise ValidationError({field.key: _("Choose values from the list.")}, code="invalid")
        return sorted(set(values))
    if field.kind == "text":
        text = " ".join(without_control_chars(strip_invisible(str(value or ""))).split())
        if not isinstance(value, str) or not text or len(text) > 200:
            raise ValidationError({field.key: _("Enter 1 to 200 characters.")}, code="invalid")
        return text
    if field.kind == "bool":
        if not isinstance(value, bool):
            raise ValidationError({field.key: _("Give true or false.")}, code="invalid")
        return value
    upper = MAX_DAYS if field.kind == "days" else 32_000
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= upper:
        raise ValidationError(
            {field.key: _("Give a whole number from 0 to %(n)s.") % {"n": upper}}, code="invalid"
        )
    return value


def clean_filters(workspace: Workspace, filters: Any) -> dict[str, Any]:
    """A pool filter checked field by field; ValidationError names what is wrong.

    Refuses anything that is not a JSON object, fields protected by the AGG and fields not
    in FILTERABLE_FIELDS; tags and skills must be this workspace's.
    """
    if not isinstance(filters, dict):
        raise ValidationError({"filters": _("A filter is an object of field: value.")})
    protected = sorted(k for k in filters if str(k).lower() in PROTECTED_FIELDS)
    if protected:
        raise ValidationError(
            {
                "filters": _(
                    "Talent pools never filter by %(fields)s: the AGG protects it. Career level"
                    " replaces age."
                )
                % {"fields": ", ".join(protected)}
            }
        )
    unknown = sorted(str(k) for k in filters if k not in FIELDS_BY_KEY)
    if unknown:
        raise ValidationError(
            {"filters": _("Unknown filter fields: %(fields)s.") % {"fields": ", ".join(unknown)}}
        )
    clean = {key: _clean_value(FIELDS_BY_KEY[key], value) for key, value in filters.items()}
    for key, model in (("tags", Tag), ("skills", Skill)):
        if key in clean:
            found = model.objects.filter(workspace=workspace, pk__in=clean[key]).count()  # type: ignore[attr-defined]
            if found != len(clean[key]):
                raise ValidationError({key: _("Unknown ids in this workspace.")})
    return {f.key: clean[f.key] for f in FILTERABLE_FIELDS if f.key in clean}


def filtered_profiles(
    workspace_id: int, filters: dict[str, Any], now: dt.datetime | None = None
) -> QuerySet[CandidateProfile]:
    """Candidate profiles of the workspace that match a cleaned filter."""
    qs = CandidateProfile.objects.filter(workspace_id=workspace_id)
    for key in ("career_level", "job_type", "work_mode", "consent_state"):
        if key in filters:
            qs = qs.filter(**{f"{key}__in": filters[key]})
    if "silver_medallist" in filters:
        qs = qs.filter(silver_medallist=filters["silver_medallist"])
    if "stage_reached" in filters:
        qs = qs.filter(reached_position__gte=filters["stage_reached"])
    if "location" in filters:
        qs = qs.filter(location__icontains=filters["location"])
    if filters.get("skills"):
        qs = qs.filter(skill_ids__has_all=filters["skills"])  # GIN containment on PostgreSQL
    if filters.get("tags"):
        qs = qs.filter(tag_ids__has_all=filters["tags"])  # GIN containment on PostgreSQL
    now = now or timezone.now()
    if "contacted_within_days" in filters:
        since = now - dt.timedelta(days=filters["contacted_within_days"])
        qs = qs.filter(person__last_touched_at__gte=since)
    if "not_contacted_for_days" in filters:
        before = now - dt.timedelta(days=filters["not_contacted_for_days"])
        qs = qs.filter(
            Q(person__last_touched_at__lt=before) | Q(person__last_touched_at__isnull=True)
        )
    return qs


def pool_person_ids(pool: TalentPool) -> QuerySet[Any]:
    """The ids of a pool's members as a subquery, newest candidates first."""
    if pool.kind == PoolKind.STATIC:
        qs = PoolMember.objects.filter(pool=pool, workspace_id=pool.workspace_id)
        return qs.order_by("-person_id").values_list("person_id", flat=True)
    profiles = filtered_profiles(pool.workspace_id, pool.filters or {})
    return profiles.order_by("-person_id").values_list("person_id", flat=True)


def pool_count(pool: TalentPool) -> tuple[int, bool]:
    """How many members (up to COUNT_CAP), and whether there are more."""
    n = pool_person_ids(pool).order_by()[: COUNT_CAP + 1].count()
    return min(n, COUNT_CAP), n > COUNT_CAP


def pool_get(*, workspace: Workspace, pk: int) -> TalentPool:
    """A pool of this workspace, or 404."""
    pool = TalentPool.objects.filter(workspace=workspace, pk=pk).first()
    if pool is None:
        raise Http404
    return pool


def pool_list(*, workspace: Workspace) -> QuerySet[TalentPool]:
    return TalentPool.objects.filter(workspace=workspace).order_by("name", "id")


# -- why a member matches -------------------------------------------------------------------


@dataclass
class Member:
    """A pool member on the pool page with the reasons they match."""

    person: Person
    profile: CandidateProfile | None
    skills: list[str]
    reasons: list[str]


def _labels(choices: Any, values: list[str]) -> str:
    names = dict(choices)
    return ", ".join(str(names.get(v, v)) for v in values)


def _reasons(
    pool: TalentPool,
    profile: CandidateProfile | None,
    person: Person,
    skills: dict[int, str],
    tags: dict[int, str],
) -> list[str]:
    if pool.kind == PoolKind.STATIC:
        return [_("chosen by hand")]
    f = pool.filters or {}
    out = []
    if "skills" in f:
        out.append(_("skills: %(s)s") % {"s": ", ".join(skills.get(i, "?") for i in f["skills"])})
    if "tags" in f:
        out.append(_("tags: %(s)s") % {"s": ", ".join(tags.get(i, "?") for i in f["tags"])})
    if profile is not None:
        for key, choices in (
            ("career_level", CareerLevel.choices),
            ("job_type", JobType.choices),
            ("work_mode", WorkMode.choices),
            ("consent_state", ConsentState.choices),
        ):
            if key in f:
                value = getattr(profile, key)
                out.append(f"{FIELDS_BY_KEY[key].label}: {_labels(choices, [value])}")
        if "location" in f:
            out.append(_("location: %(s)s") % {"s": profile.location})
        if "stage_reached" in f:
            out.append(_("reached stage %(n)s") % {"n": profile.reached_position})
        if f.get("silver_medallist"):
            out.append(_("silver medallist"))
    if "contacted_within_days" in f or "not_contacted_for_days" in f:
        when = person.last_touched_at
        out.append(
            _("last contact %(d)s") % {"d": when.date().isoformat()}
            if when
            else _("never contacted")
        )
    return out


def pool_members(pool: TalentPool, *, offset: int, limit: int) -> list[Member]:
    """One page of members with their skills and why they match (five queries)."""
    ids = list(pool_person_ids(pool)[offset : offset + limit])
    people = Person.objects.filter(workspace_id=pool.workspace_id, pk__in=ids).in_bulk()
    profiles = {
        p.person_id: p
        for p in CandidateProfile.objects.filter(workspace_id=pool.workspace_id, person_id__in=ids)
    }
    skills_of: dict[int, list[str]] = {}
    rows = CandidateSkill.objects.filter(person_id__in=ids, removed=False).values_list(
        "person_id", "skill_id", "skill__name"
    )
    names: dict[int, str] = {}
    for person_id, skill_id, name in rows.order_by("skill__name"):
        skills_of.setdefault(person_id, []).append(name)
        names[skill_id] = name
    tags = dict(
        Tag.objects.filter(
            workspace_id=pool.workspace_id, pk__in=(pool.filters or {}).get("tags", [])
        ).values_list("pk", "name")
    )
    return [
        Member(
            person=people[pk],
            profile=profiles.get(pk),
            skills=skills_of.get(pk, []),
            reasons=_reasons(pool, profiles.get(pk), people[pk], names, tags),
        )
        for pk in ids
        if pk in people
    ]


# -- writes ---------------------------------------------------------------------------------


def _clean_pool(workspace: Workspace, name: str, kind: str, filters: Any) -> tuple[str, dict]:
    name = " ".join(without_control_chars(strip_invisible(name or "")).split())
    if not name or len(name) > 120:
        raise ValidationError({"name": _("Enter a name of 1 to 120 characters.")})
    if kind not in PoolKind.values:
        raise ValidationError({"kind": _("Choose static or dynamic.")})
    if kind == PoolKind.STATIC:
        if filters not in (None, {}):
            raise ValidationError({"filters": _("A static pool has chosen members, no filter.")})
        return name, {}
    return name, clean_filters(workspace, filters if filters is not None else {})


@transaction.atomic
def pool_create(
    *,
    workspace: Workspace,
    name: str,
    kind: str,
    filters: Any = None,
    description: str = "",
    user: User | None = None,
) -> TalentPool:
    """Create a static or dynamic talent pool (the filter is checked first)."""
    name, clean = _clean_pool(workspace, name, kind, filters)
    return TalentPool.objects.create(
        workspace=workspace,
        name=name,
        kind=kind,
        filters=clean,
        description=(description or "")[:5000],
        created_by=user,
    )


@transaction.atomic
def pool_update(
    *, pool: TalentPool, name: str, filters: Any = None, description: str = ""
) -> TalentPool:
    """Rename a pool, change its description and (dynamic pools) its filter."""
    name, clean = _clean_pool(pool.workspace, name, pool.kind, filters)
    pool.name, pool.filters, pool.description = name, clean, (description or "")[:5000]
    pool.save(update_fields=["name", "filters", "description", "updated_at"])
    return pool


@transaction.atomic
def pool_delete(*, pool: TalentPool) -> None:
    """Delete a pool; its members stay in the workspace."""
    pool.delete()


@transaction.atomic
def pool_members_add(*, pool: TalentPool, person_ids: list[int], user: User | None = None) -> int:
    """Add people of the pool's workspace to a static pool; returns how many were new."""
    if pool.kind != PoolKind.STATIC:
        raise ValidationError({"person": _("Members of a dynamic pool come from its filter.")})
    ids = sorted(set(person_ids))
    found = list(
        Person.objects.filter(workspace_id=pool.workspace_id, pk__in=ids).values_list(
            "pk", flat=True
        )
    )
    if not ids or len(found) != len(ids):
        raise ValidationError({"person": _("Not found.")})
    new = PoolMember.objects.bulk_create(
        [
            PoolMember(workspace_id=pool.workspace_id, pool=pool, person_id=pk, added_by=user)
            for pk in found
            if not PoolMember.objects.filter(pool=pool, person_id=pk).exists()
        ]
    )
    return len(new)


@transaction.atomic
def pool_member_remove(*, pool: TalentPool, person_id: int) -> None:
    """Take a person out of a static pool."""
    deleted, _rows = PoolMember.objects.filter(pool=pool, person_id=person_id).delete()
    if not deleted:
        raise ValidationError({"person": _("Not found.")})
