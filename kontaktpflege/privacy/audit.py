"""The tamper-evident audit log: append-only events, hash-chained per workspace.

Each event's hash is sha256(previous hash + canonical JSON of the event), the canonical
JSON being sorted keys, no spaces, UTF-8, and the time as UTC ISO with microseconds. An
event edited, deleted or inserted afterwards breaks the chain at that row, and `audit_verify`
names it. Appending locks the workspace's chain head row (SELECT … FOR UPDATE; SQLite runs
write transactions one at a time anyway), so two events at once never fork the chain.

This does not stop someone with write access to the database from rewriting the whole chain
from the broken row on; it makes a quiet edit of one row visible.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.privacy.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64


def _check_value(value: Any) -> None:
    # Floats do not survive every database's JSON type bit for bit: ids and text only.
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError("audit data keys must be strings")
            _check_value(item)
    elif isinstance(value, list):
        for item in value:
            _check_value(item)
    elif not (value is None or isinstance(value, (str, bool, int))):
        raise TypeError(f"audit data may hold str, int, bool, None, list, dict: {value!r}")


def _stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical(event: AuditEvent) -> bytes:
    """The bytes an event's hash covers (everything but its own hash)."""
    body = {
        "workspace": event.workspace_id,
        "seq": event.seq,
        "created_at": _stamp(event.created_at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "data": event.data,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(event: AuditEvent) -> str:
    """sha256 over the previous hash and the event's canonical JSON."""
    return hashlib.sha256(event.prev_hash.encode() + canonical(event)).hexdigest()


def _locked_head(workspace_id: int) -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(workspace_id=workspace_id).first()
    if head is not None:
        return head
    try:
        with transaction.atomic():
            AuditChainHead.objects.create(workspace_id=workspace_id)
    except IntegrityError:
        pass  # created by a concurrent first event: lock theirs
    return AuditChainHead.objects.select_for_update().get(workspace_id=workspace_id)


@transaction.atomic
def audit_record(
    *,
    workspace: Workspace | int,
    action: str,
    actor: Any = None,
    subject_type: str = "",
    subject_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the workspace's chain (consent changes, exports, anonymisations,
    erasures, merges …). `actor` is a user or None for the system or the data subject;
    `data` holds ids and categories only (str, int, bool, None, lists, dicts)."""
    payload = dict(data or {})
    _check_value(payload)
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    head = _locked_head(workspace_id)
    label = ""
    if actor is not None:
        label = (actor.get_full_name() or actor.get_username())[:200]
    event = AuditEvent(
        workspace_id=workspace_id,
        seq=head.seq + 1,
        created_at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_label=label,
        action=action[:60],
        subject_type=subject_type[:40],
        subject_id=subject_id,
        data=payload,
        prev_hash=head.hash,
    )
    event.hash = event_hash(event)
    event.save(force_insert=True)
    AuditChainHead.objects.filter(pk=head.pk).update(seq=event.seq, hash=event.hash)
    return event


@dataclass(frozen=True)
class Break:
    """The first place a workspace's chain does not hold."""

    workspace_id: int
    seq: int
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        row = f"row id {self.event_id}" if self.event_id is not None else "no row"
        return f"workspace {self.workspace_id}: event #{self.seq} ({row}): {self.reason}"


def _events(workspace_id: int) -> Iterator[AuditEvent]:
    return AuditEvent.objects.filter(workspace_id=workspace_id).order_by("seq").iterator(2000)


def _verify_one(workspace_id: int) -> Break | None:
    prev, expected = GENESIS, 1
    for event in _events(workspace_id):
        if event.seq != expected:
            return Break(workspace_id, expected, None, f"missing (next is #{event.seq})")
        if event.prev_hash != prev:
            return Break(workspace_id, event.seq, event.pk, "does not follow the previous event")
        if event_hash(event) != event.hash:
            return Break(workspace_id, event.seq, event.pk, "was changed after it was written")
        prev, expected = event.hash, expected + 1
    head = AuditChainHead.objects.filter(workspace_id=workspace_id).first()
    if head is not None and (head.seq, head.hash) != (expected - 1, prev):
        return Break(workspace_id, expected, None, f"missing (the chain ends at #{head.seq})")
    return None


def audit_verify(*, workspace_id: int | None = None) -> list[Break]:
    """Walk every workspace's chain (or one); the first break of each, none when intact."""
    if workspace_id is not None:
        ids = [workspace_id]
    else:
        ids = sorted(
            set(AuditEvent.objects.values_list("workspace_id", flat=True).distinct())
            | set(AuditChainHead.objects.values_list("workspace_id", flat=True))
        )
    return [found for found in map(_verify_one, ids) if found is not None]
