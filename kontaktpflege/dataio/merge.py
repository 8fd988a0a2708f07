"""Merging two people into one, and undoing it.

Every row that points at the removed person moves to the kept one, found through the model
metadata, so tables added later (follow-ups, messages …) move too. Special cases register a
handler in MERGE_HANDLERS. The snapshot in MergeLog holds both people and every row that
pointed at either, serialised, so undo puts each of them back exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import User
from kontaktpflege.contacts.models import EmailAddress, Person, Relationship
from kontaktpflege.contacts.search import unindex_people
from kontaktpflege.contacts.services import person_reindex
from kontaktpflege.core.facts import facts_changed, graph_changed
from kontaktpflege.dataio.models import MergeLog

# Field groups the merge screen offers; each group is taken from one side.
MERGE_GROUPS: dict[str, list[str]] = {
    "first_name": ["first_name"],
    "last_name": ["last_name"],
    "academic_title": ["academic_title"],
    "gender": ["gender"],
    "employment": ["organisation", "job_title"],
    "linkedin_url": ["linkedin_url"],
    "xing_url": ["xing_url"],
    "website": ["website"],
    "birthday": ["birthday_day", "birthday_month", "birthday_year"],
    "location": ["location"],
    "language": ["language"],
    "form_of_address": ["form_of_address"],
    "preferred_channel": ["preferred_channel"],
    "how_we_met": ["how_we_met"],
    "met_on": ["met_on"],
    "introduced_by": ["introduced_by"],
    "circle": ["circle"],
    "keep_in_touch_days": ["keep_in_touch_days"],
    "notes": ["notes"],
}
Handler = Callable[[models.Model, models.Field, Person, Person], None]
MERGE_HANDLERS: dict[str, Handler] = {}
# Rows that are about the merge machinery itself, not about the person.
MERGE_SKIP = {"dataio.mergelog"}
# Rows the system recomputes after an undo: a change to them does not block it.
UNDO_IGNORES_CHANGES = {"followups.followup"}


def merge_handler(label: str) -> Callable[[Handler], Handler]:
    """Register how rows of one model move from the removed to the kept person."""

    def register(fn: Handler) -> Handler:
        MERGE_HANDLERS[label.lower()] = fn
        return fn

    return register


def _person_relations() -> list[Any]:
    """Every foreign key (from any app) that points at Person, except M2M through tables."""
    out = []
    rel: Any
    for rel in Person._meta.get_fields(include_hidden=True):
        if not isinstance(rel, models.ForeignObjectRel) or rel.many_to_many:
            continue
        related: Any = rel.related_model
        if related._meta.auto_created or related._meta.label_lower in MERGE_SKIP:
            continue
        out.append(rel)
    return out


def _rows_pointing_at(person: Person) -> list[tuple[Any, Any]]:
    rows: list[tuple[Any, Any]] = []
    for rel in _person_relations():
        field = rel.field
        for obj in rel.related_model._default_manager.filter(**{field.name: person.pk}):
            rows.append((obj, field))
    return rows


def _serialise(objects: list[models.Model]) -> list[dict[str, Any]]:
    from kontaktpflege.dataio.backup import to_json

    unique = {(o._meta.label_lower, o.pk): o for o in objects}
    return to_json(list(unique.values()))


def _default_move(obj: models.Model, field: models.Field, keep: Person, remove: Person) -> None:
    """Point the row at the kept person; if that would duplicate a row, drop it."""
    try:
        with transaction.atomic():
            type(obj)._default_manager.filter(pk=obj.pk).update(**{field.attname: keep.pk})
    except IntegrityError:
        obj.delete()


@merge_handler("contacts.relationship")
def _move_edge(obj: models.Model, field: models.Field, keep: Person, remove: Person) -> None:
    assert isinstance(obj, Relationship)
    other = obj.to_person_id if obj.from_person_id == remove.pk else obj.from_person_id
    exists = Relationship.objects.filter(
        Q(from_person_id=min(other, keep.pk), to_person_id=max(other, keep.pk))
    ).exists()
    if other == keep.pk or exists:
        obj.delete()
        return
    low, high = sorted([other, keep.pk])
    Relationship.objects.filter(pk=obj.pk).update(from_person_id=low, to_person_id=high)


def _move_contact_point(
    obj: models.Model, field: models.Field, keep: Person, remove: Person
) -> None:
    model = type(obj)
    value_field = "email" if model is EmailAddress else "number"
    if model._default_manager.filter(
        person=keep, **{value_field: getattr(obj, value_field)}
    ).exists():
        obj.delete()
    else:
        model._default_manager.filter(pk=obj.pk).update(person=keep, is_primary=False)


MERGE_HANDLERS["contacts.emailaddress"] = _move_contact_point
MERGE_HANDLERS["contacts.phonenumber"] = _move_contact_point


@merge_handler("contacts.person")
def _move_introduced(obj: models.Model, field: models.Field, keep: Person, remove: Person) -> None:
    # Someone introduced by the removed person was introduced by the kept one.
    target = None if obj.pk == keep.pk else keep.pk
    Person.objects.filter(pk=obj.pk).update(**{field.attname: target})


@merge_handler("dataio.duplicatedismissal")
def _drop_dismissal(obj: models.Model, field: models.Field, keep: Person, remove: Person) -> None:
    obj.delete()  # the pair no longer exists; undo restores it from the snapshot


def _apply_choices(keep: Person, remove: Person, choices: dict[str, str]) -> None:
    for group, fields in MERGE_GROUPS.items():
        choice = choices.get(group)
        take_removed = choice == "remove" or (
            choice is None and all(getattr(keep, f) in ("", None) for f in fields)
        )
        if take_removed:
            for name in fields:
                setattr(keep, name, getattr(remove, name))
    if keep.introduced_by_id == remove.pk:
        keep.introduced_by = None


def _refresh_people(ids: list[int]) -> None:
    from kontaktpflege.touchpoints.services import people_refresh_last_touched

    people_refresh_last_touched(person_ids=ids)
    person_reindex(person_ids=ids)

    facts_changed(ids)


@transaction.atomic
def person_merge(
    *, keep: Person, remove: Person, choices: dict[str, str] | None = None, user: User | None = None
) -> MergeLog:
    """Merge `remove` into `keep`: chosen fields, and every touchpoint, edge, job, tag …"""
    if keep.workspace_id != remove.workspace_id or keep.pk == remove.pk:
        raise ValidationError(_("These two cannot be merged."))
    if remove.is_self:
        raise ValidationError(_("Your own entry cannot be merged away; keep it instead."))
    related = _rows_pointing_at(remove) + _rows_pointing_at(keep)
    snapshot = {
        "people": _serialise([remove, keep]),
        "related": _serialise([obj for obj, _f in related]),
    }
    _apply_choices(keep, remove, choices or {})
    keep.save()
    keep.tags.add(*remove.tags.all())
    for obj, field in _rows_pointing_at(remove):
        handler = MERGE_HANDLERS.get(obj._meta.label_lower, _default_move)
        handler(obj, field, keep, remove)
    _end_other_current_jobs(keep)
    log = MergeLog.objects.create(
        workspace_id=keep.workspace_id,
        kept_person=keep,
        removed_person_id=remove.pk,
        removed_name=remove.full_name[:210],
        snapshot=snapshot,
        merged_by=user,
    )
    removed_pk = remove.pk
    remove.delete()
    unindex_people([removed_pk])
    _refresh_people([keep.pk])
    graph_changed(keep.workspace_id)  # the removed node's edges now belong to the kept one
    return log


def _end_other_current_jobs(keep: Person) -> None:
    current = keep.employments.filter(is_current=True)
    if keep.organisation_id:
        current = current.exclude(organisation_id=keep.organisation_id)
    current.update(is_current=False)


@transaction.atomic
def merge_undo(*, log: MergeLog) -> Person:
    """Put both people and every row that pointed at them back as they were before."""
    if log.undone_at is not None:
        raise ValidationError(_("This merge was undone already."))
    if log.kept_person_id is None or Person.objects.filter(pk=log.removed_person_id).exists():
        raise ValidationError(_("This merge can no longer be undone: the people changed since."))
    if _changed_since_merge(log, kept_id=log.kept_person_id):
        raise ValidationError(
            _(
                "This merge can no longer be undone: the merged person or their details were "
                "edited afterwards, and undoing it would throw those edits away."
            )
        )
    try:
        with transaction.atomic():
            for data in (log.snapshot["people"], log.snapshot["related"]):
                for obj in serializers.deserialize("python", data):
                    obj.save()
    except (IntegrityError, serializers.base.DeserializationError) as exc:
        raise ValidationError(
            _("This merge can no longer be undone: the data changed since.")
        ) from exc
    _copy_touchpoint_columns(log.snapshot["related"])
    log.undone_at = timezone.now()
    log.save(update_fields=["undone_at", "updated_at"])
    _refresh_people([log.kept_person_id, log.removed_person_id])
    graph_changed(log.workspace_id)
    return Person.objects.get(pk=log.removed_person_id)


def _copy_touchpoint_columns(rows: list[dict[str, Any]]) -> None:
    """Restored participations take channel and give/take from their touchpoints again: a
    snapshot taken before participations had them restores them as "" (their defaults)."""
    from kontaktpflege.touchpoints.models import Participation
    from kontaktpflege.touchpoints.services import participations_copy_from_touchpoint

    pks = [row["pk"] for row in rows if row["model"] == "touchpoints.participation"]
    if pks:
        participations_copy_from_touchpoint(participations=Participation.objects.filter(pk__in=pks))


def _changed_since_merge(log: MergeLog, *, kept_id: int) -> bool:
    """Whether the kept person, or a row the snapshot would write back, was edited later."""
    if Person.objects.filter(pk=kept_id, updated_at__gt=log.created_at).exists():
        return True
    pks: dict[str, list[Any]] = {}
    for row in log.snapshot.get("related", []):
        pks.setdefault(row["model"], []).append(row["pk"])
    for label, ids in pks.items():
        model = apps.get_model(label)
        if label in UNDO_IGNORES_CHANGES or "updated_at" not in {
            f.name for f in model._meta.concrete_fields
        }:
            continue
        if model._default_manager.filter(pk__in=ids, updated_at__gt=log.created_at).exists():
            return True
    return False


@transaction.atomic
def duplicate_dismiss(*, a: Person, b: Person) -> None:
    """Remember that two people are not the same; the list stops suggesting them."""
    from kontaktpflege.dataio.models import DuplicateDismissal

    if a.workspace_id != b.workspace_id or a.pk == b.pk:
        raise ValidationError(_("These two cannot be compared."))
    low, high = sorted([a.pk, b.pk])
    DuplicateDismissal.objects.get_or_create(
        workspace_id=a.workspace_id, person_a_id=low, person_b_id=high
    )
