"""Writes about people, organisations, employment, relationships and tags."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.contacts.models import (
    CHOSEN_CIRCLES,
    Circle,
    EmailAddress,
    Employment,
    FormOfAddress,
    Organisation,
    Person,
    PhoneNumber,
    Relationship,
    RelationshipContext,
    Tag,
)
from kontaktpflege.contacts.search import reindex_people, unindex_people
from kontaktpflege.contacts.validation import (
    check_date,
    clean_text,
    normalise_email,
    normalise_phone,
)
from kontaktpflege.core.facts import facts_changed, graph_changed, people_deleting
from kontaktpflege.core.text import fold

PERSON_TEXT_FIELDS: dict[str, tuple[int, bool]] = {
    # field: (max length, multiline)
    "first_name": (100, False),
    "last_name": (100, False),
    "academic_title": (40, False),
    "job_title": (200, False),
    "location": (200, False),
    "how_we_met": (500, True),
    "notes": (50000, True),
}
PERSON_OTHER_FIELDS = {
    "gender",
    "linkedin_url",
    "xing_url",
    "website",
    "birthday_day",
    "birthday_month",
    "birthday_year",
    "language",
    "form_of_address",
    "preferred_channel",
    "met_on",
    "known_since",
    "origin",
    "introduced_by",
    "circle",
    "keep_in_touch_days",
    "organisation",
}
MAX_KEEP_IN_TOUCH_DAYS = 3650


def _apply_fields(person: Person, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(PERSON_TEXT_FIELDS) - PERSON_OTHER_FIELDS
    if unknown:
        raise ValidationError({f: _("Unknown field.") for f in sorted(unknown)})
    for name, value in fields.items():
        if name in PERSON_TEXT_FIELDS:
            max_length, multiline = PERSON_TEXT_FIELDS[name]
            value = clean_text(value, field=name, max_length=max_length, multiline=multiline)
        setattr(person, name, value)


def _validate_person(person: Person) -> None:
    if not (person.first_name or person.last_name):
        raise ValidationError({"last_name": _("Enter a first or a last name.")})
    days = person.keep_in_touch_days
    if days is not None and not 1 <= days <= MAX_KEEP_IN_TOUCH_DAYS:
        raise ValidationError(
            {"keep_in_touch_days": _("Choose an interval between 1 and 3650 days.")}
        )
    _validate_birthday(person.birthday_day, person.birthday_month, person.birthday_year)
    check_date(person.met_on, field="met_on")
    check_date(person.known_since, field="known_since")
    for related in ("organisation", "introduced_by"):
        obj = getattr(person, related)
        if obj is not None and obj.workspace_id != person.workspace_id:
            raise ValidationError({related: _("Not found.")})
    person.full_clean(
        exclude=["workspace", "search_text", "tags", "user", "organisation", "introduced_by"],
        validate_unique=False,
        validate_constraints=False,
    )


def _validate_birthday(day: int | None, month: int | None, year: int | None) -> None:
    if day is None and month is None and year is None:
        return
    if day is None or month is None:
        raise ValidationError({"birthday_day": _("A birthday needs at least day and month.")})
    try:
        dt.date(year or 2000, month, day)  # 2000 is a leap year: 29 February stays possible
    except ValueError as exc:
        raise ValidationError({"birthday_day": _("This date does not exist.")}) from exc
    if year is not None and not 1900 <= year <= timezone.localdate().year:
        raise ValidationError({"birthday_year": _("Enter a year between 1900 and today.")})


def _set_contact_points(person: Person, emails: list[str] | None, phones: list[str] | None) -> None:
    if emails is not None:
        clean = list(dict.fromkeys(normalise_email(e) for e in emails if e and e.strip()))
        _replace_points(person, EmailAddress, "email", clean)
    if phones is not None:
        clean = list(dict.fromkeys(normalise_phone(p) for p in phones if p and p.strip()))
        _replace_points(person, PhoneNumber, "number", clean)


def _replace_points(
    person: Person, model: type[EmailAddress] | type[PhoneNumber], field: str, values: list[str]
) -> None:
    """Keep exactly `values`; the first one is the only primary.

    The primary flag moves before new rows arrive, so the one-primary-per-person index never
    sees two at once (an edit from [a] to [b, a] makes b primary and a secondary).
    """
    rows = model._default_manager.filter(person=person)
    rows.exclude(**{f"{field}__in": values}).delete()
    first = values[0] if values else None
    rows.filter(is_primary=True).exclude(**{field: first}).update(is_primary=False)
    if first is not None:
        rows.filter(**{field: first}, is_primary=False).update(is_primary=True)
    existing = set(rows.values_list(field, flat=True))
    new: list[Any] = [
        model(
            workspace_id=person.workspace_id, person=person, is_primary=(v == first), **{field: v}
        )
        for v in values
        if v not in existing
    ]
    model._default_manager.bulk_create(new)


def _validate_contact_points(emails: list[str] | None, phones: list[str] | None) -> None:
    """Validate every address before anything is written, so a bad one changes nothing."""
    for e in emails or []:
        if e and e.strip():
            normalise_email(e)
    for p in phones or []:
        if p and p.strip():
            normalise_phone(p)


def tags_resolve(*, workspace: Workspace, names: Iterable[str]) -> list[Tag]:
    """Get or create tags by name."""
    tags = []
    for raw in names:
        name = clean_text(raw, field="tags", max_length=60)
        if name:
            tag, _created = Tag.objects.get_or_create(workspace=workspace, name=name)
            tags.append(tag)
    return tags


def person_reindex(*, person_ids: list[int]) -> None:
    """Rebuild the search text (and the FTS rows) of these people, in batches."""
    reindex_people(list(person_ids))


@transaction.atomic
def person_create(
    *,
    workspace: Workspace,
    emails: list[str] | None = None,
    phones: list[str] | None = None,
    tags: list[str] | None = None,
    **fields: Any,
) -> Person:
    """Create a person with contact points and tags; validates everything first."""
    person = Person(workspace=workspace)
    _apply_fields(person, fields)
    _validate_person(person)
    _validate_contact_points(emails, phones)
    person.save()
    _set_contact_points(person, emails, phones)
    if tags:
        person.tags.set(tags_resolve(workspace=workspace, names=tags))
    if person.organisation_id:
        Employment.objects.create(
            workspace=workspace,
            person=person,
            organisation_id=person.organisation_id,
            title=person.job_title,
            is_current=True,
        )
        graph_changed(workspace.pk)
    person_reindex(person_ids=[person.pk])
    facts_changed([person.pk])
    return person


@transaction.atomic
def person_update(
    *,
    person: Person,
    emails: list[str] | None = None,
    phones: list[str] | None = None,
    tags: list[str] | None = None,
    **fields: Any,
) -> Person:
    """Change a person; a new organisation or title is recorded as a job change."""
    old_org, old_title = person.organisation_id, person.job_title
    _apply_fields(person, fields)
    _validate_person(person)
    _validate_contact_points(emails, phones)
    person.save()
    _set_contact_points(person, emails, phones)
    if tags is not None:
        person.tags.set(tags_resolve(workspace=person.workspace, names=tags))
    if (person.organisation_id, person.job_title) != (
        old_org,
        old_title,
    ) and person.organisation_id:
        _record_job_change(person, timezone.localdate())
        graph_changed(person.workspace_id)
    person_reindex(person_ids=[person.pk])
    facts_changed([person.pk])
    return person


def _record_job_change(person: Person, since: dt.date) -> None:
    if person.organisation is None:
        return
    person.employments.filter(is_current=True).update(is_current=False, end_date=since)
    Employment.objects.create(
        workspace_id=person.workspace_id,
        person=person,
        organisation=person.organisation,
        title=person.job_title,
        start_date=since,
        is_current=True,
    )


@transaction.atomic
def person_delete(*, person: Person) -> None:
    """Delete a person with their contact points, edges and participations.

    Your own entry (the centre of your network) cannot be deleted. Touchpoints they shared
    with others stay; those with nobody else go with them (the touchpoint log subscribes to
    `people_deleting`).
    """
    if person.is_self:
        raise ValidationError({"id": _("Your own entry cannot be deleted.")})
    pk = person.pk
    people_deleting([pk])
    graph_changed(person.workspace_id)
    Relationship.objects.filter(from_person=person).delete()
    Relationship.objects.filter(to_person=person).delete()
    person.delete()
    unindex_people([pk])


def person_create_self(*, workspace: Workspace, user: User) -> Person:
    """The user's own node in the network graph."""
    person = Person.objects.create(
        workspace=workspace,
        user=user,
        first_name=user.first_name or user.username,
        last_name=user.last_name,
        circle="core",
    )
    if user.email:
        EmailAddress.objects.create(
            workspace=workspace, person=person, email=user.email.lower(), is_primary=True
        )
    person_reindex(person_ids=[person.pk])
    graph_changed(workspace.pk)
    return person


def _clean_org_fields(fields: dict[str, Any]) -> dict[str, Any]:
    allowed = {
        "name",
        "industry",
        "region",
        "website",
        "notes",
        "is_target",
        "target_priority",
        "target_status",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({f: _("Unknown field.") for f in sorted(unknown)})
    for name, limit in (("name", 200), ("industry", 120), ("region", 120)):
        if name in fields:
            fields[name] = clean_text(fields[name], field=name, max_length=limit)
    if "notes" in fields:
        fields["notes"] = clean_text(
            fields["notes"], field="notes", max_length=20000, multiline=True
        )
    return fields


@transaction.atomic
def organisation_create(*, workspace: Workspace, **fields: Any) -> Organisation:
    """Create an organisation."""
    fields = _clean_org_fields(fields)
    if not fields.get("name"):
        raise ValidationError({"name": _("Enter a name.")})
    org = Organisation(workspace=workspace, **fields)
    org.name_folded = fold(org.name)
    org.full_clean(exclude=["workspace", "name_folded"])
    org.save()
    return org


@transaction.atomic
def organisation_update(*, organisation: Organisation, **fields: Any) -> Organisation:
    """Change an organisation; its people are reindexed when the name changes."""
    fields = _clean_org_fields(fields)
    renamed = "name" in fields and fields["name"] != organisation.name
    for name, value in fields.items():
        setattr(organisation, name, value)
    if not organisation.name:
        raise ValidationError({"name": _("Enter a name.")})
    organisation.name_folded = fold(organisation.name)
    organisation.full_clean(exclude=["workspace", "name_folded"])
    organisation.save()
    if renamed:
        person_reindex(person_ids=list(organisation.people.values_list("id", flat=True)))
    if "is_target" in fields or "target_priority" in fields:
        ids = list(organisation.people.values_list("id", flat=True))
        facts_changed(ids)
    return organisation


@transaction.atomic
def organisation_get_or_create(*, workspace: Workspace, name: str) -> Organisation:
    """Find an organisation by folded name, or create it."""
    name = clean_text(name, field="organisation", max_length=200)
    org = Organisation.objects.filter(workspace=workspace, name_folded=fold(name)).first()
    return org or organisation_create(workspace=workspace, name=name)


@transaction.atomic
def organisation_delete(*, organisation: Organisation) -> None:
    """Delete an organisation; its people stay, without an employer.

    Rows of higher layers that must not vanish with it (applications) protect it: the
    error names what still refers to it, and nothing is deleted.
    """
    ids = list(organisation.people.values_list("id", flat=True))
    graph_changed(organisation.workspace_id)
    try:
        with transaction.atomic():
            organisation.delete()
    except ProtectedError as exc:
        raise ValidationError(_protected_message(organisation, exc)) from None
    person_reindex(person_ids=ids)


def _protected_message(organisation: Organisation, exc: ProtectedError) -> str:
    counts: dict[str, int] = {}
    for obj in exc.protected_objects:
        label = str(obj._meta.verbose_name_plural)
        counts[label] = counts.get(label, 0) + 1
    what = ", ".join(f"{n} {label}" for label, n in sorted(counts.items()))
    return _(
        "%(name)s cannot be deleted while something still refers to it (%(what)s). "
        "Delete or move those first."
    ) % {"name": organisation.name, "what": what}


@transaction.atomic
def employment_record(
    *,
    person: Person,
    organisation: Organisation,
    title: str = "",
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    is_current: bool = True,
) -> Employment:
    """Record a position; a current one becomes the person's employer and ends the previous."""
    if organisation.workspace_id != person.workspace_id:
        raise ValidationError({"organisation": _("Not found.")})
    title = clean_text(title, field="title", max_length=200)
    check_date(start_date, field="start_date")
    check_date(end_date, field="end_date")
    if start_date and end_date and end_date < start_date:
        raise ValidationError({"end_date": _("The end lies before the start.")})
    if is_current:
        person.employments.filter(is_current=True).update(
            is_current=False, end_date=start_date or timezone.localdate()
        )
    employment = Employment.objects.create(
        workspace_id=person.workspace_id,
        person=person,
        organisation=organisation,
        title=title,
        start_date=start_date,
        end_date=end_date,
        is_current=is_current,
    )
    graph_changed(person.workspace_id)
    if is_current:
        person.organisation, person.job_title = organisation, title
        person.save(update_fields=["organisation", "job_title", "updated_at"])
        person_reindex(person_ids=[person.pk])
        facts_changed([person.pk])
    return employment


@transaction.atomic
def employment_delete(*, employment: Employment) -> None:
    """Delete a position from the history."""
    graph_changed(employment.workspace_id)
    employment.delete()


@transaction.atomic
def relationship_set(
    *, a: Person, b: Person, strength: int = 3, context: str = "other", notes: str = ""
) -> Relationship:
    """Create or update the "knows" edge between two people of one workspace."""
    if a.workspace_id != b.workspace_id:
        raise ValidationError({"to_person": _("Not found.")})
    if a.pk == b.pk:
        raise ValidationError({"to_person": _("A person cannot know themselves.")})
    if not 1 <= int(strength) <= 5:
        raise ValidationError({"strength": _("Strength goes from 1 to 5.")})
    low, high = sorted([a, b], key=lambda p: p.pk)
    edge, _created = Relationship.objects.update_or_create(
        from_person=low,
        to_person=high,
        defaults={
            "workspace_id": a.workspace_id,
            "strength": int(strength),
            "context": context,
            "notes": clean_text(notes, field="notes", max_length=500),
        },
    )
    edge.full_clean(validate_unique=False, validate_constraints=False)
    graph_changed(a.workspace_id)
    return edge


@transaction.atomic
def introduction_record(*, a: Person, b: Person, on: dt.date, strength: int = 2) -> Relationship:
    """Record that I introduced two people who did not know each other (seed 001).

    Refused when they already have a relationship: that one says more than "introduced".
    """
    if a.workspace_id != b.workspace_id:
        raise ValidationError({"to_person": _("Not found.")})
    low, high = sorted([a.pk, b.pk])
    if Relationship.objects.filter(from_person_id=low, to_person_id=high).exists():
        raise ValidationError(
            {
                "to_person": _("%(a)s and %(b)s already know each other.")
                % {"a": a.full_name, "b": b.full_name}
            }
        )
    return relationship_set(
        a=a,
        b=b,
        strength=strength,
        context=RelationshipContext.INTRODUCED,
        notes=_("Introduced by me on %(date)s") % {"date": on.isoformat()},
    )


@transaction.atomic
def relationship_delete(*, relationship: Relationship) -> None:
    """Remove a "knows" edge."""
    graph_changed(relationship.workspace_id)
    relationship.delete()


@transaction.atomic
def tag_rename(*, tag: Tag, name: str) -> Tag:
    """Rename a tag and reindex its people."""
    tag.name = clean_text(name, field="name", max_length=60)
    if not tag.name:
        raise ValidationError({"name": _("Enter a name.")})
    if Tag.objects.filter(workspace_id=tag.workspace_id, name=tag.name).exclude(pk=tag.pk).exists():
        raise ValidationError({"name": _("A tag with this name exists.")})
    tag.save(update_fields=["name", "updated_at"])
    person_reindex(person_ids=list(tag.people.values_list("id", flat=True)))
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag) -> None:
    """Delete a tag (the people keep their other tags)."""
    ids = list(tag.people.values_list("id", flat=True))
    tag.delete()
    person_reindex(person_ids=ids)


MAX_BULK = 500


@transaction.atomic
def people_bulk_update(
    *,
    workspace: Workspace,
    person_ids: list[int],
    circle: str = "",
    form_of_address: str = "",
    add_tags: list[str] | None = None,
    target_company: bool = False,
) -> int:
    """Change many people at once: circle, form of address, tags added, employer a target.

    Everything is validated before anything is written; ids of another workspace are
    refused as a whole. Returns how many people changed.
    """
    ids = sorted(set(person_ids))
    if not ids:
        raise ValidationError({"ids": _("Choose at least one person.")})
    if len(ids) > MAX_BULK:
        raise ValidationError({"ids": _("Choose at most 500 people at once.")})
    if circle and circle not in CHOSEN_CIRCLES:
        raise ValidationError({"circle": _("Unknown circle.")})
    if form_of_address and form_of_address not in FormOfAddress.values:
        raise ValidationError({"form_of_address": _("Unknown form of address.")})
    names = [clean_text(t, field="tags", max_length=60) for t in add_tags or []]
    names = [n for n in dict.fromkeys(names) if n]
    if not (circle or form_of_address or names or target_company):
        raise ValidationError({"action": _("Choose what to change.")})
    people = Person.objects.filter(workspace=workspace, pk__in=ids)
    if people.count() != len(ids):
        raise ValidationError({"ids": _("Not found.")})
    changes: dict[str, Any] = {"updated_at": timezone.now()}
    if circle:
        changes["circle"] = circle
    if form_of_address:
        changes["form_of_address"] = form_of_address
    people.update(**changes)
    if names:
        _add_tags(workspace, ids, names)
    if target_company:
        orgs = people.filter(organisation__isnull=False).values("organisation_id")
        Organisation.objects.filter(workspace=workspace, pk__in=orgs).update(is_target=True)
    facts_changed(ids)
    return len(ids)


def _add_tags(workspace: Workspace, ids: list[int], names: list[str]) -> None:
    through = Person.tags.through
    tags = tags_resolve(workspace=workspace, names=names)
    through.objects.bulk_create(
        [through(person_id=pk, tag_id=tag.pk) for pk in ids for tag in tags],
        ignore_conflicts=True,
    )
    person_reindex(person_ids=ids)


@transaction.atomic
def people_triage_leave_rest(*, workspace: Workspace) -> int:
    """Leave the remaining unsorted people as they are: Today stops offering the triage.

    They keep no circle and no cadence; a later import offers the triage again for its
    own new people. Returns how many stay unsorted.
    """
    data = dict(workspace.settings or {})
    data["triage_done_at"] = timezone.now().isoformat()
    workspace.settings = data
    workspace.save(update_fields=["settings"])
    return Person.objects.filter(
        workspace=workspace, circle=Circle.UNSORTED, user__isnull=True
    ).count()


# A touch older than this does not bring a dormant contact back (seed 004: a year).
DORMANT_AFTER_DAYS = 365


def people_return_from_dormant(
    *, person_ids: list[int], occurred_at: dt.datetime, circle: str = Circle.NETWORK
) -> list[int]:
    """A conversation with dormant contacts brings them back to a cadence (seed 004).

    They move to `circle` (default "network"; the user may choose another afterwards), so
    the reactivation suggestion and the Reactivate list entry go away. An old touch logged
    late (more than a year ago) changes nothing. Returns the ids that moved.
    """
    if circle not in CHOSEN_CIRCLES or circle == Circle.DORMANT:
        raise ValidationError({"circle": _("Unknown circle.")})
    if occurred_at < timezone.now() - dt.timedelta(days=DORMANT_AFTER_DAYS):
        return []
    rows = Person.objects.filter(pk__in=person_ids, circle=Circle.DORMANT, user__isnull=True)
    moved = list(rows.values_list("pk", flat=True))
    if moved:
        Person.objects.filter(pk__in=moved).update(circle=circle, updated_at=timezone.now())
    return moved
