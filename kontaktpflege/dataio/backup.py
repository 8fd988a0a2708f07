"""A full JSON backup of one workspace, and its restore into an empty instance.

Tables are found through a registry: every model with a `workspace` foreign key is in it
automatically; tables that reach the workspace through another row (Participation through
its touchpoint) register with `register(label, scope)`. `uncovered_models()` lists tables
that point at a backed-up table but are in no registry, so a test catches a forgotten one.

A backup holds no secrets: users only as identity (no password hash, no staff or superuser
flag; restored users get an unusable password and reset it by email, with the restored
workspace active), no API tokens or invitations, no notification URLs or calendar-feed tokens
(restored empty and new).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.core.facts import graph_changed

FORMAT = "kontaktpflege-backup"
VERSION = 1
# label → lookup from that model to the workspace id
EXTRA_TABLES: dict[str, str] = {
    "accounts.workspace": "pk",
    "accounts.user": "memberships__workspace",
    "touchpoints.participation": "touchpoint__workspace",
    "applications.applicationcontact": "application__workspace",
    "applications.interview": "application__workspace",
}
# Tables deliberately left out: uploads in progress, secrets (tokens, invitation links),
# caches' version stamps (a restored workspace gets a new one).
EXCLUDED = {
    "dataio.importjob",
    "accounts.apitoken",
    "accounts.invitation",
    "network.graphstamp",
}
# Tables backed up with only these fields (everything else gets its default on restore).
KEPT_FIELDS: dict[str, set[str]] = {
    "accounts.user": {"username", "email", "first_name", "last_name", "language", "time_zone"},
}
# Secret fields left out of a table (restored with their default: empty, or a new token).
DROPPED_FIELDS: dict[str, set[str]] = {
    "followups.notificationsettings": {"apprise_urls", "ics_token"},
}


def register(label: str, scope: str) -> None:
    """Add a table that reaches the workspace through `scope` (a lookup path)."""
    EXTRA_TABLES[label.lower()] = scope


class _Exact(DjangoJSONEncoder):
    """Like Django's encoder, but times keep their microseconds (a backup loses nothing)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


def to_json(objects: list[models.Model]) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (model, pk, fields), loadable with the "python" deserializer."""
    return json.loads(json.dumps(serializers.serialize("python", objects), cls=_Exact))


def _without_secrets(label: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kept, dropped = KEPT_FIELDS.get(label), DROPPED_FIELDS.get(label, set())
    return [
        {
            **row,
            "fields": {
                name: value
                for name, value in row["fields"].items()
                if (kept is None or name in kept) and name not in dropped
            },
        }
        for row in rows
    ]


def _has_workspace_fk(model: type[models.Model]) -> bool:
    try:
        field = model._meta.get_field("workspace")
    except Exception:
        return False
    return isinstance(field, models.ForeignKey) and field.related_model is Workspace


def tables() -> dict[str, str]:
    """Every backed-up table with its workspace lookup, in dependency order."""
    found = dict(EXTRA_TABLES)
    for model in apps.get_models():
        label = model._meta.label_lower
        if label not in EXCLUDED and label not in found and _has_workspace_fk(model):
            found[label] = "workspace"
    return {label: found[label] for label in _dependency_order(list(found))}


def _dependencies(model: type[models.Model]) -> set[str]:
    deps = set()
    field: Any
    for field in model._meta.get_fields():
        if (field.many_to_one or field.one_to_one) and field.concrete and field.related_model:
            deps.add(field.related_model._meta.label_lower)
        if field.many_to_many and field.concrete and field.remote_field.through._meta.auto_created:
            deps.add(field.related_model._meta.label_lower)
    return deps


def _dependency_order(labels: list[str]) -> list[str]:
    remaining = {label: _dependencies(apps.get_model(label)) & set(labels) for label in labels}
    order: list[str] = []
    while remaining:
        ready = sorted(
            label for label, deps in remaining.items() if not (deps - set(order) - {label})
        )
        if not ready:  # a cycle: FKs are deferred, so any order restores
            ready = sorted(remaining)
        for label in ready:
            order.append(label)
            remaining.pop(label)
    return order


def uncovered_models() -> list[str]:
    """Tables pointing at a backed-up table that no registry mentions."""
    covered = set(tables())
    missing = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in covered or label in EXCLUDED or model._meta.auto_created:
            continue
        if _dependencies(model) & (covered - {"accounts.user", "accounts.workspace"}):
            missing.append(label)
    return sorted(missing)


def _queryset(label: str, scope: str, workspace: Workspace) -> models.QuerySet:
    model = apps.get_model(label)
    return model._default_manager.filter(**{scope: workspace.pk}).distinct().order_by("pk")


def backup_workspace(*, workspace: Workspace) -> dict[str, Any]:
    """Everything of a workspace as JSON-ready data (pks included, so restore is identical)."""
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": timezone.now().isoformat(),
        "workspace": workspace.pk,
        "tables": {},
    }
    for label, scope in tables().items():
        objects = list(_queryset(label, scope, workspace).iterator(chunk_size=2000))
        data["tables"][label] = _without_secrets(label, to_json(objects))
    return data


def backup_chunks(*, workspace: Workspace) -> Iterator[str]:
    """The backup as JSON text."""
    yield json.dumps(backup_workspace(workspace=workspace), ensure_ascii=False)


def _check_backup(data: Any) -> dict[str, list[dict[str, Any]]]:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValidationError(_("This is not a Kontaktpflege backup file."))
    if data.get("version") != VERSION:
        raise ValidationError(_("This backup comes from another version and cannot be read."))
    known = set(tables())
    unknown = set(data.get("tables", {})) - known - EXCLUDED  # older backups: secrets skipped
    if unknown:
        raise ValidationError(
            _("The backup holds tables this instance does not know: %(t)s")
            % {"t": ", ".join(sorted(unknown))}
        )
    return {label: rows for label, rows in data["tables"].items() if label in known}


def _check_empty(tables_data: dict[str, list[dict[str, Any]]]) -> None:
    if Workspace.objects.exists():
        raise ValidationError(_("A backup restores into an empty instance; this one has data."))
    users = tables_data.get("accounts.user", [])
    names = [u["fields"]["username"] for u in users]
    if (
        User.objects.filter(pk__in=[u["pk"] for u in users]).exists()
        or User.objects.filter(username__in=names).exists()
    ):
        raise ValidationError(
            _("A user of the backup exists already; restore needs an empty instance.")
        )


@transaction.atomic
def restore_workspace(*, data: Any) -> Workspace:
    """Restore a backup into an empty instance with the same ids; all of it or nothing."""
    tables_data = _check_backup(data)
    _check_empty(tables_data)
    restored: list[type[models.Model]] = []
    for label in tables():
        rows = tables_data.get(label, [])
        if not rows:
            continue
        try:
            for obj in serializers.deserialize("python", _without_secrets(label, rows)):
                if isinstance(obj.object, User):
                    _restored_user(obj.object, workspace_id=data["workspace"])
                obj.save()
        except Exception as exc:
            raise ValidationError(
                _("The backup could not be restored (%(t)s): %(e)s") % {"t": label, "e": exc}
            ) from exc
        restored.append(apps.get_model(label))
    try:
        connection.check_constraints(table_names=[m._meta.db_table for m in restored])
    except IntegrityError as exc:
        raise ValidationError(
            _("The backup is inconsistent and was not restored: %(e)s") % {"e": exc}
        ) from exc
    _reset_sequences(restored)
    _copy_touchpoint_columns()
    _rebuild_search()
    graph_changed(data["workspace"])  # no process may keep a graph cached under this id
    return Workspace.objects.get(pk=data["workspace"])


def _restored_user(user: User, *, workspace_id: int) -> None:
    """A restored user: no password until they reset it, no staff rights, this workspace."""
    user.set_unusable_password()
    user.is_staff = user.is_superuser = False
    user.is_active = True
    user.active_workspace_id = workspace_id


def _reset_sequences(restored: list[type[models.Model]]) -> None:
    models_with_m2m: list[Any] = restored + [
        f.remote_field.through for m in restored for f in m._meta.many_to_many
    ]
    statements = connection.ops.sequence_reset_sql(no_style(), models_with_m2m)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _copy_touchpoint_columns() -> None:
    """Participations copy their touchpoint's time, channel and give/take; a backup made
    before they had the channel and give/take restores them as "" (their defaults)."""
    from kontaktpflege.touchpoints.models import Participation
    from kontaktpflege.touchpoints.services import participations_copy_from_touchpoint

    participations_copy_from_touchpoint(participations=Participation.objects.all())


def _rebuild_search() -> None:
    from kontaktpflege.contacts.models import Person
    from kontaktpflege.contacts.services import person_reindex

    person_reindex(person_ids=list(Person.objects.values_list("id", flat=True)))
